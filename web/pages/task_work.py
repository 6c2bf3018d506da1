"""Work on a task besides completing it (issue 15, points 3–5): what the task page shows
next to the form, and the routes to save a draft and to comment.

* the values the form starts from: the user's own draft, else the task's data with the
  prefill of the engine (person record, values given earlier); only for users who may see
  the person (:func:`web.authz.may_see_person`; administrators get nothing);
* for an acknowledgement task ("Übergabe bestätigen"): the handover it is about — sending
  team, appointment, data package (field names in the page language and legal basis; the
  same rules as the printable package, :mod:`adapters.handover_package`) and the note;
* the comments of the task for the members of the case's teams.

Routes (blueprint ``pages``):

* ``POST /tasks/<id>/draft`` — save the posted form as the user's draft ("Zwischenspeichern")
* ``POST /tasks/<id>/draft/delete`` — discard it
* ``GET /tasks/<id>/comments`` — the comments of a task for the case's other teams
* ``POST /tasks/<id>/comments`` — add a comment (422 with the text kept when it is empty or
  too long)
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from adapters.handover_package import build_package
from engine import MAX_COMMENT, InvalidInput, Staffel, TaskInfo
from web import authz, outbound, personal_data
from web.auth import Actor, page_login_required
from web.forms_render import parse_form
from web.pages.common import bp, engine, page_actor, safe_next

ACK_TASK = "Task_handover_ack"


def form_values(eng: Staffel, actor: Actor, task: TaskInfo,
                data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The values the form shows when opened, and whether they come from the user's draft:
    own draft > prefill (person record, values given earlier) > the task's data."""
    if task.state != "open" or not authz.may_see_person(eng, actor, task.case_id):
        return data, False
    values = {**data, **eng.task_work.start_values(task.id, data)}
    if authz.can_act_on_task(actor, task):
        draft = eng.task_work.draft(task.id, actor.username)
        if draft is not None:
            return {**values, **draft}, True
    return values, False


def handover_summary(eng: Staffel, task: TaskInfo) -> dict[str, Any] | None:
    """What the receiving team confirms: the facts of the handover of an acknowledgement task
    (None for other tasks). Field names and legal basis as the package page shows them."""
    if task.name != ACK_TASK:
        return None
    record = eng.task_work.handover(task.id)
    if record is None:
        return None
    package = build_package(record, eng.clock.now())
    data = record.process_data
    return {
        "id": record.id, "handover": record.handover, "appointment_at": record.appointment(),
        "mode": data.get("handover_appointment_mode"),
        "interpreter": data.get("handover_interpreter") is True,
        "place": data.get("handover_appointment_place"),
        "link": data.get("handover_appointment_link"),
        "legal_basis": package.rule.legal_basis,
        "recorded_legal_basis": record.handover.legal_basis,
        "fields": [outbound.field_label(name) for name in package.field_names()],
        "withheld": [(outbound.field_label(name), outbound.reason_label(why))
                     for name, why in package.withheld if why != "not_selected"],
        "note": data.get("handover_note") or None,
    }


def page_extras(eng: Staffel, actor: Actor, task: TaskInfo) -> dict[str, Any]:
    """What the task page shows next to the form: the handover of an acknowledgement task
    and the comments (both only for those who may see the person)."""
    if not authz.may_see_person(eng, actor, task.case_id):
        return {"handover": None, "comments": None, "max_comment": MAX_COMMENT}
    return {"handover": handover_summary(eng, task),
            "comments": eng.task_work.comments(task.id), "max_comment": MAX_COMMENT}


def conflict_message(task: TaskInfo) -> str:
    """Why a task could not be completed (409), naming whoever holds it."""
    if task.state == "completed":
        return _("The task “%(title)s” has been completed already (by %(user)s).",
                 title=task.title, user=task.completed_by or "–")
    if task.state != "open":
        return _("The task “%(title)s” was cancelled.", title=task.title)
    if task.assignee:
        return _("The task “%(title)s” cannot be completed: %(user)s has claimed it. Only "
                 "they or a team lead can complete it.", title=task.title, user=task.assignee)
    return _("The task “%(title)s” cannot be completed right now. Please try again.",
             title=task.title)


def _back(task_id: str) -> str:
    return safe_next(request.form.get("next"), url_for("pages.task", task_id=task_id))


@bp.post("/tasks/<task_id>/draft")
@page_login_required
def save_task_draft(task_id: str) -> ResponseReturnValue:
    """Save the posted form as my draft of the task (not checked: it is not complete)."""
    eng, actor = engine(), page_actor()
    authz.authorize_task_draft(eng, actor, task_id)
    _info, schema, _data = eng.tasks.get(task_id)
    data, _raw = parse_form(schema, request.form)
    names = list((schema or {}).get("properties") or {})
    eng.task_work.save_draft(task_id, actor.username, {n: data.get(n) for n in names})
    flash(_("Draft saved. Only you see it; it is loaded again when you open the task."),
          "success")
    return redirect(url_for("pages.task", task_id=task_id))


@bp.post("/tasks/<task_id>/draft/delete")
@page_login_required
def discard_task_draft(task_id: str) -> ResponseReturnValue:
    """Discard my draft of the task."""
    eng, actor = engine(), page_actor()
    authz.authorize_task_draft(eng, actor, task_id)
    if eng.task_work.discard_draft(task_id, actor.username):
        flash(_("Draft discarded."), "success")
    return redirect(url_for("pages.task", task_id=task_id))


def _comments_page(eng: Staffel, actor: Actor, task: TaskInfo, text: str = "",
                   error: str | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("pages/task_comments.html", task=task, actor=actor,
                           comments=eng.task_work.comments(task.id), comment_text=text,
                           comment_error=error, max_comment=MAX_COMMENT,
                           may_open_task=authz.can_view_task(actor, task)), status


@bp.get("/tasks/<task_id>/comments")
@page_login_required
def task_comments(task_id: str) -> ResponseReturnValue:
    """The comments of a task for the members of the case's teams (404 for everyone else)."""
    eng, actor = engine(), page_actor()
    task = authz.authorize_task_comments(eng, actor, task_id)
    personal_data.log_read(eng, actor, task.case_id, f"task:{task.id}", personal_data.PAGE)
    return _comments_page(eng, actor, task)


@bp.post("/tasks/<task_id>/comments")
@page_login_required
def add_task_comment(task_id: str) -> ResponseReturnValue:
    """Add a comment; an empty or too long one is shown again with the error (422)."""
    eng, actor = engine(), page_actor()
    task = authz.authorize_task_comments(eng, actor, task_id)
    text = request.form.get("text", "")
    try:
        eng.task_work.add_comment(task_id, actor.username, text)
    except InvalidInput as err:
        too_long = any("at most" in str(e.get("message", "")) for e in err.errors)
        message = (_("The comment is too long (at most %(n)d characters).", n=MAX_COMMENT)
                   if too_long else _("Please write a comment."))
        return _comments_page(eng, actor, task, text[:MAX_COMMENT * 2], message, 422)
    flash(_("Comment added."), "success")
    return redirect(_back(task_id) + "#comments")
