"""What the pages and the API share for the personal-data duties (docs/privacy.md): logging a
read of a person's data, who may see the read log, and the access report as JSON.

**Every answer that shows a person's data logs a read first** (``PersonRead``: actor, case,
subject, channel), in its own short write before the answer is sent. A read that cannot be
logged is not served: the database's failure reaches the caller (503 with Retry-After for a
busy or read-only database) instead of the data. The cost is one INSERT per answer.

Who sees what is :mod:`web.authz`'s rule: a person's data only for members of teams with
work on the case (:func:`web.authz.may_see_person`, administrators never); the read log of a
case also only for the **supervisors** among them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from engine import (
    AccessReport,
    ClarificationInfo,
    ConsentInfo,
    Forbidden,
    PersonReadInfo,
    ReadTarget,
    Staffel,
)
from web import authz
from web.auth import Actor

PAGE, API = "page", "api"


def log_read(eng: Staffel, actor: Actor, case_id: str | None, subject: str,
             channel: str) -> None:
    """Log that ``actor`` is shown a person's data (raises, and so refuses the read, when
    the row cannot be written)."""
    eng.personal_data.record_read(case_id, subject, channel, actor.username)


def log_clarification_reads(eng: Staffel, actor: Actor, items: Iterable[ClarificationInfo],
                            channel: str) -> None:
    """One read row per clarification shown (a list: one INSERT for all of them)."""
    eng.personal_data.record_reads([clarification_target(item) for item in items], channel,
                                   actor.username)


def clarification_target(item: ClarificationInfo) -> ReadTarget:
    """A clarification: an agency line; its case once it was delivered to one."""
    case_id = (item.resolution or {}).get("case_id")
    return ReadTarget(case_id if isinstance(case_id, str) else None, f"clarification:{item.id}")


def require_person(eng: Staffel, actor: Actor, case_id: str) -> None:
    """403 for roles without case access, 404 unless the actor's teams work on the case and
    may see its person (administrators: 404)."""
    authz.require_case_visible(eng, actor, case_id)
    authz.require_person_visible(eng, actor, case_id)


def may_see_reads(eng: Staffel, actor: Actor, case_id: str) -> bool:
    """Supervisors of a team with work on the case see who read its person's data."""
    return actor.has_role("supervisor") and authz.may_see_person(eng, actor, case_id)


def require_reads(eng: Staffel, actor: Actor, case_id: str) -> None:
    """As :func:`require_person`, then 403 for caseworkers (the log is the supervisors')."""
    require_person(eng, actor, case_id)
    if not actor.has_role("supervisor"):
        raise Forbidden("only supervisors of the case's teams see who read its data")


def read_json(read: PersonReadInfo) -> dict[str, Any]:
    """One entry of the read log as JSON."""
    return {"at": read.at.isoformat(), "actor": read.actor, "subject": read.subject,
            "channel": read.channel}


def consent_json(consent: ConsentInfo) -> dict[str, Any]:
    """The recorded consent and its withdrawal as JSON."""
    return {"given": consent.given, "date": _iso(consent.date), "purpose": consent.purpose,
            "recipients": list(consent.recipients), "withdrawn_on": _iso(consent.withdrawn_on),
            "withdrawal_recorded_by": consent.withdrawal_recorded_by,
            "withdrawal_recorded_at": _iso(consent.withdrawal_recorded_at)}


def report_json(report: AccessReport) -> dict[str, Any]:
    """The access report as JSON (ISO dates and times, team keys, field names in English)."""
    consent, retention = report.consent, report.retention
    iso = _iso
    return {
        "case": {"id": report.case_id, "case_number": report.case_number,
                 "land": report.land, "entry": report.entry, "stage": report.stage,
                 "court": report.court, "benefit_system": report.benefit_system,
                 "created_at": iso(report.created_at), "closed_at": iso(report.closed_at),
                 "erased_at": iso(report.erased_at)},
        "person": report.person, "bamf_aktenzeichen": report.bamf_aktenzeichen,
        "deadlines": [{"key": d.key, "date": d.date.isoformat(), "legal_basis": d.legal_basis,
                       "land": d.land} for d in report.deadlines],
        "handovers": [{k: iso(v) for k, v in asdict(h).items()} for h in report.handovers],
        "recipients": [{"team": r.team, "kind": r.kind, "fields": list(r.fields),
                        "legal_basis": r.legal_basis, "first_at": iso(r.first_at),
                        "last_at": iso(r.last_at), "count": r.count}
                       for r in report.recipients],
        "consent": consent_json(consent),
        "purposes": [{"purpose": key, "legal_basis": basis} for key, basis in report.purposes],
        "retention": {"days_after_closing": retention.days,
                      "closed_at": iso(retention.closed_at),
                      "erase_after": iso(retention.erase_after)},
        "reads": [read_json(r) for r in report.reads],
        "comments": [{"at": iso(c.at), "author": c.author, "task_id": c.task_id,
                      "text": c.text} for c in report.comments],
        "generated_at": iso(report.generated_at),
    }


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
