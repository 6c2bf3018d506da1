"""Cases: creation with validated minimal person data, and the case view.

Only what a step needs is stored (GDPR Art. 5): names, date of birth, nationality, languages
and whether an interpreter is needed. Reasons for flight and health data are never accepted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput, NotFound
from engine.execution import handovers, inbound, tasks
from engine.law.courts import DEFAULT_COURTS, check_court, court_or_default
from engine.law.lands import LANDS
from engine.law.outside_events import DEFAULT_OUTSIDE_EVENTS, OutsideEvents
from engine.model import CaseInfo, DeadlineInfo, KeptMessage, WaitInfo
from engine.people.blind_index import az_is, index_case
from engine.persistence.inbound import InboundMessage
from engine.persistence.models import (
    Case,
    CaseDeadline,
    HumanTask,
    MessageWait,
    ProcessInstance,
    Timer,
)
from engine.states import HumanTaskState, InstanceStatus, TimerStatus

ENTRIES = ("asylum", "resettlement")
PERSON_FIELDS = {"family_name", "given_name", "birth_date", "nationality", "languages",
                 "interpreter_needed"}
REQUIRED_PERSON_FIELDS = ("family_name", "given_name", "birth_date")


def validate_new_case(person: Any, land: Any, entry: Any,
                      bamf_aktenzeichen: Any, court: Any = None) -> dict[str, Any]:
    """Check the input of a new case; raises InvalidInput naming every bad field.

    ``court`` (optional) must be a Verwaltungsgericht of the table in the case's Land.
    """
    errors: list[dict[str, str]] = []
    if not isinstance(person, dict):
        errors.append({"field": "person", "message": "must be an object"})
        person = {}
    for key in REQUIRED_PERSON_FIELDS:
        value = person.get(key)
        if not isinstance(value, str) or not value.strip():
            errors.append({"field": f"person.{key}", "message": "is required"})
    for key in sorted(set(person) - PERSON_FIELDS):
        errors.append({"field": f"person.{key}",
                       "message": "is not stored (data minimisation): remove it"})
    birth = person.get("birth_date")
    if isinstance(birth, str) and birth.strip():
        try:
            if date.fromisoformat(birth) > date.today():
                errors.append({"field": "person.birth_date", "message": "lies in the future"})
        except ValueError:
            errors.append({"field": "person.birth_date", "message": "must be YYYY-MM-DD"})
    languages = person.get("languages", [])
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        errors.append({"field": "person.languages", "message": "must be a list of strings"})
    if not isinstance(person.get("interpreter_needed", False), bool):
        errors.append({"field": "person.interpreter_needed", "message": "must be true or false"})
    if land not in LANDS:
        errors.append({"field": "land", "message": f"must be one of {', '.join(sorted(LANDS))}"})
    if court is not None:
        try:
            check_court(court, land if land in LANDS else None)
        except InvalidInput as e:
            errors.extend(e.errors)
    if entry not in ENTRIES:
        errors.append({"field": "entry", "message": "must be 'asylum' or 'resettlement'"})
    if bamf_aktenzeichen is not None and (not isinstance(bamf_aktenzeichen, str)
                                          or not 3 <= len(bamf_aktenzeichen.strip()) <= 40):
        errors.append({"field": "bamf_aktenzeichen", "message": "must be 3 to 40 characters"})
    if errors:
        raise InvalidInput("the case data is not valid", errors)
    return {k: person[k] for k in PERSON_FIELDS if k in person}


def create_case(session: Session, person: dict[str, Any], land: str, entry: str,
                bamf_aktenzeichen: str | None, now: datetime, court: str | None = None) -> Case:
    """Insert a new case row (the process is started by the caller). Without ``court`` the
    case gets its Land's default court."""
    clean = validate_new_case(person, land, entry, bamf_aktenzeichen, court)
    case_id = uuid4().hex
    number = f"ST-{case_id[:4]}-{case_id[4:8]}-{case_id[8:12]}".upper()
    case = Case(id=case_id, case_number=number, land=land, entry=entry,
                court=court_or_default(court, land),
                stage="S3e" if entry == "resettlement" else "S1",
                benefit_system="sgb2" if entry == "resettlement" else "asylblg",
                bamf_aktenzeichen=(bamf_aktenzeichen or "").strip() or None, person=clean,
                created_at=now)
    session.add(case)
    session.flush()
    index_case(session, case)
    return case


def find_case(session: Session, case_id: str | None = None,
              correlation: dict[str, Any] | None = None) -> Case:
    """Find a case by id or by a correlation key (``bamf_aktenzeichen`` or ``case_number``)."""
    if case_id:
        case = session.get(Case, case_id)
    elif correlation:
        unknown = set(correlation) - {"bamf_aktenzeichen", "case_number"}
        if unknown or len(correlation) != 1:
            raise InvalidInput("correlation must name exactly one of bamf_aktenzeichen, "
                               "case_number", [{"field": "correlation",
                                                "message": "unknown or several keys"}])
        ((key, value),) = correlation.items()
        where = (az_is(session, [str(value)]) if key == "bamf_aktenzeichen"
                 else Case.case_number == str(value))
        matches = session.scalars(select(Case).where(where).limit(2)).all()
        if len(matches) > 1:
            raise InvalidInput(f"{key} {value!r} matches several cases",
                               [{"field": f"correlation.{key}", "message": "ambiguous"}])
        case = matches[0] if matches else None
    else:
        raise InvalidInput("give case_id or correlation",
                           [{"field": "case_id", "message": "case_id or correlation is required"}])
    if case is None:
        raise NotFound("no such case")
    return case


