"""Message waits: which instance waits for which named message, kept in step on every save."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from SpiffWorkflow.bpmn.specs.event_definitions.message import (
    MessageEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import (
    MultipleEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from engine.execution.spiff import SpecBundle
from engine.persistence.models import MessageWait, ProcessInstance


def message_definitions(task: Any) -> list[MessageEventDefinition]:
    """The message definitions a waiting task catches.

    An event-based gateway (and a multiple catch event) keeps its events in one
    ``MultipleEventDefinition`` on the gateway task; its messages count as well.
    """
    definition = task.task_spec.event_definition
    if isinstance(definition, MultipleEventDefinition):
        return [d for d in definition.event_definitions if isinstance(d, MessageEventDefinition)]
    return [definition] if isinstance(definition, MessageEventDefinition) else []


def message_definition(task: Any, name: str) -> MessageEventDefinition | None:
    """The definition of message ``name`` that ``task`` waits for, or None."""
    return next((d for d in message_definitions(task) if d.name == name), None)


def waiting_message_tasks(workflow: BpmnWorkflow) -> list[Any]:
    """Return the tasks of the workflow that wait for a message."""
    return [t for t in list(workflow.event_manager.tasks.values()) if message_definitions(t)]


def wait_keys(workflow: BpmnWorkflow) -> set[tuple[str, str]]:
    """(message name, element id) of every message the workflow waits for."""
    return {(d.name, t.task_spec.bpmn_id or t.task_spec.name)
            for t in waiting_message_tasks(workflow) for d in message_definitions(t)}


_WAITS = cast(Table, MessageWait.__table__)
DELETE_WAIT = delete(_WAITS).where(_WAITS.c.instance_id == bindparam("b_instance"),
                                   _WAITS.c.message_name == bindparam("b_name"),
                                   _WAITS.c.element_id == bindparam("b_element"))


def sync_waits(session: Session, instance_id: str, case_id: str, workflow: BpmnWorkflow,
               waiting_before: set[tuple[str, str]], now: datetime) -> None:
    """Write the difference between the waits at load (= the rows) and the waits now."""
    wanted = wait_keys(workflow)
    ended = waiting_before - wanted
    if ended:  # a prepared Core statement (the ORM's bulk delete costs about 0.5 ms more)
        session.connection().execute(DELETE_WAIT, [
            {"b_instance": instance_id, "b_name": name, "b_element": element_id}
            for name, element_id in sorted(ended)])
        # as the ORM's delete would: a loaded row of a deleted wait leaves the session
        for wait in [w for w in session.identity_map.values() if isinstance(w, MessageWait)
                     and w.instance_id == instance_id
                     and (w.message_name, w.element_id) in ended]:
            session.expunge(wait)
    new = wanted - waiting_before
    attached = {(d.name, t.task_spec.bpmn_id or t.task_spec.name): attached_to(t)
                for t in waiting_message_tasks(workflow) for d in message_definitions(t)} \
        if new else {}
    rows = [{"instance_id": instance_id, "case_id": case_id, "message_name": name,
             "element_id": element_id, "since": now,
             "watched_by": attached.get((name, element_id))}
            for name, element_id in sorted(new)]
    if rows:
        session.connection().execute(insert(cast(Table, MessageWait.__table__)), rows)


def attached_to(task: Any) -> str | None:
    """The element id of the activity a boundary event sits on (None for other events)."""
    if not isinstance(task.task_spec, BoundaryEvent) or task.parent is None:
        return None
    main = next((c for c in task.parent.children
                 if not isinstance(c.task_spec, BoundaryEvent)), None)
    return (main.task_spec.bpmn_id or main.task_spec.name) if main is not None else None


def find_waits(session: Session, case_id: str, name: str) -> list[MessageWait]:
    """Return the waits of a case for a message name."""
    return list(session.scalars(
        select(MessageWait).where(MessageWait.case_id == case_id,
                                  MessageWait.message_name == name)
    ))


def find_waiting(session: Session, case_id: str,
                 name: str) -> list[tuple[MessageWait, ProcessInstance]]:
    """The waits of a case for a message name, each with its instance's row, in one query
    (the delivery restores that instance next: no second statement for it)."""
    return [(wait, instance) for wait, instance in session.execute(
        select(MessageWait, ProcessInstance)
        .join(ProcessInstance, ProcessInstance.id == MessageWait.instance_id)
        .where(MessageWait.case_id == case_id, MessageWait.message_name == name))]


def catchable_names(bundle: SpecBundle) -> frozenset[str]:
    """Every message name the process and its called processes can catch."""
    spec, subprocess_specs = bundle
    names: set[str] = set()
    for process in (spec, *subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            inner = (definition.event_definitions
                     if isinstance(definition, MultipleEventDefinition) else [definition])
            names.update(d.name for d in inner if isinstance(d, MessageEventDefinition))
    return frozenset(names)
