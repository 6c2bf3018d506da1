"""The overdue reminder sweep: one notification per overdue task, and one per handover that the
receiving team did not acknowledge in time, through the :class:`engine.ports.Notifier` port.

Exactly once, also with several schedulers: a reminder is first *claimed* by setting
``reminded_at`` with a conditional ``UPDATE … WHERE reminded_at IS NULL`` (only one writer
wins a row), the transaction commits, and only then is the notification sent, outside any
transaction. If sending fails for a passing reason (mail server down) the claim is released
and the next sweep tries again; if it can never work (no address known) it stays done and a
warning is logged. A crash between claim and send loses that one reminder rather than sending
it twice; the overdue task stays flagged in every inbox and on the dashboard anyway.

Who gets it:

* a task: its assignee (his stored e-mail address, else his team's mailbox), or, when nobody
  has claimed it, its team (the team mailbox);
* a handover: the supervisors of the receiving team (their stored addresses, else the mailbox
  of the ``supervisor`` team, Teamleitung). Its acknowledgment is due
  ``handover_ack_working_days`` working days of the case's Land after the proposal, like the
  diagram's ``sla_due(rule('handover_ack_working_days'))`` timer.

Logs name only the task id, the case number and ``user:<name>`` / ``team:<key>``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.execution import tasks
from engine.law.rules import LegalRules
from engine.law.teams import get_team
from engine.persistence.models import Case, Handover, HumanTask, User, UserTeam
from engine.ports import DeliveryError, Notification, Notifier
from engine.states import HandoverState, HumanTaskState

log = logging.getLogger("staffel.reminders")
SUPERVISOR_TEAM = "supervisor"


@dataclass(frozen=True)
class ReminderReport:
    """What one sweep did: sent, failed for now (retried later), undeliverable (given up)."""

    sent: int = 0
    retry: int = 0
    undeliverable: int = 0


@dataclass(frozen=True)
class _Claimed:
    notification: Notification
    case_id: str
    task_id: str | None
    handover_id: int | None


# -- claiming ----------------------------------------------------------------------------------
def _user_emails(session: Session, usernames: list[str]) -> dict[str, str]:
    if not usernames:
        return {}
    rows = session.execute(select(User.username, User.email).where(
        User.username.in_(usernames), User.active.is_(True), User.email.is_not(None)))
    return {name: email for name, email in rows if email}


def claim_task_reminders(session: Session, now: datetime, limit: int) -> list[_Claimed]:
    """Mark up to ``limit`` overdue, not yet reminded open tasks as reminded; return them."""
    found = session.execute(
        select(HumanTask, Case.case_number).join(Case, Case.id == HumanTask.case_id)
        .where(HumanTask.state == HumanTaskState.OPEN, HumanTask.due_at.is_not(None),
               HumanTask.due_at <= now, HumanTask.reminded_at.is_(None))
        .order_by(HumanTask.due_at, HumanTask.id).limit(limit)).all()
    emails = _user_emails(session, sorted({r.assignee for r, _n in found if r.assignee}))
    claimed = []
    for row, number in found:
        if row.due_at is None:  # the query asks for due_at <= now, which NULL never meets
            continue
        won = session.execute(update(HumanTask).where(
            HumanTask.id == row.id, HumanTask.reminded_at.is_(None)).values(reminded_at=now)
            .execution_options(synchronize_session=False))
        if won.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another scheduler took it
        address = emails.get(row.assignee or "")
        note = Notification("task_overdue", row.id, number, row.title, row.due_at, row.team,
                            row.assignee, (address,) if address else ())
        claimed.append(_Claimed(note, row.case_id, row.id, None))
    return claimed


def handover_ack_due(handover: Handover, land: str, rules: LegalRules) -> datetime:
    """When the acknowledgment of a proposed handover is overdue (end of the last day)."""
    return tasks.end_of_working_days(handover.proposed_at, rules.handover_ack_working_days, land)


def _supervisor_emails(session: Session, team: str) -> tuple[str, ...]:
    rows = session.execute(select(User.roles, User.email)
                           .join(UserTeam, UserTeam.user_id == User.id)
                           .where(UserTeam.team == team, User.active.is_(True),
                                  User.email.is_not(None)).order_by(User.username))
    return tuple(email for roles, email in rows if email and "supervisor" in (roles or []))


def handover_title(handover: Handover) -> str:
    """The notification's title of an unacknowledged handover (team names, no person data)."""
    return (f"Übergabe bestätigen: {_team_name(handover.from_team)} → "
            f"{_team_name(handover.to_team)}")


def _team_name(key: str) -> str:
    try:
        return get_team(key).name_de
    except KeyError:
        return key


def claim_handover_reminders(session: Session, now: datetime, rules: LegalRules,
                             limit: int) -> list[_Claimed]:
    """Mark proposed handovers whose acknowledgment is overdue as reminded; return them."""
    found = session.execute(
        select(Handover, Case.case_number, Case.land).join(Case, Case.id == Handover.case_id)
        .where(Handover.state == HandoverState.PROPOSED, Handover.reminded_at.is_(None))
        .order_by(Handover.proposed_at, Handover.id)).all()
    claimed: list[_Claimed] = []
    for row, number, land in found:
        due = handover_ack_due(row, land, rules)
        if due > now:
            continue
        won = session.execute(update(Handover).where(
            Handover.id == row.id, Handover.reminded_at.is_(None)).values(reminded_at=now)
            .execution_options(synchronize_session=False))
        if won.rowcount != 1:  # type: ignore[attr-defined]
            continue
        note = Notification("handover_overdue", f"handover:{number}:{row.key}", number,
                            handover_title(row), due, SUPERVISOR_TEAM, None,
                            _supervisor_emails(session, row.to_team))
        claimed.append(_Claimed(note, row.case_id, None, row.id))
        if len(claimed) >= limit:
            break
    return claimed


def release(session: Session, item: _Claimed, claimed_at: datetime) -> None:
    """Undo a claim so that the next sweep tries again."""
    if item.task_id is not None:
        session.execute(update(HumanTask).where(
            HumanTask.id == item.task_id, HumanTask.reminded_at == claimed_at)
            .values(reminded_at=None).execution_options(synchronize_session=False))
    elif item.handover_id is not None:
        session.execute(update(Handover).where(
            Handover.id == item.handover_id, Handover.reminded_at == claimed_at)
            .values(reminded_at=None).execution_options(synchronize_session=False))


def deliver(notifier: Notifier, item: _Claimed) -> str:
    """Send one notification; returns ``sent``, ``retry`` or ``undeliverable``."""
    note = item.notification
    try:
        notifier.send(note)
    except DeliveryError as exc:
        outcome = "undeliverable" if exc.permanent else "retry"
        log.warning("reminder %s of case %s to %s: %s (%s)", note.ref, note.case_number,
                    note.recipient, outcome, exc)
        return outcome
    except Exception:  # an adapter's unforeseen failure must not lose the reminder: retry
        log.exception("reminder %s of case %s to %s failed; retrying at the next sweep",
                      note.ref, note.case_number, note.recipient)
        return "retry"
    log.info("reminder %s of case %s sent to %s", note.ref, note.case_number, note.recipient)
    return "sent"
