"""Work on a task besides claiming and completing it: the values a form starts from, a
draft per user, comments, and the handover an acknowledgement task is about.

Completing a task (``staffel.tasks.complete``) writes what it recorded about the person back
into the person record and drops the task's drafts in its own transaction (see
:mod:`engine.execution.task_work`). Who may call what is decided by the caller.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.execution import task_work
from engine.execution.task_work import CommentInfo
from engine.persistence.models import Handover
from engine.services.context import EngineContext, task_row
from engine.states import HumanTaskState
from engine.supervision.outbound import ACK_TASK, HandoverRecord, handover_record


class TaskWorkService:
    """``staffel.task_work``: one method, one transaction."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def start_values(self, task_id: str, task_data: dict[str, Any]) -> dict[str, Any]:
        """The values an open task's form starts from: the person record's for person fields,
        and where ``task_data`` (the task's own data) has none, those given earlier in the
        case; only for fields the form has. Empty for a closed task or one without a form."""
        with self.ctx.db.read() as session:
            row, case, instance = task_row(session, task_id)
            if row.state != HumanTaskState.OPEN or not row.form:
                return {}
            schema = self.ctx.schemas.form(session, instance.process_version_id, row.form)
            fields = task_work.form_fields(schema)
            if not fields:
                return {}
            known = task_work.from_person(case, fields)
            if not task_work.missing(fields, task_data, known):
                return known  # nothing left to look up in the case's processes
            earlier = task_work.earlier_values(session, self.ctx.specs,
                                               self.ctx.runtime.script_engine, case.id)
            return task_work.prefill(case, fields, task_data, earlier)

    def handover(self, task_id: str) -> HandoverRecord | None:
        """The handover an acknowledgement task ("Übergabe bestätigen") is about: the newest
        one of the case to the task's team proposed by the time the task was created; None
        for other tasks."""
        with self.ctx.db.read() as session:
            row, case, _instance = task_row(session, task_id)
            if row.element_id != ACK_TASK:
                return None
            number = session.scalar(select(Handover.id).where(
                Handover.case_id == case.id, Handover.to_team == row.team,
                Handover.proposed_at <= row.created_at)
                .order_by(Handover.proposed_at.desc(), Handover.id.desc()).limit(1))
            if number is None:
                return None
            return handover_record(session, self.ctx.specs, self.ctx.runtime.script_engine,
                                   number)

    # -- drafts --------------------------------------------------------------------------------
    def draft(self, task_id: str, username: str) -> dict[str, Any] | None:
        """The user's draft of a task (None if there is none); NotFound for no such task."""
        with self.ctx.db.read() as session:
            row, _case, _instance = task_row(session, task_id)
            return task_work.draft(session, row.id, username)

    def save_draft(self, task_id: str, username: str, data: Any) -> dict[str, Any]:
        """Save the user's draft of an open task (replacing the earlier one): an object of the
        form's fields (422 otherwise, 409 when the task is closed)."""
        with self.ctx.unit(username) as uow:
            row, _case, instance = task_row(uow.session, task_id, lock=True)
            schema = self.ctx.schemas.form(uow.session, instance.process_version_id, row.form)
            clean = task_work.check_draft(data, task_work.form_fields(schema))
            task_work.save_draft(uow, row, username, clean)
            return clean

    def discard_draft(self, task_id: str, username: str) -> bool:
        """Delete the user's draft of a task; False if there was none."""
        with self.ctx.unit(username) as uow:
            row, _case, _instance = task_row(uow.session, task_id)
            return task_work.drop_drafts(uow.session, row.id, username) > 0

    # -- comments ------------------------------------------------------------------------------
    def comments(self, task_id: str) -> list[CommentInfo]:
        """The comments of a task, oldest first; NotFound for no such task."""
        with self.ctx.db.read() as session:
            row, _case, _instance = task_row(session, task_id)
            return task_work.comments(session, row.id)

    def add_comment(self, task_id: str, author: str, text: Any) -> CommentInfo:
        """Append a comment (1 to 2000 characters) to a task; audited without its text."""
        task_work.check_comment(text)
        with self.ctx.unit(author) as uow:
            row, _case, _instance = task_row(uow.session, task_id)
            return task_work.add_comment(uow, row, author, text)

