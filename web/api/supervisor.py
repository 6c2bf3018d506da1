"""``/api/v1/supervisor``: the dashboard's numbers for supervisors (their teams) and admins.

* ``GET /api/v1/supervisor/overdue`` — open overdue tasks, most days overdue first
  (filters ``team``, ``min_days``, ``task``, ``process``, ``bucket``; paged in the body).
* ``GET /api/v1/supervisor/summary`` — every number of the dashboard (``team`` narrows it).
* ``GET /api/v1/supervisor/waits`` — open cases waiting for messages from outside, longest
  wait first (filters ``team``, ``message``, ``bucket`` of working days, ``follow_up_overdue``;
  paged in the body); the summary has the counts per message and bucket (``waits``).

Days overdue are working days of the case's Land (see :mod:`engine.supervision.dashboard`).
Who sees what:
:func:`supervisor_scope` (built on :mod:`web.authz`): supervisors their teams (including the
``supervisor`` team's escalations), admins every team, everybody else 403.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields, validate

from engine import BUCKETS, TEAM_KEYS, WAIT_BUCKETS, DashboardSummary
from web import authz
from web.api.common import actor, engine, errors, protect
from web.api.schemas import MAX_PAGE, MAX_PER_PAGE, Text
from web.auth import Actor

blp = protect(Blueprint("supervisor", __name__, url_prefix="/api/v1/supervisor",
                        description="Supervisor dashboard: overdue work, handovers, deadlines."))


def supervisor_scope(who: Actor, team: str | None = None) -> frozenset[str] | None:
    """The teams whose numbers ``who`` sees (None: all); 403 for other roles or teams."""
    authz.require(authz.is_admin(who) or who.has_role("supervisor"),
                  "only supervisors and administrators see the dashboard")
    teams = authz.visible_teams(who)
    if team is None:
        return teams
    authz.require(teams is None or team in teams, f"you do not lead team {team}")
    return frozenset({team})


# -- schemas -------------------------------------------------------------------------------------
class TeamArgsSchema(ma.Schema):
    """Narrow the numbers to one of my teams."""

    team = fields.String(validate=validate.OneOf(sorted(TEAM_KEYS)))


class OverdueArgsSchema(TeamArgsSchema):
    """Filters of the overdue list."""

    min_days = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000),
                              metadata={"description": "at least this many working days "
                                                       "overdue"})
    task = Text(validate=validate.Length(max=200),
                metadata={"description": "task type (BPMN element id)"})
    process = Text(validate=validate.Length(max=200),
                   metadata={"description": "process key of the task type"})
    bucket = fields.String(validate=validate.OneOf(BUCKETS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class OverdueTaskSchema(ma.Schema):
    """An open overdue task (no personal data)."""

    task_id = fields.String(required=True)
    case_id = fields.String(required=True)
    case_number = fields.String(required=True)
    land = fields.String(required=True)
    process_key = fields.String(required=True)
    element_id = fields.String(required=True, metadata={"description": "task type"})
    title = fields.String(required=True)
    team = fields.String(required=True)
    assignee = fields.String(allow_none=True, required=True)
    due_at = fields.DateTime(required=True, metadata={"description": "overdue from this "
                                                                     "instant"})
    due_on = fields.Date(required=True, metadata={"description": "last day (Berlin)"})
    days_overdue = fields.Integer(required=True, metadata={"description": "working days"})
    bucket = fields.String(required=True, metadata={"enum": list(BUCKETS)})


class OverduePageSchema(ma.Schema):
    """One page of overdue tasks."""

    items = fields.List(fields.Nested(OverdueTaskSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class GroupSchema(ma.Schema):
    """Overdue counts per age bucket of a team or a task type."""

    key = fields.String(required=True)
    title = fields.String(required=True)
    process_key = fields.String(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    total = fields.Integer(required=True)


class HandoverWaitSchema(ma.Schema):
    """A handover waiting for acknowledgment."""

    case_id = fields.String(required=True)
    case_number = fields.String(required=True)
    key = fields.String(required=True)
    from_team = fields.String(required=True)
    to_team = fields.String(required=True)
    proposed_at = fields.DateTime(required=True)
    ack_due_at = fields.DateTime(required=True)
    overdue = fields.Boolean(required=True)
    escalated_at = fields.DateTime(allow_none=True, required=True)


class UpcomingDeadlineSchema(ma.Schema):
    """A legal deadline due within 14 days."""

    case_id = fields.String(required=True)
    case_number = fields.String(required=True)
    key = fields.String(required=True)
    due_on = fields.Date(required=True)
    days_left = fields.Integer(required=True)
    legal_basis = fields.String(required=True)
    land = fields.String(required=True)


class StageCountSchema(ma.Schema):
    """Open cases in a stage."""

    stage = fields.String(required=True)
    count = fields.Integer(required=True)


class WeekCountSchema(ma.Schema):
    """New and closed cases of a week (Monday, Berlin)."""

    week_start = fields.Date(required=True)
    new = fields.Integer(required=True)
    closed = fields.Integer(required=True)


class TrendPointSchema(ma.Schema):
    """Tasks open and overdue at the end of a week."""

    week_start = fields.Date(required=True)
    at = fields.DateTime(required=True)
    overdue = fields.Integer(required=True)


class HeatCellSchema(ma.Schema):
    """Open and overdue tasks at one task element."""

    process_key = fields.String(required=True)
    element_id = fields.String(required=True)
    title = fields.String(required=True)
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)


class WaitGroupSchema(ma.Schema):
    """Open cases waiting for one message from outside, per age bucket (working days)."""

    message = fields.String(required=True)
    label = fields.String(required=True)
    expected_team = fields.String(allow_none=True, required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "cases per bucket: "
                                                  + ", ".join(WAIT_BUCKETS)})
    total = fields.Integer(required=True)
    follow_up_overdue = fields.Integer(required=True,
                                       metadata={"description": "of them with the follow-up "
                                                                "overdue"})


class SummarySchema(ma.Schema):
    """Every number of the supervisor dashboard."""

    now = fields.DateTime(required=True)
    today = fields.Date(required=True)
    teams = fields.Function(lambda s: None if s.teams is None else sorted(s.teams),
                            metadata={"description": "teams counted; null: all"})
    overdue_total = fields.Integer(required=True)
    buckets = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_team = fields.List(fields.Nested(GroupSchema), required=True)
    by_task = fields.List(fields.Nested(GroupSchema), required=True)
    handovers = fields.List(fields.Nested(HandoverWaitSchema), required=True)
    deadlines = fields.List(fields.Nested(UpcomingDeadlineSchema), required=True)
    stages = fields.List(fields.Nested(StageCountSchema), required=True)
    weeks = fields.List(fields.Nested(WeekCountSchema), required=True)
    trend = fields.List(fields.Nested(TrendPointSchema), required=True)
    heatmap = fields.List(fields.Nested(HeatCellSchema), required=True)
    waits = fields.List(fields.Nested(WaitGroupSchema), required=True,
                        metadata={"description": "cases waiting for messages from outside"})


class StalledCaseSchema(ma.Schema):
    """A running case nothing will move (no open task, no pending timer)."""

    case_id = fields.String(required=True)
    case_number = fields.String(required=True)
    stage = fields.String(required=True)
    land = fields.String(required=True)
    since = fields.DateTime(required=True, metadata={"description": "last change"})
    waiting_for = fields.List(fields.String(), required=True,
                              metadata={"description": "messages it waits for, unwatched"})


class StalledListSchema(ma.Schema):
    """The stalled cases of my teams; the goal is an empty list."""

    items = fields.List(fields.Nested(StalledCaseSchema), required=True)
    total = fields.Integer(required=True)


class WaitsArgsSchema(TeamArgsSchema):
    """Filters of the list of waiting cases."""

    message = Text(validate=validate.Length(max=100),
                   metadata={"description": "message name, e.g. bamf_decision"})
    bucket = fields.String(validate=validate.OneOf(WAIT_BUCKETS),
                           metadata={"description": "working days waited"})
    follow_up_overdue = fields.Boolean(load_default=False,
                                       metadata={"description": "only those whose follow-up "
                                                                "is overdue"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class WaitingCaseSchema(ma.Schema):
    """An open case waiting for a message from outside (case number only, no names)."""

    case_id = fields.String(required=True)
    case_number = fields.String(required=True)
    stage = fields.String(required=True)
    land = fields.String(required=True)
    message = fields.String(required=True)
    label = fields.String(required=True)
    expected_team = fields.String(allow_none=True, required=True)
    since = fields.DateTime(required=True, metadata={"description": "the wait began"})
    since_on = fields.Date(required=True, metadata={"description": "its day (Berlin)"})
    age_days = fields.Integer(required=True, metadata={"description": "working days waited "
                                                                      "(the case's Land)"})
    bucket = fields.String(required=True, metadata={"enum": list(WAIT_BUCKETS)})
    follow_up_due = fields.DateTime(allow_none=True, required=True,
                                    metadata={"description": "when the wait is followed up"})
    follow_up_overdue = fields.Boolean(required=True)


class WaitsPageSchema(ma.Schema):
    """One page of waiting cases."""

    items = fields.List(fields.Nested(WaitingCaseSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


# -- views ---------------------------------------------------------------------------------------
@blp.get("/overdue")
@blp.arguments(OverdueArgsSchema, location="query", as_kwargs=True)
@blp.response(200, OverduePageSchema)
@errors(blp, 401, 403)
def overdue(**args: Any) -> dict[str, Any]:
    """Open overdue tasks of my teams, most working days overdue first.

    Supervisors see their teams (``team`` must be one of them, else 403), admins all teams;
    other roles get 403.
    """
    teams = supervisor_scope(actor(), args.get("team"))
    items = engine().supervision.overdue_tasks(teams, min_days=args["min_days"],
                                   element_id=args.get("task"), process_key=args.get("process"),
                                   bucket=args.get("bucket"))
    page, per_page = args["page"], args["per_page"]
    return {"items": items[(page - 1) * per_page:page * per_page], "total": len(items),
            "page": page, "per_page": per_page}


@blp.get("/summary")
@blp.arguments(TeamArgsSchema, location="query", as_kwargs=True)
@blp.response(200, SummarySchema)
@errors(blp, 401, 403)
def summary(**args: Any) -> DashboardSummary:
    """Every dashboard number for my teams (or one of them): overdue tasks by team and task
    type with age buckets, handovers waiting, legal deadlines of the next 14 days, cases per
    stage, new and closed cases per week, the 12-week overdue trend, the heatmap and the
    cases waiting for messages from outside per message and age."""
    return engine().supervision.summary(supervisor_scope(actor(), args.get("team")))


@blp.get("/stalled")
@blp.arguments(TeamArgsSchema, location="query", as_kwargs=True)
@blp.response(200, StalledListSchema)
@errors(blp, 401, 403)
def stalled(**args: Any) -> dict[str, Any]:
    """Running cases of my teams (or one of them) that nothing will move: no open task and no
    timer that will fire. Each such case fell between the chairs; the goal is none."""
    items = engine().supervision.stalled(supervisor_scope(actor(), args.get("team")))
    return {"items": items, "total": len(items)}


@blp.get("/waits")
@blp.arguments(WaitsArgsSchema, location="query", as_kwargs=True)
@blp.response(200, WaitsPageSchema)
@errors(blp, 401, 403)
def waits(**args: Any) -> dict[str, Any]:
    """Open cases of my teams (or one of them) waiting for a message from outside, longest
    wait first: the message, since when, working days waited in the case's Land, when the wait
    is followed up and which team is expected to act. Case numbers only, no names."""
    teams = supervisor_scope(actor(), args.get("team"))
    items = engine().supervision.waits(teams, message=args.get("message"),
                                       bucket=args.get("bucket"),
                                       follow_up_overdue=args["follow_up_overdue"])
    page, per_page = args["page"], args["per_page"]
    return {"items": items[(page - 1) * per_page:page * per_page], "total": len(items),
            "page": page, "per_page": per_page}
