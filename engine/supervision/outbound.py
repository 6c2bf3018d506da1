"""What leaves Staffel about one warm handover: the facts the handover package and the joint
appointment's invitation are built from, and the audit event that records what was shared.

The formats (JSON, printable HTML, iCalendar) and the rules which fields may be shared on which
legal basis live in ``adapters/``; this module only reads and records:

* :func:`handover_record` — the handover row, its case (person, references, stage, deadlines),
  the process data as it stood when the sending team proposed the handover (the completed
  ``Task_handover_propose`` of the ``warm_handover`` process with this key: appointment mode,
  interpreter booking, recorded consent, permit, decision …), who acknowledges it, and the
  e-mail addresses of the users involved.
* :func:`record_shared` — the audit event ``handover_package_shared`` with the handover id,
  both teams, the legal basis and the **names** of the shared fields, never their values.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.execution.cases import case_deadlines
from engine.execution.handovers import handover_info
from engine.execution.specs import SpecCache
from engine.execution.spiff import load_state
from engine.execution.unit import UnitOfWork
from engine.model import DeadlineInfo, HandoverInfo
from engine.persistence.models import (
    AuditEvent,
    Case,
    Handover,
    HumanTask,
    ProcessInstance,
    User,
    UserTeam,
)
from engine.persistence.privacy_models import ConsentWithdrawal
from engine.states import HandoverState, HumanTaskState

HANDOVER_PROCESS = "warm_handover"
PROPOSAL_TASK = "Task_handover_propose"
ACK_TASK = "Task_handover_ack"
SHARED_ACTION = "handover_package_shared"
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class TeamContact:
    """An active user of a team who has an e-mail address."""

    username: str
    email: str
    supervisor: bool


@dataclass(frozen=True)
class HandoverRecord:
    """Everything the outbound formats of one handover are built from."""

    id: int
    case_id: str
    case_number: str
    land: str
    entry: str
    stage: str
    benefit_system: str | None
    bamf_aktenzeichen: str | None
    person: dict[str, Any]
    deadlines: list[DeadlineInfo]
    handover: HandoverInfo
    #: the handover's process data when it was proposed ({} if no proposal task is found)
    process_data: dict[str, Any]
    #: who holds the open acknowledgment task (None: nobody yet, or acknowledged)
    ack_assignee: str | None
    #: how often this handover was proposed (1 for the first proposal)
    proposals: int
    #: e-mail addresses of the users named on the handover (proposer, acknowledger, assignee)
    emails: dict[str, str] = field(default_factory=dict)
    #: active users with an e-mail address of the sending and the receiving team
    contacts: dict[str, list[TeamContact]] = field(default_factory=dict)
    #: the day the person withdrew the consent (None: not withdrawn); packages generated on
    #: or after it leave out what the consent covered
    consent_withdrawn_on: date | None = None

    def appointment(self) -> datetime | None:
        """The joint appointment: the handover row's, else the proposal form's (aware)."""
        if self.handover.appointment_at is not None:
            return self.handover.appointment_at
        text = self.process_data.get("handover_appointment_at")
        if not isinstance(text, str):
            return None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None


def parse_handover_id(value: Any) -> int:
    """A handover id from a URL: a positive integer, else :class:`NotFound`."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        raise NotFound(f"handover {text[:40]} does not exist")
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise NotFound(f"handover {text} does not exist")
    return number


def load_handover(session: Session, handover_id: Any) -> Handover:
    """The handover row (NotFound for a bad or unknown id)."""
    row = session.get(Handover, parse_handover_id(handover_id))
    if row is None:
        raise NotFound(f"handover {handover_id} does not exist")
    return row


