"""Messages from outside, in any order: delivered to a case that waits for them, or kept
(buffered) for a case that will wait for them, and used the moment it does — in the same
transaction as the step that gets it there.

A case row counts its kept messages (``cases.buffered_messages``), so a step of a case without
any costs no extra query. Names a case can ever use come from its versions' spec objects
(:func:`engine.execution.messages.catchable_names`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.execution.messages import message_definition, waiting_message_tasks
from engine.execution.unit import UnitOfWork
from engine.persistence.inbound import InboundMessage
from engine.persistence.models import Case
from engine.states import InboundState


def find_by_message_id(session: Session, name: str, message_id: str) -> InboundMessage | None:
    """The earlier message with this sender's id, if any."""
    return session.scalars(select(InboundMessage).where(
        InboundMessage.name == name, InboundMessage.message_id == message_id)).first()


def record(uow: UnitOfWork, case: Case, name: str, payload: dict[str, Any], *,
           state: InboundState, message_id: str | None, source: str,
           keep: timedelta | None = None, element_id: str | None = None) -> InboundMessage:
    """Write the row of a received message (buffered: with its payload and expiry)."""
    buffered = state == InboundState.BUFFERED
    row = InboundMessage(
        case_id=case.id, name=name, message_id=message_id, state=state,
        payload=dict(payload) if buffered else None, fields=sorted(payload), source=source,
        received_by=uow.actor, received_at=uow.now,
        expires_at=uow.now + keep if buffered and keep is not None else None,
        used_at=None if buffered else uow.now, used_by_element=element_id)
    uow.session.add(row)
    if buffered:
        case.buffered_messages = (case.buffered_messages or 0) + 1
    uow.session.flush()
    return row


def buffered_of(session: Session, case_id: str) -> list[InboundMessage]:
    """The messages kept for a case, oldest first."""
    return list(session.scalars(select(InboundMessage).where(
        InboundMessage.case_id == case_id, InboundMessage.state == InboundState.BUFFERED)
        .order_by(InboundMessage.received_at, InboundMessage.id)))


def use_buffered(uow: UnitOfWork, case: Case, workflow: BpmnWorkflow,
                 instance_id: str) -> list[str]:
    """Give the workflow every kept message it now waits for, oldest first, each with the
    engine steps that follow (which may make it wait for the next one); return their names."""
    pending = buffered_of(uow.session, case.id)
    used: list[str] = []
    progress = True
    while pending and progress:
        progress = False
        waiting = waiting_message_tasks(workflow)
        for row in list(pending):
            task = next((t for t in waiting if message_definition(t, row.name)), None)
            if task is None:
                continue
            definition = message_definition(task, row.name)
            workflow.catch(BpmnEvent(definition, dict(row.payload or {})))
            workflow.do_engine_steps()
            element = task.task_spec.bpmn_id or task.task_spec.name
            _close(uow, case, row, InboundState.USED, element)
            uow.record("buffered_message_used", case_id=case.id, instance_id=instance_id,
                       element_id=element, message=row.name, inbound=row.id)
            pending.remove(row)
            used.append(row.name)
            progress = True
            break  # the waits changed: look again
    return used


def any_expired(session: Session, now: datetime) -> bool:
    """True when a kept message's time ran out (one indexed look-up; read-only)."""
    return session.scalar(select(InboundMessage.id).where(
        InboundMessage.state == InboundState.BUFFERED, InboundMessage.expires_at <= now)
        .limit(1)) is not None


def expire_due(uow: UnitOfWork, limit: int = 200) -> list[InboundMessage]:
    """Mark kept messages whose time ran out as expired; return them (for follow-up)."""
    rows = list(uow.session.scalars(
        select(InboundMessage).where(InboundMessage.state == InboundState.BUFFERED,
                                     InboundMessage.expires_at <= uow.now)
        .order_by(InboundMessage.expires_at, InboundMessage.id).limit(limit)))
    for row in rows:
        case = uow.session.get(Case, row.case_id)
        if case is not None:
            _close(uow, case, row, InboundState.EXPIRED, None)
    return rows


def discard_for(uow: UnitOfWork, case: Case) -> list[InboundMessage]:
    """Discard what is kept for a case that closed before using it."""
    rows = buffered_of(uow.session, case.id)
    for row in rows:
        _close(uow, case, row, InboundState.DISCARDED, None)
        uow.record("buffered_message_discarded", case_id=case.id, message=row.name,
                   inbound=row.id)
    return rows


def _close(uow: UnitOfWork, case: Case, row: InboundMessage, state: InboundState,
           element: str | None) -> None:
    row.state, row.used_at, row.used_by_element = state, uow.now, element
    if state != InboundState.EXPIRED:
        row.payload = None  # used or discarded: nobody needs the copy any more
    case.buffered_messages = max(0, (case.buffered_messages or 0) - 1)
