"""Human-task projection: one row per user task, kept in step with the engine, and inbox queries.

The projection is written in the same transaction as the instance state, so an inbox never
shows a task the engine does not have. Team comes from the task's lane through
:func:`engine.law.teams.team_for_lane`; the due date from the task's ``sla_days`` property, counted
in working days of the case's Land (the task is due by the end of that day, Berlin time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from engine.law import calendar
from engine.law.lands import BERLIN
from engine.law.teams import resolve_team
from engine.model import Page, TaskInfo
from engine.persistence.models import CALL_PATH_LENGTH, Case, HumanTask
from engine.states import HumanTaskState

FORM_PROPERTY = "formJsonSchemaFilename"
SLA_PROPERTY = "sla_days"


def task_properties(task_spec: Any) -> dict[str, str]:
    """Return the ``spiffworkflow:properties`` of a task spec."""
    extensions = getattr(task_spec, "extensions", None) or {}
    return dict(extensions.get("properties", {}) or {})


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Any]:
    """Return the READY human (manual) tasks of the workflow and all its subprocesses."""
    return [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]


def owner_workflow(top: BpmnWorkflow, workflow: Any) -> Any:
    """The workflow of the process (diagram) an element belongs to: the workflow itself for
    the top process and a called process, the enclosing one for an embedded subprocess."""
    while workflow is not top:
        caller = top.get_task_from_id(workflow.parent_task_id)
        if isinstance(caller.task_spec, CallActivity):
            return workflow
        workflow = caller.workflow
    return top


def call_path(top: BpmnWorkflow, task: Any) -> str | None:
    """The call activities a task was called through, from the top process down, as
    ``process.element`` joined by ``/`` (None for a task of the top process itself). The
    heatmap rolls work up onto exactly the call activity that runs it."""
    steps: list[str] = []
    workflow = task.workflow
    while workflow is not top:
        caller = top.get_task_from_id(workflow.parent_task_id)
        if isinstance(caller.task_spec, CallActivity):
            owner = owner_workflow(top, caller.workflow)
            steps.append(f"{owner.spec.name}.{caller.task_spec.bpmn_id or caller.task_spec.name}")
        workflow = caller.workflow
    path = "/".join(reversed(steps))
    return path[:CALL_PATH_LENGTH] if path else None


def due_at_for(created: datetime, sla_days: str | None, land: str) -> datetime | None:
    """End of the day that lies ``sla_days`` working days after ``created`` (Berlin), in UTC;
    None for a task without an SLA."""
    if sla_days in (None, ""):
        return None
    return end_of_working_days(created, int(str(sla_days)), land)


def end_of_working_days(created: datetime, working_days: int, land: str) -> datetime:
    """End of the day that lies ``working_days`` working days after ``created`` (Berlin)."""
    local_day = created.astimezone(BERLIN).date()
    due_day = calendar.add_working_days(local_day, working_days, land)
    end = datetime.combine(due_day + timedelta(days=1), time.min, tzinfo=BERLIN)
    return end.astimezone(created.tzinfo)


@dataclass
class TaskChanges:
    """What a projection sync did: (task id, element id, team) created, (id, element) cancelled."""

    created: list[tuple[str, str, str]]
    cancelled: list[tuple[str, str]]


def ready_task_elements(workflow: BpmnWorkflow) -> dict[str, str]:
    """READY human tasks as {task id: element id} (= the open rows after every save)."""
    return {str(t.id): t.task_spec.bpmn_id or t.task_spec.name
            for t in ready_user_tasks(workflow)}


_TASKS = cast(Table, HumanTask.__table__)
_ROWS = _TASKS.c
CLOSE_TASK = (update(_TASKS).where(_ROWS.id == bindparam("b_id"))
              .values(state=bindparam("state"), completed_at=bindparam("completed_at"),
                      completed_by=bindparam("completed_by")))
INSERT_TASK = insert(_TASKS)


def sync_human_tasks(session: Session, instance_id: str, case: Case, process_key: str,
                     workflow: BpmnWorkflow, now: datetime, open_before: dict[str, str],
                     completed: tuple[str, str] | None = None) -> TaskChanges:
    """Bring the projection in line with the engine's READY user tasks.

    ``open_before`` are the READY tasks when the instance was loaded (= its open rows, kept
    in step in every transaction), so only the difference is written, with prepared Core
    statements. ``completed`` is (task id, actor) of the task the caller completed.
    """
    ready = {str(t.id): t for t in ready_user_tasks(workflow)}
    connection = session.connection()
    changes = TaskChanges([], [])
    for task_id in sorted(set(open_before) - set(ready)):
        done = completed is not None and task_id == completed[0]
        values = {"state": HumanTaskState.COMPLETED if done else HumanTaskState.CANCELLED,
                  "completed_at": now,
                  "completed_by": completed[1] if done and completed else None}
        connection.execute(CLOSE_TASK, {"b_id": task_id, **values})
        loaded = session.identity_map.get(identity_key(HumanTask, task_id))
        if loaded is not None:
            for key, value in values.items():
                set_committed_value(loaded, key, value)
        if not done:
            changes.cancelled.append((task_id, open_before[task_id]))
    rows = []
    for task_id, task in ready.items():
        if task_id in open_before:
            continue
        props = task_properties(task.task_spec)
        element_id = task.task_spec.bpmn_id or task.task_spec.name
        team = resolve_team(task.task_spec.lane, task.data) or "supervisor"
        rows.append({
            "id": task_id, "instance_id": instance_id, "case_id": case.id,
            "process_key": task.workflow.spec.name or process_key, "element_id": element_id,
            "title": task.task_spec.bpmn_name or task.task_spec.name, "team": team,
            "form": props.get(FORM_PROPERTY), "state": HumanTaskState.OPEN, "assignee": None,
            "created_at": now, "due_at": due_at_for(now, props.get(SLA_PROPERTY), case.land),
            "completed_at": None, "completed_by": None, "call_path": call_path(workflow, task),
        })
        changes.created.append((task_id, element_id, team))
    if rows:
        connection.execute(INSERT_TASK, rows)
    return changes


def to_info(row: HumanTask, case_number: str, now: datetime) -> TaskInfo:
    """Turn a projection row into the dataclass callers see."""
    return TaskInfo(
        id=row.id, case_id=row.case_id, case_number=case_number, instance_id=row.instance_id,
        process_key=row.process_key, name=row.element_id, title=row.title, team=row.team,
        form=row.form, state=row.state, assignee=row.assignee, created_at=row.created_at,
        due_at=row.due_at,
        overdue=bool(row.state == HumanTaskState.OPEN and row.due_at and row.due_at <= now),
        completed_at=row.completed_at, completed_by=row.completed_by,
    )


#: the orders of an inbox: key -> column (each ends with due date, creation and id)
TASK_SORTS = ("due", "task", "case", "team", "assignee", "created")


@dataclass(frozen=True)
class TaskQuery:
    """Filters for the inbox; all optional. ``teams`` limits to those teams' tasks.

    ``due_from``/``due_before`` bound the due moment (tasks without a due date fall out
    when either is set); ``unassigned`` keeps only tasks nobody holds; ``sort`` is one of
    :data:`TASK_SORTS`, ``descending`` turns it round (undated and unassigned stay last).
    """

    state: str | None = HumanTaskState.OPEN
    teams: Iterable[str] | None = None
    assignee: str | None = None
    unassigned_or_assignee: str | None = None
    case_id: str | None = None
    case_number: str | None = None
    name: str | None = None
    stage: str | None = None
    overdue: bool | None = None
    due_from: datetime | None = None
    due_before: datetime | None = None
    unassigned: bool = False
    sort: str = "due"
    descending: bool = False
    page: int = 1
    per_page: int = 50


def due_window(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """(``due_from``, ``due_before``) of a query for the tasks due on the Berlin days
    ``first`` to ``last`` (either open). A task is due by the end of its day, so "due on day
    D" is a due moment in (D 00:00, D+1 00:00]."""
    tick = timedelta(microseconds=1)

    def start(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=BERLIN) + tick

    return (start(first) if first else None,
            start(last + timedelta(days=1)) if last else None)