def proposal_data(session: Session, specs: SpecCache, script_engine: Any, case_id: str,
                  key: str) -> dict[str, Any]:
    """The process data of the newest completed proposal task of handover ``key``.

    Every instance of the case is searched, with every (called) ``warm_handover`` process in
    it; the proposal task's data holds the form (appointment, mode, interpreter, data package)
    and what the case knew at that moment (consent, permit, decision, benefits …).
    """
    best: tuple[float, dict[str, Any]] | None = None
    instances = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)
                                .order_by(ProcessInstance.created_at))
    for instance in instances:
        bundle = specs.get(session, instance.process_version_id)
        workflow = load_state(instance.state, bundle, script_engine)
        for flow in (workflow, *workflow.subprocesses.values()):
            if flow.spec.name != HANDOVER_PROCESS:
                continue
            for task in flow.get_tasks(spec_name=PROPOSAL_TASK, state=TaskState.COMPLETED):
                if task.data.get("handover_key") != key:
                    continue
                stamp = float(task.last_state_change or 0)
                if best is None or stamp >= best[0]:
                    best = (stamp, task.data)
    if best is None:
        return {}
    plain: dict[str, Any] = json.loads(json.dumps(best[1], default=str))
    return plain


def _emails(session: Session, usernames: Sequence[str]) -> dict[str, str]:
    names = sorted({n for n in usernames if n})
    if not names:
        return {}
    rows = session.execute(select(User.username, User.email).where(
        User.username.in_(names), User.active.is_(True), User.email.is_not(None)))
    return {name: email for name, email in rows if email}


def team_contacts(session: Session, teams: Sequence[str]) -> dict[str, list[TeamContact]]:
    """Active users with an e-mail address per team, caseworkers before supervisors."""
    found: dict[str, list[TeamContact]] = {team: [] for team in teams}
    rows = session.execute(
        select(UserTeam.team, User.username, User.email, User.roles)
        .join(User, User.id == UserTeam.user_id)
        .where(UserTeam.team.in_(sorted(set(teams))), User.active.is_(True),
               User.email.is_not(None)).order_by(User.username))
    for team, username, email, roles in rows:
        if email:
            found[team].append(TeamContact(username, email, "supervisor" in (roles or [])))
    for contacts in found.values():
        contacts.sort(key=lambda c: (c.supervisor, c.username))
    return found


def handover_record(session: Session, specs: SpecCache, script_engine: Any,
                    handover_id: Any) -> HandoverRecord:
    """Assemble the :class:`HandoverRecord` of one handover (NotFound if there is none)."""
    row = load_handover(session, handover_id)
    case = session.get(Case, row.case_id)
    if case is None:  # pragma: no cover - a foreign key guards this
        raise NotFound(f"handover {handover_id} does not exist")
    deadlines = case_deadlines(session, case.id)
    assignee = None
    if row.state == HandoverState.PROPOSED:
        assignee = session.scalar(select(HumanTask.assignee).where(
            HumanTask.case_id == case.id, HumanTask.element_id == ACK_TASK,
            HumanTask.state == HumanTaskState.OPEN, HumanTask.team == row.to_team).limit(1))
    proposals = sum(1 for details in session.scalars(select(AuditEvent.details).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "handover_proposed"))
        if isinstance(details, dict) and details.get("key") == row.key)
    data = proposal_data(session, specs, script_engine, case.id, row.key)
    return HandoverRecord(
        id=row.id, case_id=case.id, case_number=case.case_number, land=case.land,
        entry=case.entry, stage=case.stage, benefit_system=case.benefit_system,
        bamf_aktenzeichen=case.bamf_aktenzeichen, person=dict(case.person),
        deadlines=deadlines, handover=handover_info(row), process_data=data,
        ack_assignee=assignee, proposals=max(1, proposals),
        emails=_emails(session, [row.proposed_by, row.acknowledged_by or "", assignee or ""]),
        contacts=team_contacts(session, [row.from_team, row.to_team]),
        consent_withdrawn_on=session.scalar(select(func.min(ConsentWithdrawal.withdrawn_on))
                                            .where(ConsentWithdrawal.case_id == case.id)))


def record_shared(uow: UnitOfWork, row: Handover, fields: Sequence[str], legal_basis: str,
                  fmt: str) -> None:
    """Queue the audit event of a package handed out: field names only, never values."""
    uow.record(SHARED_ACTION, case_id=row.case_id, handover_id=row.id, key=row.key,
               from_team=row.from_team, to_team=row.to_team, legal_basis=legal_basis,
               fields=sorted(set(fields)), format=fmt)
