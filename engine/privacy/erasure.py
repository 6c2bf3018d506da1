"""Erasing one person's data from one case, inside the caller's unit of work (Art. 17 GDPR,
SGB X §84; docs/privacy.md), and finding what the retention periods make due.

What an erasure does to a case, all in one transaction:

* the person becomes ``{}``, the Aktenzeichen ``None``; the blind index is recomputed (its
  hashes and name tokens go); ``erased_at`` is set;
* the state of every process instance keeps only what :mod:`engine.privacy.process_data`
  keeps (no person field, no free text); the instance is written with its optimistic lock;
* the payload of every message from outside for the case is set to ``None``;
* the originals of agency files with a line matched to the case are emptied, and the lines'
  ``detail`` texts and the timers' error texts of the case go;
* the drafts of the case's tasks are deleted and its task comments lose their text (author
  and time stay);
* an audit event ``person_erased`` names what was removed by counts, never by value.

What stays: the case number, Land, stage, benefit system, dates of creation and closing, the
computed deadlines (dates with their legal basis), tasks (titles, teams, who did them when),
handovers (teams, legal basis, field *names*), the audit chain (it never held values), the read
log and consent withdrawals: the pseudonymous record that statistics and accountability need.
A case whose processes still run is refused (409): the engine has no clean way to cancel a
running instance (no cancelled status), so a case is erased only once it has ended.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from engine.errors import Conflict, NotFound
from engine.execution.runtime import write_instance_state
from engine.execution.task_work import erase_task_work
from engine.execution.unit import UnitOfWork
from engine.people.blind_index import index_case
from engine.persistence.import_rows import ImportFile, ImportRow
from engine.persistence.inbound import InboundMessage
from engine.persistence.models import Case, ProcessInstance, Timer
from engine.persistence.privacy_models import PersonNameToken
from engine.privacy.erasure_model import ErasureCounts, RetentionCase, RetentionFile
from engine.privacy.process_data import person_values, scrub_state
from engine.states import InstanceStatus

_RUNNING = exists().where(ProcessInstance.case_id == Case.id,
                          ProcessInstance.status == InstanceStatus.RUNNING)


def ended_at(session: Session, case: Case) -> datetime | None:
    """When the case ended: its closing, or (a case whose processes all completed without a
    closing step) its last instance's last change; None while a process still runs."""
    statuses = list(session.execute(select(ProcessInstance.status, ProcessInstance.updated_at)
                                    .where(ProcessInstance.case_id == case.id)))
    if not statuses or any(s == InstanceStatus.RUNNING for s, _ in statuses):
        return None
    return case.closed_at or max(at for _, at in statuses)


def require_erasable(session: Session, case_id: str) -> Case:
    """The case, locked for the erasure: NotFound if absent, Conflict if it is erased already
    or still running."""
    case = session.get(Case, case_id, with_for_update=True) if case_id else None
    if case is None:
        raise NotFound("no such case")
    if case.erased_at is not None:
        raise Conflict(f"the person's data of case {case.case_number} is erased already")
    if ended_at(session, case) is None:
        raise Conflict(f"the case is still running: case {case.case_number} has a process "
                       "that has not ended; its person's data can be erased once it has ended")
    return case


def erase_case(uow: UnitOfWork, case: Case, why: str) -> ErasureCounts:
    """Erase the person's data of one ended case (see the module text); audited."""
    session = uow.session
    person: dict[str, Any] = dict(case.person or {})
    values = person_values(person, case.bamf_aktenzeichen)
    tokens = session.scalar(select(func.count()).select_from(PersonNameToken)
                            .where(PersonNameToken.case_id == case.id)) or 0
    had_az = case.bamf_aktenzeichen is not None
    case.person = {}
    case.bamf_aktenzeichen = None
    case.erased_at = uow.now
    session.flush()
    index_case(session, case)
    instances = dropped = 0
    for row in session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id)
                               .order_by(ProcessInstance.created_at)):
        cleaned, removed = scrub_state(row.state, values)
        write_instance_state(session, row, cleaned, row.status, uow.now)
        instances, dropped = instances + 1, dropped + removed
    messages = 0
    for message in session.scalars(select(InboundMessage)
                                   .where(InboundMessage.case_id == case.id)):
        if message.payload is not None:
            message.payload, messages = None, messages + 1
    originals = 0
    matched_files = select(ImportRow.file_id).where(ImportRow.case_id == case.id)
    for file in session.scalars(select(ImportFile).where(ImportFile.id.in_(matched_files),
                                                         func.length(ImportFile.content) > 0)):
        file.content, originals = b"", originals + 1
    for line in session.scalars(select(ImportRow).where(ImportRow.case_id == case.id,
                                                        ImportRow.detail.is_not(None))):
        line.detail = None
    for timer in session.scalars(select(Timer).where(Timer.case_id == case.id,
                                                     Timer.last_error.is_not(None))):
        timer.last_error = None
    drafts, comment_texts = erase_task_work(session, case.id)
    counts = ErasureCounts(person_fields=len(person), aktenzeichen=int(had_az),
                           name_tokens=tokens, instances=instances, process_values=dropped,
                           messages=messages, import_originals=originals, task_drafts=drafts,
                           comment_texts=comment_texts)
    details: dict[str, Any] = {"why": why, **counts.as_dict()}  # counts, never values
    uow.record("person_erased", case_id=case.id, **details)
    session.flush()
    return counts


def due_cases(session: Session, before: datetime, limit: int = 10_000) -> list[RetentionCase]:
    """Cases not erased yet that ended before ``before`` (closed, or every process completed
    before it), oldest first; a closed case with a process still running is listed as skipped."""
    last_change = (select(func.max(ProcessInstance.updated_at))
                   .where(ProcessInstance.case_id == Case.id).scalar_subquery())
    any_instance = exists().where(ProcessInstance.case_id == Case.id)
    stmt = (select(Case).where(Case.erased_at.is_(None), or_(
        Case.closed_at <= before,
        and_(Case.closed_at.is_(None), any_instance, ~_RUNNING, last_change <= before)))
        .order_by(Case.closed_at, Case.created_at).limit(limit))
    found = []
    for case in session.scalars(stmt):
        end = ended_at(session, case)
        instances = session.scalar(select(func.count()).select_from(ProcessInstance)
                                   .where(ProcessInstance.case_id == case.id)) or 0
        messages = session.scalar(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.case_id == case.id, InboundMessage.payload.is_not(None))) or 0
        found.append(RetentionCase(case.id, case.case_number, end or case.closed_at or before,
                                   instances, messages, None if end else "running"))
    return found


def due_files(session: Session, before: datetime) -> list[RetentionFile]:
    """Agency files uploaded before ``before`` whose original is still there."""
    stmt = (select(ImportFile.id, ImportFile.kind, ImportFile.uploaded_at)
            .where(ImportFile.uploaded_at <= before, func.length(ImportFile.content) > 0)
            .order_by(ImportFile.uploaded_at))
    return [RetentionFile(i, k, at) for i, k, at in session.execute(stmt)]


def empty_original(uow: UnitOfWork, file_id: int) -> bool:
    """Empty one agency file's original (the report and the line rows stay); audited."""
    file = uow.session.get(ImportFile, file_id)
    if file is None or not file.content:
        return False
    size = len(file.content)
    file.content = b""
    uow.record("import_original_erased", import_file=file_id, kind=file.kind, bytes=size)
    return True
