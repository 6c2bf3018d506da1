"""Human tasks: the inbox query, one task with its form and data, claim / give back / assign,
and completing a task, which runs the case's process on to its next wait."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.errors import Conflict, InvalidInput, NotFound
from engine.execution import task_work, tasks
from engine.execution.spiff import load_state
from engine.execution.tasks import TaskQuery
from engine.law.lands import BERLIN
from engine.model import Page, TaskInfo
from engine.persistence.models import Case, HumanTask
from engine.services.context import EngineContext, check_json, task_row
from engine.states import HumanTaskState


class TaskService:
    """``staffel.tasks``: one method, one transaction."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def list(self, query: TaskQuery | None = None) -> Page[TaskInfo]:
        """A page of human tasks (open ones by default), soonest due first."""
        with self.ctx.db.read() as session:
            return tasks.query_tasks(session, query or TaskQuery(), self.ctx.time.now(session))

    def get(self, task_id: str) -> tuple[TaskInfo, dict[str, Any] | None, dict[str, Any]]:
        """A task, its form (JSON Schema) and the current task data."""
        with self.ctx.db.read() as session:
            row, case, instance = task_row(session, task_id)
            schema = self.ctx.schemas.form(session, instance.process_version_id, row.form)
            data: dict[str, Any] = {}
            if row.state == HumanTaskState.OPEN:
                bundle = self.ctx.specs.get(session, instance.process_version_id)
                wf = load_state(instance.state, bundle, self.ctx.runtime.script_engine)
                spiff_task = wf.get_task_from_id(UUID(task_id))
                data = json.loads(json.dumps(spiff_task.data, default=str))
            info = tasks.to_info(row, case.case_number, self.ctx.time.now(session))
            return info, schema, data

    def info(self, task_id: str) -> TaskInfo:
        """One task (any state) without loading the process; NotFound if absent."""
        try:
            UUID(str(task_id))
        except ValueError as exc:
            raise NotFound(f"task {task_id} does not exist") from exc
        with self.ctx.db.read() as session:
            found = session.execute(
                select(HumanTask, Case.case_number).join(Case, Case.id == HumanTask.case_id)
                .where(HumanTask.id == str(task_id))).one_or_none()
            if found is None:
                raise NotFound(f"task {task_id} does not exist")
            row, number = found
            return tasks.to_info(row, number, self.ctx.time.now(session))

    def claim(self, task_id: str, actor: str) -> TaskInfo:
        """Take an open task; Conflict if someone else holds it. Claiming a task one already
        holds changes nothing and records nothing (idempotent: no second ``task_claimed``)."""
        return self._set_assignee(task_id, actor, actor, "task_claimed", only_if_free=True)

    def unclaim(self, task_id: str, actor: str) -> TaskInfo:
        """Give a task back to the team (nothing recorded when nobody held it)."""
        return self._set_assignee(task_id, None, actor, "task_unclaimed", only_if_free=False)

    def assign(self, task_id: str, username: str, actor: str) -> TaskInfo:
        """Assign a task to a user (supervisors; authorization is the caller's job); nothing
        recorded when the user already holds it."""
        if not isinstance(username, str) or not username.strip():
            raise InvalidInput("username is required", [{"field": "username",
                                                         "message": "is required"}])
        return self._set_assignee(task_id, username, actor, "task_assigned", only_if_free=False)

    def _set_assignee(self, task_id: str, assignee: str | None, actor: str, action: str,
                      only_if_free: bool) -> TaskInfo:
        with self.ctx.unit(actor) as uow:
            row, case, _instance = task_row(uow.session, task_id, lock=True)
            if row.state != HumanTaskState.OPEN:
                raise Conflict(f"task {task_id} is already {row.state}")
            if only_if_free and row.assignee not in (None, assignee):
                raise Conflict(f"task is already claimed by {row.assignee}")
            if row.assignee == assignee:  # already so: a repeated request changes nothing
                return tasks.to_info(row, case.case_number, uow.now)
            row.assignee = assignee
            uow.record(action, case_id=case.id, instance_id=row.instance_id,
                       element_id=row.element_id, task_id=row.id, assignee=assignee)
            uow.session.flush()
            return tasks.to_info(row, case.case_number, uow.now)

    def complete(self, task_id: str, data: dict[str, Any] | None, actor: str, *,
                 over_holder: bool = True,
                 authorize: Callable[[TaskInfo], bool] | None = None) -> TaskInfo:
        """Complete a READY task with form data and run the process on to its next wait.

        Without ``over_holder`` (a caseworker, not a team lead) a task someone else holds is a
        Conflict naming the holder, checked in the completing transaction: a colleague who
        claimed it a moment after the caller looked is not overtaken. In the same
        transaction, what the form recorded about the person updates the person record
        (audited ``person_updated``, field names only) and the task's drafts are dropped.
        ``authorize``, if given, is called with the task first thing in the transaction
        (before the data is looked at); it raises to refuse and returns ``over_holder``
        (the web layer's check, without a read of its own).
        """
        data = data or {}
        if authorize is None:
            check_json("data", data)
        with self.ctx.unit(actor) as uow:
            row, case, instance = task_row(uow.session, task_id)
            if authorize is not None:
                over_holder = authorize(tasks.to_info(row, case.case_number, uow.now))
                check_json("data", data)
            if row.state != HumanTaskState.OPEN:
                raise Conflict(f"task {task_id} is already {row.state}")
            if not over_holder and row.assignee not in (None, actor):
                raise Conflict(f"the task is claimed by {row.assignee}")
            run = self.ctx.runtime.load(uow, row.instance_id, instance)
            self.ctx.schemas.validate_data(uow.session, run.row.process_version_id, row.form,
                                           data, today=uow.now.astimezone(BERLIN).date())
            schema = self.ctx.schemas.form(uow.session, run.row.process_version_id, row.form)
            spiff_task = run.workflow.get_task_from_id(UUID(task_id))
            if spiff_task is None or spiff_task.state != TaskState.READY:
                raise Conflict(f"task {task_id} is not ready any more")

            def complete(_wf: Any) -> None:
                spiff_task.data.update(data)
                spiff_task.run()

            run.advance(complete)
            run.completed = (task_id, actor)
            uow.record("task_completed", case_id=case.id, instance_id=row.instance_id,
                       element_id=row.element_id, task_id=task_id, fields=sorted(data))
            task_work.write_back_person(uow, case, row, task_work.form_fields(schema), data)
            task_work.drop_drafts(uow.session, row.id)
            run.save()
            return tasks.to_info(row, case.case_number, uow.now)
