"""Consent to share data (Art. 6(1)(a), Art. 7(3) GDPR): what the case recorded at
registration, and its withdrawal.

The consent itself is process data of the registration form (``consent_given``,
``consent_date``, ``consent_purpose``, ``consent_recipients``); Staffel reads it from the
newest completed task of the case that carries it. A withdrawal is a row of its own
(:class:`~engine.persistence.privacy_models.ConsentWithdrawal`) with the day the person
withdrew, who recorded it and when; from that day on handover packages leave out what the
consent covered (``adapters/handover_package.py``).

A withdrawal day must be a calendar day, not after today (engine time, Europe/Berlin) and not
before the consent was given; when Staffel knows no consent day, not before the case was
created. A case whose recorded consent says "not given" has nothing to withdraw (409), and a
consent is withdrawn once (409).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict, InvalidInput
from engine.execution.specs import SpecCache
from engine.execution.spiff import load_state
from engine.execution.unit import UnitOfWork
from engine.law.lands import BERLIN
from engine.persistence.models import Case, ProcessInstance
from engine.persistence.privacy_models import ConsentWithdrawal

WITHDRAWN_ACTION = "consent_withdrawn"
Day = date  # the field ``ConsentInfo.date`` hides the type's name inside the class


@dataclass(frozen=True)
class ConsentInfo:
    """The person's consent as the case knows it, and its withdrawal (None: not withdrawn)."""

    given: bool | None  # None: the case's processes record no consent at all
    date: Day | None
    purpose: str | None
    recipients: tuple[str, ...]
    withdrawn_on: Day | None = None
    withdrawal_recorded_by: str | None = None
    withdrawal_recorded_at: datetime | None = None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def registration_consent(session: Session, specs: SpecCache, script_engine: Any,
                         case_id: str) -> dict[str, Any]:
    """The consent fields of the newest completed task of the case that carries them ({}
    when no process of the case records consent)."""
    best: tuple[float, dict[str, Any]] | None = None
    for instance in session.scalars(select(ProcessInstance)
                                    .where(ProcessInstance.case_id == case_id)):
        workflow = load_state(instance.state, specs.get(session, instance.process_version_id),
                              script_engine)
        for task in workflow.get_tasks(state=TaskState.COMPLETED):
            if "consent_given" not in task.data:
                continue
            stamp = float(task.last_state_change or 0)
            if best is None or stamp >= best[0]:
                best = (stamp, {k: v for k, v in task.data.items() if k.startswith("consent_")})
    plain: dict[str, Any] = json.loads(json.dumps(best[1], default=str)) if best else {}
    return plain


def withdrawal_of(session: Session, case_id: str) -> ConsentWithdrawal | None:
    """The case's recorded withdrawal (the earliest, should there be more than one)."""
    return session.scalars(select(ConsentWithdrawal).where(ConsentWithdrawal.case_id == case_id)
                           .order_by(ConsentWithdrawal.withdrawn_on).limit(1)).first()


def consent_info(data: dict[str, Any], withdrawal: ConsentWithdrawal | None) -> ConsentInfo:
    """Combine the registration's consent fields and the withdrawal row."""
    recipients = data.get("consent_recipients")
    given = data.get("consent_given")
    return ConsentInfo(
        given=given if isinstance(given, bool) else None, date=_day(data.get("consent_date")),
        purpose=str(data["consent_purpose"]) if data.get("consent_purpose") else None,
        recipients=tuple(map(str, recipients)) if isinstance(recipients, list) else (),
        withdrawn_on=withdrawal.withdrawn_on if withdrawal else None,
        withdrawal_recorded_by=withdrawal.recorded_by if withdrawal else None,
        withdrawal_recorded_at=withdrawal.recorded_at if withdrawal else None)


def parse_withdrawal_day(value: Any, today: date) -> date:
    """The withdrawal day from input: None means today; else an ISO date (422 otherwise)."""
    if value is None or value == "":
        return today
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value
    parsed = _day(value) if isinstance(value, str) and len(value) == 10 else None
    if parsed is None:
        raise InvalidInput("withdrawn_on must be a date (YYYY-MM-DD)",
                           [{"field": "withdrawn_on", "message": "must be a date (YYYY-MM-DD)"}])
    return parsed


def withdraw(uow: UnitOfWork, case: Case, consent: ConsentInfo, day: date) -> ConsentWithdrawal:
    """Check the day against the consent and the engine's today, then write the withdrawal
    row and the audit event ``consent_withdrawn`` (no values)."""
    today = uow.now.astimezone(BERLIN).date()
    if consent.given is False:
        raise Conflict("the case records no consent to withdraw")
    if consent.withdrawn_on is not None:
        raise Conflict(f"the consent was withdrawn already on {consent.withdrawn_on}")
    earliest = consent.date or case.created_at.astimezone(BERLIN).date()
    what = "the consent date" if consent.date else "the day the case was created"
    if day > today:
        raise InvalidInput("withdrawn_on lies in the future",
                           [{"field": "withdrawn_on",
                             "message": f"must not be after today ({today.isoformat()})"}])
    if day < earliest:
        raise InvalidInput(f"withdrawn_on lies before {what}",
                           [{"field": "withdrawn_on",
                             "message": f"must not be before {what} ({earliest.isoformat()})"}])
    row = ConsentWithdrawal(case_id=case.id, withdrawn_on=day, recorded_by=uow.actor[:100],
                            recorded_at=uow.now)
    uow.session.add(row)
    uow.record(WITHDRAWN_ACTION, case_id=case.id)
    return row
