"""The task form: fields from the task's JSON Schema, checked by the engine on completion.

When the engine rejects the data (``InvalidInput``) the form is shown again with every error
next to its field and the entered values kept; on success the user goes back to the inbox.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import Conflict, InvalidInput, TaskInfo, berlin_day
from web import authz, personal_data
from web.auth import Actor, page_login_required
from web.forms_render import build_fields, field_errors, parse_form
from web.pages import task_work
from web.pages.common import bp, engine, page_actor


def _render(task: TaskInfo, actor: Actor, schema: dict[str, Any] | None,
            values: dict[str, Any], errors: dict[str, str] | None = None,
            general: list[str] | None = None, status: int = 200, from_draft: bool = False,
            conflict: str | None = None) -> ResponseReturnValue:
    fields = build_fields(schema, values, errors, today=berlin_day(engine().clock.now()))
    held_by_other = task.assignee not in (None, actor.username)
    return render_template(
        "pages/task.html", task=task, schema=schema or {}, fields=fields,
        general_errors=general or [], field_errors=errors or {},
        may_complete=(task.state == "open" and authz.can_act_on_task(actor, task)
                      and (not held_by_other or authz.can_assign(actor, task))),
        held_by_other=held_by_other, actor=actor, from_draft=from_draft, conflict=conflict,
        may_claim=task.state == "open" and authz.can_act_on_task(actor, task),
        **task_work.page_extras(engine(), actor, task)), status


@bp.get("/tasks/<task_id>")
@page_login_required
def task(task_id: str) -> ResponseReturnValue:
    """Show the form of a task of one's team (404 for other teams' tasks)."""
    actor = page_actor()
    authz.authorize_task(engine(), actor, task_id, "view")
    info, schema, data = engine().tasks.get(task_id)
    if authz.may_see_person(engine(), actor, info.case_id):
        personal_data.log_read(engine(), actor, info.case_id, f"task:{info.id}",
                               personal_data.PAGE)
    values, from_draft = task_work.form_values(engine(), actor, info, data)
    return _render(info, actor, schema, values, from_draft=from_draft)


@bp.post("/tasks/<task_id>")
@page_login_required
def complete(task_id: str) -> ResponseReturnValue:
    """Complete a task with the posted form; show the errors next to the fields if invalid."""
    actor = page_actor()
    eng = engine()
    authz.authorize_task(eng, actor, task_id, "view")
    info, schema, _data = eng.tasks.get(task_id)
    data, raw = parse_form(schema, request.form)
    try:
        task = authz.authorize_task(eng, actor, task_id, "complete")
        eng.tasks.complete(task_id, data, actor.username,
                           over_holder=authz.can_assign(actor, task))
    except InvalidInput as err:
        names = set((schema or {}).get("properties", {}))
        by_field, general = field_errors(err.errors, names)
        return _render(info, actor, schema, raw, by_field, general, status=422)
    except Conflict:  # 409 naming whoever holds or completed it; nothing was changed
        now = eng.tasks.info(task_id)
        return _render(now, actor, schema, raw, status=409,
                       conflict=task_work.conflict_message(now))
    flash(_("Task “%(title)s” for case %(case)s completed.", title=info.title,
            case=info.case_number), "success")
    return redirect(url_for("pages.inbox"))
