"""Where a case is, read from the state of its process instances (nothing is written).

A case's top process runs its called processes as SpiffWorkflow subprocesses of the one
instance; each subprocess knows the task of the call activity that started it. So the
position is exact: the open user tasks, the events waiting (messages, timers, and the
event-based gateways that hold both), the call activities whose process still runs (not every
call activity that calls the same process elsewhere), and the elements already completed.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.execution.messages import message_definitions
from engine.execution.runtime import Runtime
from engine.execution.spiff import load_state
from engine.execution.tasks import owner_workflow
from engine.execution.timers import waiting_timers
from engine.model import CasePosition, PendingElement
from engine.persistence.models import ProcessInstance


def position_of(workflow: BpmnWorkflow, position: CasePosition) -> None:
    """Add the pending and completed elements of one instance's workflow to ``position``."""
    due = {task_id: at for (task_id, at) in waiting_timers(workflow)}
    waiting = {str(t.id) for t in workflow.event_manager.tasks.values()}
    owners: dict[int, Any] = {}
    for task in workflow.get_tasks():
        spec = task.task_spec
        element = getattr(spec, "bpmn_id", None)
        if not element:
            continue
        flow = task.workflow
        owner = owners.get(id(flow))
        if owner is None:
            owner = owners[id(flow)] = owner_workflow(workflow, flow)
        key = owner.spec.name
        if task.state == TaskState.COMPLETED:
            if owner is workflow or not owner.completed:
                walked = position.done.setdefault(key, [])
                if element not in walked:
                    walked.append(element)
            continue
        pending = _pending(workflow, task, key, element, str(task.id) in waiting, due)
        if pending is not None:
            position.pending.append(pending)


def _pending(top: BpmnWorkflow, task: Any, key: str, element: str, waiting: bool,
             due: dict[str, Any]) -> PendingElement | None:
    spec = task.task_spec
    if task.state == TaskState.READY and spec.manual:
        return PendingElement(key, element, "task")
    if task.state == TaskState.WAITING and waiting:
        kind = "message" if message_definitions(task) else "timer"
        return PendingElement(key, element, kind, due.get(str(task.id)))
    if task.state in (TaskState.STARTED, TaskState.WAITING) and isinstance(spec, SubWorkflowTask):
        sub = top.subprocesses.get(task.id)
        if sub is None or sub.completed:
            return None
        if isinstance(spec, CallActivity):
            return PendingElement(key, element, "call", called=sub.spec.name)
        return PendingElement(key, element, "subprocess")
    return None


def case_position(session: Session, runtime: Runtime, case_id: str) -> CasePosition:
    """The position of every process instance of a case, oldest first (a finished instance
    adds only what it completed)."""
    position = CasePosition()
    rows = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)
                           .order_by(ProcessInstance.created_at, ProcessInstance.id))
    for row in rows:
        bundle = runtime.specs.get(session, row.process_version_id)
        position_of(load_state(row.state, bundle, runtime.script_engine), position)
    return position