def case_deadlines(session: Session, case_id: str) -> list[DeadlineInfo]:
    """The computed deadlines of a case, soonest first."""
    return [DeadlineInfo(d.key, d.due_on, d.legal_basis, d.land) for d in session.scalars(
        select(CaseDeadline).where(CaseDeadline.case_id == case_id)
        .order_by(CaseDeadline.due_on, CaseDeadline.key))]


def case_info(session: Session, case: Case, now: datetime,
              events: OutsideEvents = DEFAULT_OUTSIDE_EVENTS) -> CaseInfo:
    """Assemble the case view: deadlines, open tasks, handovers, waits and kept messages."""
    deadlines = {d.key: d for d in case_deadlines(session, case.id)}
    kept = inbound.buffered_of(session, case.id) if case.buffered_messages else []
    open_rows = session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.state == HumanTaskState.OPEN)
        .order_by(HumanTask.created_at))
    return CaseInfo(
        id=case.id, case_number=case.case_number, land=case.land, entry=case.entry,
        court=case.court or DEFAULT_COURTS.get(case.land), stage=case.stage,
        benefit_system=case.benefit_system,
        bamf_aktenzeichen=case.bamf_aktenzeichen, person=dict(case.person),
        created_at=case.created_at, closed_at=case.closed_at, status=case_status(session, case),
        deadlines=deadlines,
        open_tasks=[tasks.to_info(r, case.case_number, now) for r in open_rows],
        handovers=handovers.list_handovers(session, case.id),
        waiting_for=waits_of(session, case, kept, events),
        buffered=[KeptMessage(r.id, r.name, _label(events, r.name), r.received_at,
                              r.expires_at, r.source, r.received_by) for r in kept],
    )


def case_status(session: Session, case: Case) -> str:
    """``running``, ``completed`` or ``new``: a case has no status column, it is derived from
    its instances ("new" before the first one)."""
    statuses = set(session.scalars(select(ProcessInstance.status)
                                   .where(ProcessInstance.case_id == case.id)))
    return ("running" if InstanceStatus.RUNNING in statuses
            else "completed" if statuses else "new")


def case_brief(session: Session, case: Case) -> CaseInfo:
    """The case without its view: identity, stage, benefit system, dates and status (one
    statement); deadlines, open tasks, handovers, waits and kept messages left empty. For
    callers that answer with the case's number and stage only (a message's receipt for an
    import line)."""
    return CaseInfo(
        id=case.id, case_number=case.case_number, land=case.land, entry=case.entry,
        court=case.court or DEFAULT_COURTS.get(case.land), stage=case.stage,
        benefit_system=case.benefit_system,
        bamf_aktenzeichen=case.bamf_aktenzeichen, person=dict(case.person),
        created_at=case.created_at, closed_at=case.closed_at,
        status=case_status(session, case))


def waits_of(session: Session, case: Case, kept: list[InboundMessage],
             events: OutsideEvents) -> list[WaitInfo]:
    """The messages the case waits for, each with the timer that watches it: an event-based
    gateway holds both the message and its follow-up timer, so they share the element. A
    message that would end an open task (a boundary event) is watched by that task's due
    date."""
    waits = list(session.scalars(select(MessageWait).where(MessageWait.case_id == case.id)
                                 .order_by(MessageWait.since, MessageWait.id)))
    if not waits:
        return []
    watches = {element: due for element, due in session.execute(
        select(Timer.element_id, func.min(Timer.due_at))
        .where(Timer.case_id == case.id,
               Timer.status.in_((TimerStatus.WAITING, TimerStatus.CLAIMED)))
        .group_by(Timer.element_id))}
    if any(w.watched_by and w.element_id not in watches for w in waits):
        task_due = {(instance, element): due for instance, element, due in session.execute(
            select(HumanTask.instance_id, HumanTask.element_id, HumanTask.due_at)
            .where(HumanTask.case_id == case.id, HumanTask.state == HumanTaskState.OPEN))}
        for wait in waits:
            due = task_due.get((wait.instance_id, wait.watched_by or ""))
            if wait.element_id not in watches and due is not None:
                watches[wait.element_id] = due
    kept_names = {r.name for r in kept}
    found = []
    for wait in waits:
        event = events.get(wait.message_name)
        found.append(WaitInfo(
            wait.message_name, _label(events, wait.message_name), wait.element_id, wait.since,
            event.expected_team if event else None,
            watches.get(wait.element_id), wait.message_name in kept_names))
    return found


def _label(events: OutsideEvents, name: str) -> str:
    event = events.get(name)
    return event.label_de if event else name
