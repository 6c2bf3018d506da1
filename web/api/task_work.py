"""``/api/v1/tasks/<id>/draft`` and ``/api/v1/tasks/<id>/comments``: a draft of a task's form
per user (private, dropped when the task completes) and the comments on a task (the case's
teams; append-only).

Who may: drafts — members of the task's team who work on it (403 for administrators and
process owners, 404 for other teams); comments — members of the teams that have or had a task
on the case (404 for everyone else, administrators too: comments are about a person). Rules in
:mod:`web.authz`.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields

from engine import MAX_COMMENT, CommentInfo, NotFound
from web import authz, personal_data
from web.api.common import actor, engine, errors, protect
from web.api.schemas import JsonObject

blp = protect(Blueprint("task_work", __name__, url_prefix="/api/v1/tasks",
                        description="Work on a task: drafts per user, comments."))


class DraftSchema(ma.Schema):
    """A draft of a task's form: the fields typed so far (not checked against the form's
    rules; only the form's field names are accepted)."""

    data = JsonObject(required=True, metadata={"description": "fields of the task's form"})


class CommentInSchema(ma.Schema):
    """A new comment."""

    text = fields.String(required=True, validate=ma.validate.Length(min=1, max=MAX_COMMENT),
                         metadata={"description": f"1 to {MAX_COMMENT} characters"})


class CommentSchema(ma.Schema):
    """A comment on a task; ``text`` is null once the case's person was erased."""

    id = fields.Integer(required=True)
    task_id = fields.String(required=True)
    author = fields.String(required=True)
    at = fields.DateTime(required=True)
    text = fields.String(allow_none=True)


@blp.get("/<task_id>/draft")
@blp.response(200, DraftSchema)
@errors(blp, 401, 403, 404)
def get_draft(task_id: str) -> dict[str, Any]:
    """My draft of a task; 404 when I have none."""
    who = actor()
    task = authz.authorize_task_draft(engine(), who, task_id)
    draft = engine().task_work.draft(task_id, who.username)
    if draft is None:
        raise NotFound("you have no draft of this task")
    personal_data.log_read(engine(), who, task.case_id, f"task:{task.id}", personal_data.API)
    return {"data": draft}


@blp.put("/<task_id>/draft")
@blp.arguments(DraftSchema, as_kwargs=True)
@blp.response(200, DraftSchema)
@errors(blp, 400, 401, 403, 404, 409)
def put_draft(task_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Save my draft of an open task (replacing the earlier one); 422 for fields the form
    does not have, 409 when the task is closed."""
    who = actor()
    authz.authorize_task_draft(engine(), who, task_id)
    return {"data": engine().task_work.save_draft(task_id, who.username, data)}


@blp.delete("/<task_id>/draft")
@blp.response(204)
@errors(blp, 401, 403, 404)
def delete_draft(task_id: str) -> None:
    """Discard my draft of a task (nothing happens when there is none)."""
    who = actor()
    authz.authorize_task_draft(engine(), who, task_id)
    engine().task_work.discard_draft(task_id, who.username)


@blp.get("/<task_id>/comments")
@blp.response(200, CommentSchema(many=True))
@errors(blp, 401, 403, 404)
def list_comments(task_id: str) -> list[CommentInfo]:
    """The comments of a task, oldest first (newest last)."""
    who = actor()
    task = authz.authorize_task_comments(engine(), who, task_id)
    personal_data.log_read(engine(), who, task.case_id, f"task:{task.id}", personal_data.API)
    return engine().task_work.comments(task_id)


@blp.post("/<task_id>/comments")
@blp.arguments(CommentInSchema, as_kwargs=True)
@blp.response(201, CommentSchema)
@errors(blp, 400, 401, 403, 404)
def add_comment(task_id: str, text: str) -> CommentInfo:
    """Add a comment (1 to 2000 characters, not blank); it cannot be changed later."""
    who = actor()
    authz.authorize_task_comments(engine(), who, task_id)
    return engine().task_work.add_comment(task_id, who.username, text)