def _order(q: TaskQuery) -> list[Any]:
    """ORDER BY of an inbox query: the chosen column, then due date, creation and id."""
    column = {"task": HumanTask.title, "case": Case.case_number, "team": HumanTask.team,
              "assignee": HumanTask.assignee, "created": HumanTask.created_at}.get(q.sort)
    due = HumanTask.due_at.desc() if q.descending and q.sort == "due" else HumanTask.due_at.asc()
    order: list[Any] = []
    if column is not None:
        if q.sort == "assignee":
            order.append(HumanTask.assignee.is_(None))
        order.append(column.desc() if q.descending else column)
    # tasks without a due date last; written as NULLS LAST (not "due_at IS NULL, due_at") so
    # that the index ix_human_tasks_team_due (state, team, due_at, created_at, id) gives
    # the order of a team's inbox without sorting it (a Land's team has tens of thousands)
    order += [due.nulls_last(), HumanTask.created_at, HumanTask.id]
    return order


def query_tasks(session: Session, q: TaskQuery, now: datetime) -> Page[TaskInfo]:
    """Return one page of tasks in the query's order (by default soonest due first, tasks
    without a due date last)."""
    stmt = select(HumanTask)
    if q.state:
        stmt = stmt.where(HumanTask.state == q.state)
    if q.teams is not None:
        stmt = stmt.where(HumanTask.team.in_(list(q.teams)))
    if q.assignee:
        stmt = stmt.where(HumanTask.assignee == q.assignee)
    if q.unassigned:
        stmt = stmt.where(HumanTask.assignee.is_(None))
    if q.unassigned_or_assignee:
        stmt = stmt.where((HumanTask.assignee.is_(None))
                          | (HumanTask.assignee == q.unassigned_or_assignee))
    if q.case_id:
        stmt = stmt.where(HumanTask.case_id == q.case_id)
    if q.name:
        stmt = stmt.where(HumanTask.element_id == q.name)
    if q.overdue is True:
        stmt = stmt.where(HumanTask.due_at.is_not(None), HumanTask.due_at <= now)
    elif q.overdue is False:
        stmt = stmt.where((HumanTask.due_at.is_(None)) | (HumanTask.due_at > now))
    if q.due_from is not None:
        stmt = stmt.where(HumanTask.due_at >= q.due_from)
    if q.due_before is not None:
        stmt = stmt.where(HumanTask.due_at < q.due_before)
    # the case is joined only where a filter or the order needs it: the count of a Land's
    # team inbox then reads the tasks' index alone
    by_case = bool(q.case_number or q.stage)
    if by_case:
        stmt = stmt.join(Case, Case.id == HumanTask.case_id)
    if q.case_number:
        stmt = stmt.where(Case.case_number == q.case_number)
    if q.stage:
        stmt = stmt.where(Case.stage == q.stage)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    # the page's ids first (read from the index, however deep the page), then only those
    # rows and their cases: page 200 of a team's inbox read 4,000 tasks and cases before
    ids = stmt.with_only_columns(HumanTask.id)
    if q.sort == "case" and not by_case:
        ids = ids.join(Case, Case.id == HumanTask.case_id)
    ids = ids.order_by(*_order(q)).limit(q.per_page).offset((q.page - 1) * q.per_page)
    page = (select(HumanTask, Case.case_number).join(Case, Case.id == HumanTask.case_id)
            .where(HumanTask.id.in_(ids.scalar_subquery())).order_by(*_order(q)))
    items = [to_info(row, number, now) for row, number in session.execute(page)]
    return Page(items, total, q.page, q.per_page)
