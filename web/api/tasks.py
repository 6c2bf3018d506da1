"""``/api/v1/tasks``: the inbox, one task with its form, claim, unclaim, complete, assign.

Every rule about who may do what is in :mod:`web.authz`; the views only call it and the engine.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields, validate

from engine import TASK_SORTS, TEAM_KEYS, Page, TaskInfo, due_window
from web import authz, personal_data
from web.api.common import actor, engine, errors, protect
from web.api.schemas import (
    AssignSchema,
    CompleteSchema,
    PageArgsSchema,
    TaskDetailSchema,
    TaskPageSchema,
    TaskSchema,
    Text,
)

log = logging.getLogger("staffel.api")


class TaskListArgsSchema(PageArgsSchema):
    """Filters and order of the task list (the inbox page's, issue 15)."""

    scope = fields.String(load_default="team", validate=validate.OneOf(["mine", "team"]),
                          metadata={"description": "mine: assigned to me; team: my teams"})
    team = fields.String(validate=validate.OneOf(sorted(TEAM_KEYS)))
    overdue = fields.Boolean()
    case_id = Text(validate=validate.Length(max=64))
    assignee = Text(validate=validate.Length(min=1, max=100),
                    metadata={"description": "held by this user"})
    unassigned = fields.Boolean(metadata={"description": "held by nobody"})
    due_from = fields.Date(metadata={"description": "due on this Berlin day or later"})
    due_to = fields.Date(metadata={"description": "due on this Berlin day or earlier"})
    sort = fields.String(load_default="due", validate=validate.OneOf(["due_at", *TASK_SORTS]),
                         metadata={"description": "due (soonest first, undated last; "
                                                  "'due_at' is the same), task, case, team, "
                                                  "assignee or created"})
    descending = fields.Boolean(load_default=False, metadata={"description": "turn the order"})

    @ma.validates_schema
    def _range(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("due_from") and data.get("due_to") and data["due_to"] < data["due_from"]:
            raise ma.ValidationError("lies before due_from", "due_to")
blp = protect(Blueprint("tasks", __name__, url_prefix="/api/v1/tasks",
                        description="Human tasks: inbox, claim, complete, assign."))


@blp.get("")
@blp.arguments(TaskListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, TaskPageSchema)
@errors(blp, 401, 403)
def list_tasks(**args: Any) -> Page[TaskInfo]:
    """List open tasks of my teams (or assigned to me), soonest due first unless ``sort``
    names another column (``descending`` turns it round); filters by holder, due range
    (Berlin days) and overdue.

    Caseworkers and supervisors see their teams' tasks, admins every task; process owners
    get 403. "team" must be one of my teams (else 403).
    """
    query = authz.task_query(actor(), scope=args["scope"], team=args.get("team"),
                             overdue=args.get("overdue"), case_id=args.get("case_id"),
                             page=args["page"], per_page=args["per_page"])
    due_from, due_before = due_window(args.get("due_from"), args.get("due_to"))
    query = replace(query, assignee=query.assignee or args.get("assignee"),
                    unassigned=bool(args.get("unassigned")), due_from=due_from,
                    due_before=due_before, descending=args["descending"],
                    sort="due" if args["sort"] == "due_at" else args["sort"])
    return engine().tasks.list(query)


@blp.get("/<task_id>")
@blp.response(200, TaskDetailSchema)
@errors(blp, 401, 403, 404)
def get_task(task_id: str) -> dict[str, Any]:
    """One task with its form (JSON Schema) and current data; 404 unless it is my team's."""
    who = actor()
    authz.authorize_task(engine(), who, task_id, "view")
    info, form, data = engine().tasks.get(task_id)
    if not authz.may_see_person(engine(), who, info.case_id):
        data = {}  # administrators: the form, not the person's data in it
    else:
        personal_data.log_read(engine(), who, info.case_id, f"task:{info.id}",
                               personal_data.API)
    return {**asdict(info), "form": form, "data": data}


@blp.post("/<task_id>/claim")
@blp.response(200, TaskSchema)
@errors(blp, 401, 403, 404, 409)
def claim(task_id: str) -> TaskInfo:
    """Take a task of my team; 409 if someone else holds it or it is done."""
    who = actor()
    authz.authorize_task(engine(), who, task_id, "claim")
    return engine().tasks.claim(task_id, who.username)


@blp.post("/<task_id>/unclaim")
@blp.response(200, TaskSchema)
@errors(blp, 401, 403, 404, 409)
def unclaim(task_id: str) -> TaskInfo:
    """Give a task back to the team (the holder, or a supervisor of the team)."""
    who = actor()
    authz.authorize_task(engine(), who, task_id, "unclaim")
    return engine().tasks.unclaim(task_id, who.username)


@blp.post("/<task_id>/complete")
@blp.arguments(CompleteSchema, as_kwargs=True)
@blp.response(200, TaskSchema)
@errors(blp, 400, 401, 403, 404, 409)
def complete(task_id: str, data: dict[str, Any]) -> TaskInfo:
    """Complete a task with its form data; 422 names every invalid field, 409 if done."""
    who = actor()
    check = authz.task_check(who, "complete")  # checked on the task the completion loads
    done = engine().tasks.complete(task_id, data, who.username,
                                   authorize=lambda task: authz.can_assign(who, check(task)))
    log.info("task %s of case %s completed by %s", task_id, done.case_number, who.username)
    return done


@blp.post("/<task_id>/assign")
@blp.arguments(AssignSchema, as_kwargs=True)
@blp.response(200, TaskSchema)
@errors(blp, 400, 401, 403, 404, 409)
def assign(task_id: str, username: str) -> TaskInfo:
    """Assign a task to a member of its team (supervisors of that team; 422 for non-members)."""
    who = actor()
    task = authz.authorize_task(engine(), who, task_id, "assign")
    target = authz.require_assignable(engine(), task, username)
    return engine().tasks.assign(task_id, target, who.username)
