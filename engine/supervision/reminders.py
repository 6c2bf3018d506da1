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

import contextlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.errors import InvalidInput, NotFound
from engine.execution import tasks
from engine.execution.runtime import UnitOfWork
from engine.law.rules import LegalRules
from engine.law.teams import get_team
from engine.persistence.db import Database
from engine.persistence.models import Case, Handover, HumanTask, User, UserTeam
from engine.ports import DeliveryError, Notification, Notifier

log = logging.getLogger("staffel.reminders")
SUPERVISOR_TEAM = "supervisor"
EMAIL_RE = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,252}\.[A-Za-z]{2,63}$")


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
        .where(HumanTask.state == "open", HumanTask.due_at.is_not(None),
               HumanTask.due_at <= now, HumanTask.reminded_at.is_(None))
        .order_by(HumanTask.due_at, HumanTask.id).limit(limit)).all()
    emails = _user_emails(session, sorted({r.assignee for r, _n in found if r.assignee}))
    claimed = []
    for row, number in found:
        won = session.execute(update(HumanTask).where(
            HumanTask.id == row.id, HumanTask.reminded_at.is_(None)).values(reminded_at=now)
            .execution_options(synchronize_session=False))
        if won.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another scheduler took it
        assert row.due_at is not None
        address = emails.get(row.assignee or "")
        note = Notification("task_overdue", row.id, number, row.title, row.due_at, row.team,
                            row.assignee, (address,) if address else ())
        claimed.append(_Claimed(note, row.case_id, row.id, None))
    return claimed


def handover_ack_due(handover: Handover, land: str, rules: LegalRules) -> datetime:
    """When the acknowledgment of a proposed handover is overdue (end of the last day)."""
    due = tasks.due_at_for(handover.proposed_at, str(rules.handover_ack_working_days), land)
    assert due is not None
    return due


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
        .where(Handover.state == "proposed", Handover.reminded_at.is_(None))
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
    except Exception:
        log.exception("reminder %s of case %s to %s failed; retrying at the next sweep",
                      note.ref, note.case_number, note.recipient)
        return "retry"
    log.info("reminder %s of case %s sent to %s", note.ref, note.case_number, note.recipient)
    return "sent"


# -- the façade ----------------------------------------------------------------------------------
class _Engine(Protocol):
    db: Database
    rules: LegalRules
    notifier: Notifier | None

    def unit(self, actor: str) -> contextlib.AbstractContextManager[UnitOfWork]: ...


class ReminderMixin:
    """Overdue reminders (part of :class:`engine.api.Staffel` through DashboardMixin)."""

    notifier: Notifier | None = None  # wired by the app factory; None: no reminders are sent

    def send_reminders(self: _Engine, limit: int = 200) -> ReminderReport:
        """Notify about every overdue task and handover acknowledgment not yet reminded.

        Without a notifier nothing is claimed (so a process without one never swallows
        reminders). Safe to call from any number of schedulers at once.
        """
        if self.notifier is None:
            return ReminderReport()
        with self.unit("reminder") as uow:
            claimed_at = uow.now
            items = claim_task_reminders(uow.session, uow.now, limit)
            items += claim_handover_reminders(uow.session, uow.now, self.rules,
                                              max(0, limit - len(items)))
        if not items:
            return ReminderReport()
        outcomes = [deliver(self.notifier, item) for item in items]
        with self.unit("reminder") as uow:
            for item, outcome in zip(items, outcomes, strict=True):
                if outcome == "retry":
                    release(uow.session, item, claimed_at)
                    continue
                note = item.notification
                uow.record("reminder_sent" if outcome == "sent" else "reminder_undeliverable",
                           case_id=item.case_id, task_id=item.task_id, kind=note.kind,
                           ref=note.ref, recipient=note.recipient)
        return ReminderReport(outcomes.count("sent"), outcomes.count("retry"),
                              outcomes.count("undeliverable"))

    def set_user_email(self: _Engine, username: str, email: str | None,
                       actor: str = "system") -> None:
        """Store (or with None remove) the e-mail address reminders to ``username`` go to."""
        if email is not None:
            email = email.strip()
            if not EMAIL_RE.match(email):
                raise InvalidInput("not an e-mail address",
                                   [{"field": "email", "message": "is not an e-mail address"}])
        with self.unit(actor) as uow:
            user = uow.session.scalars(select(User).where(User.username == username)).first()
            if user is None:
                raise NotFound(f"no user {username!r}")
            user.email = email
            uow.record("user_email_set", username=username, present=email is not None)
