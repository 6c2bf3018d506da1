"""The access report of one person (Art. 15 GDPR, §83 SGB X): everything Staffel holds about
the person of a case, built from the engine's own rows.

* the person's data and the case's references (number, Land, entry, stage, court, benefits);
* the computed legal deadlines and the warm handovers;
* the **recipients**: teams that received a handover package (with the fields and the legal
  basis of each package, from the audit events ``handover_package_shared``), and the teams that
  had tasks on the case (they see the case's data for their work);
* the consent given at registration and its withdrawal;
* the purposes of the processing and the storage period (the setting ``retention_days``: how
  long the data is kept after the case is closed);
* the read log: who opened the person's data, when, through which channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.execution.cases import case_deadlines
from engine.execution.handovers import handover_info
from engine.execution.task_work import CommentInfo, case_comments
from engine.law.lands import BERLIN
from engine.model import DeadlineInfo, HandoverInfo
from engine.persistence.models import AuditEvent, Case, Handover, HumanTask
from engine.privacy.consent import ConsentInfo
from engine.privacy.reads import PersonReadInfo, case_reads

SHARED_ACTION = "handover_package_shared"  # engine.supervision.outbound.SHARED_ACTION
#: Without the setting ``retention_days`` (before the retention feature sets it) the report
#: says the period is not configured: the data is then kept until an erasure request.
FALLBACK_RETENTION_DAYS: int | None = None
READS_SHOWN = 1000  # the newest reads listed in the report
#: Why Staffel processes the person's data, each with its legal basis (shown in the report).
PURPOSES: tuple[tuple[str, str], ...] = (
    ("case_work", "§67a, §67b SGB X; §§2, 3 AsylbLG, §§7, 50 SGB II, §§71, 86 AufenthG "
                  "(Erfüllung der Aufgaben der beteiligten Stellen)"),
    ("deadlines", "§74 AsylG, §58 VwGO, §57 Abs. 2 VwGO (Fristberechnung)"),
    ("handover", "§69 Abs. 1 Nr. 1 SGB X, §50 SGB II (Übermittlung zwischen den Stellen)"),
    ("consent_sharing", "Art. 6 Abs. 1 lit. a DSGVO (Weitergabe mit Einwilligung)"),
    ("audit", "Art. 5 Abs. 2, Art. 32 DSGVO, §78a SGB X (Nachweis und Datensicherheit)"),
)


@dataclass(frozen=True)
class Recipient:
    """A team that received the person's data: a package (``handover``) or tasks (``tasks``)."""

    team: str
    kind: str
    fields: tuple[str, ...]
    legal_basis: str | None
    first_at: datetime
    last_at: datetime
    count: int


@dataclass(frozen=True)
class RetentionInfo:
    """How long the data is kept: ``days`` after the case is closed (None: not configured)."""

    days: int | None
    closed_at: datetime | None
    erase_after: date | None


@dataclass(frozen=True)
class AccessReport:
    """Everything Staffel holds about the person of one case (see the module doc)."""

    case_id: str
    case_number: str
    land: str
    entry: str
    stage: str
    court: str | None
    benefit_system: str | None
    created_at: datetime
    closed_at: datetime | None
    erased_at: datetime | None
    person: dict[str, Any]
    bamf_aktenzeichen: str | None
    deadlines: list[DeadlineInfo]
    handovers: list[HandoverInfo]
    recipients: list[Recipient]
    consent: ConsentInfo
    purposes: tuple[tuple[str, str], ...]
    retention: RetentionInfo
    reads: list[PersonReadInfo]
    generated_at: datetime
    #: the comments on the case's tasks (their text is personal data too)
    comments: list[CommentInfo] = field(default_factory=list)


def package_recipients(session: Session, case_id: str) -> list[Recipient]:
    """Teams that received a handover package, per team and legal basis, with every field
    any of those packages held (from the audit events: names only, never values)."""
    groups: dict[tuple[str, str], tuple[set[str], datetime, datetime, int]] = {}
    events = session.execute(select(AuditEvent.at, AuditEvent.details).where(
        AuditEvent.case_id == case_id, AuditEvent.action == SHARED_ACTION)
        .order_by(AuditEvent.seq))
    for at, details in events:
        if not isinstance(details, dict) or not details.get("fields"):
            continue  # a package with nothing in it went to nobody
        key = (str(details.get("to_team")), str(details.get("legal_basis") or ""))
        names, first, _last, count = groups.get(key, (set(), at, at, 0))
        groups[key] = (names | set(map(str, details["fields"])), first, at, count + 1)
    return [Recipient(team, "handover", tuple(sorted(names)), basis or None, first, last, n)
            for (team, basis), (names, first, last, n) in sorted(groups.items())]


def task_recipients(session: Session, case_id: str) -> list[Recipient]:
    """Teams that had tasks on the case (first and last task, number of tasks)."""
    rows = session.execute(
        select(HumanTask.team, func.min(HumanTask.created_at), func.max(HumanTask.created_at),
               func.count()).where(HumanTask.case_id == case_id)
        .group_by(HumanTask.team).order_by(HumanTask.team))
    return [Recipient(team, "tasks", (), None, first, last, count)
            for team, first, last, count in rows]


def retention_of(case: Case, days: Any) -> RetentionInfo:
    """The storage period of a case from the setting (a whole number of days, else not set)."""
    period = days if isinstance(days, int) and not isinstance(days, bool) and days >= 0 \
        else FALLBACK_RETENTION_DAYS
    erase_after = None
    if period is not None and case.closed_at is not None:
        erase_after = (case.closed_at.astimezone(BERLIN) + timedelta(days=period)).date()
    return RetentionInfo(period, case.closed_at, erase_after)


def build_access_report(session: Session, case: Case, consent: ConsentInfo,
                        retention_days: Any, now: datetime) -> AccessReport:
    """Assemble the report of the case's person from the engine's rows."""
    handovers = [handover_info(row) for row in session.scalars(
        select(Handover).where(Handover.case_id == case.id).order_by(Handover.proposed_at))]
    return AccessReport(
        case_id=case.id, case_number=case.case_number, land=case.land, entry=case.entry,
        stage=case.stage, court=case.court, benefit_system=case.benefit_system,
        created_at=case.created_at, closed_at=case.closed_at, erased_at=case.erased_at,
        person=dict(case.person or {}), bamf_aktenzeichen=case.bamf_aktenzeichen,
        deadlines=case_deadlines(session, case.id), handovers=handovers,
        recipients=package_recipients(session, case.id) + task_recipients(session, case.id),
        consent=consent, purposes=PURPOSES, retention=retention_of(case, retention_days),
        reads=case_reads(session, case.id, limit=READS_SHOWN), generated_at=now,
        comments=case_comments(session, case.id))
