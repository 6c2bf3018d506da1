"""Message waits: which instance waits for which named message, kept in step on every save."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import (
    MessageEventDefinition,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.persistence.models import MessageWait


def waiting_message_tasks(workflow: BpmnWorkflow) -> list[Any]:
    """Return the tasks of the workflow that wait for a message."""
    return [t for t in list(workflow.event_manager.tasks.values())
            if isinstance(t.task_spec.event_definition, MessageEventDefinition)]


def sync_waits(session: Session, instance_id: str, case_id: str,
               workflow: BpmnWorkflow) -> None:
    """Replace the instance's message-wait rows by what the engine waits for now."""
    wanted = {(t.task_spec.event_definition.name, t.task_spec.bpmn_id or t.task_spec.name)
              for t in waiting_message_tasks(workflow)}
    rows = session.scalars(select(MessageWait).where(MessageWait.instance_id == instance_id)).all()
    have = {(r.message_name, r.element_id): r for r in rows}
    stale = [r.id for key, r in have.items() if key not in wanted]
    if stale:
        session.execute(delete(MessageWait).where(MessageWait.id.in_(stale)))
    for name, element_id in wanted - set(have):
        session.add(MessageWait(instance_id=instance_id, case_id=case_id, message_name=name,
                                element_id=element_id))


def find_waits(session: Session, case_id: str, name: str) -> list[MessageWait]:
    """Return the waits of a case for a message name."""
    return list(session.scalars(
        select(MessageWait).where(MessageWait.case_id == case_id,
                                  MessageWait.message_name == name)
    ))
