"""Test run of a draft from the editor page (``POST /editor/<key>/test-run``).

The body is the edited BPMN (CSRF token in ``X-CSRFToken``), the settings are query
parameters: ``outcome`` (BAMF outcome, default ``refugee``), ``land`` (default ``NW``),
``entry`` (``asylum`` or ``resettlement``), ``withhold`` (message names not to deliver, may
repeat) and ``start`` (the process the synthetic case starts; default the app's case process).
The answer is JSON: 200 with the steps, deadlines and walked path (names of stages, teams and
deadlines in the page language added), 422 ``{valid: false, problems}`` for a draft that does
not validate, 422 ``{code, message, errors}`` for bad settings, 403 for other roles, 404 for
an unknown process. Nothing is stored: the run happens in a throwaway engine.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import DEFAULT_OUTCOME, InvalidInput, Problem
from web import authz
from web.auth import page_login_required
from web.pages import labels
from web.pages.common import bp, engine, page_actor
from web.pages.editor import MAX_XML

log = logging.getLogger("staffel.pages")


def outcome_labels() -> dict[str, str]:
    """BAMF outcomes with their names in the page language."""
    return {
        "asylum": _("Asylum (Art. 16a GG)"),
        "refugee": _("Refugee status (§3 AsylG)"),
        "subsidiary": _("Subsidiary protection (§4 AsylG)"),
        "deportation_ban": _("Deportation ban (§60(5)/(7) AufenthG)"),
        "rejected": _("Rejected"),
        "rejected_manifestly_unfounded": _("Rejected as manifestly unfounded (§30 AsylG)"),
        "inadmissible": _("Inadmissible (§29(1) Nr. 2, 4 AsylG)"),
        "dublin": _("Dublin procedure (§29 AsylG)"),
    }


@bp.app_template_global()
def test_run_outcomes() -> list[tuple[str, str]]:
    """The outcomes a test run may choose, as (value, label), for the editor page."""
    names = outcome_labels()
    try:
        values = engine().testruns.outcomes()
    except Exception:  # the editor page must open even if this list cannot be read
        log.exception("cannot list the test run outcomes")
        values = []
    return [(v, names.get(v, v)) for v in (values or [DEFAULT_OUTCOME])]


@bp.app_template_global()
def test_run_texts() -> dict[str, str]:
    """The words the test-run panel script shows."""
    return {
        "running": _("Test run in progress…"), "error": _("The request failed. Please try again."),
        "done": _("Test run finished after %(n)s steps."),
        "invalid": _("The draft is not valid; the test run did not start."),
        "completed": _("The synthetic case reached the end."),
        "stuck": _("The synthetic case is stuck: nothing can move."),
        "step_limit": _("The step limit was reached."),
        "failed": _("The process failed."), "steps": _("Steps"), "deadlines": _("Deadlines"),
        "step": _("No."), "element": _("Element"), "team": _("Team"), "time": _("Simulated time"),
        "stage": _("Stage"), "data": _("Data used"), "key": _("Deadline"), "date": _("Date"),
        "basis": _("Legal basis"), "finalStage": _("Final stage"),
        "otherProcess": _("in process"), "none": _("none"),
        "kind_start": _("Start"), "kind_user_task": _("Task"), "kind_message": _("Message"),
        "kind_timer": _("Timer"),
    }


def _json_error(status: int, message: str, errors: list[dict[str, Any]] | None = None
                ) -> ResponseReturnValue:
    code = {403: "forbidden", 404: "not_found"}.get(status, "invalid_input")
    return jsonify({"code": code, "message": message, "errors": errors or []}), status


@bp.post("/editor/<key>/test-run")
@page_login_required
def editor_test_run(key: str) -> ResponseReturnValue:
    """Walk a synthetic case through the edited diagram in a throwaway engine."""
    actor = page_actor()
    if not authz.can_edit_definitions(actor):
        return _json_error(403, _("Only process owners and admins may test drafts."))
    versions = engine().definitions.versions(key) if len(key) <= 200 else []
    if not versions:
        return _json_error(404, _("There is no such process."))
    xml = request.get_data(cache=False)
    if not xml.strip() or len(xml) > MAX_XML:
        return jsonify({"valid": False, "problems": [Problem("(none)", _(
            "No diagram was sent.")).to_dict()]}), 422
    start = request.args.get("start") or current_app.config.get("CASE_PROCESS") or key
    if not engine().definitions.versions(start):
        start = key
    try:
        result = engine().testruns.run(
            {versions[0].file_name: xml}, outcome=request.args.get("outcome", DEFAULT_OUTCOME),
            land=request.args.get("land", "NW"), entry=request.args.get("entry", "asylum"),
            process_key=start, withhold=request.args.getlist("withhold"))
    except InvalidInput as err:
        return _json_error(422, err.message, err.errors)
    body = result.to_dict()
    if not result.valid:
        return jsonify({"valid": False, "problems": body["problems"]}), 422
    log.info("test run of %s by %s: %s after %d steps", key, actor.username,
             result.stop_reason, len(result.steps))
    return jsonify(_with_names(body, key))


def _with_names(body: dict[str, Any], key: str) -> dict[str, Any]:
    for step in body["steps"]:
        step["stage_name"] = labels.stage_name(step["stage"])
        step["team_name"] = labels.team_name(step["team"]) if step["team"] else ""
    for deadline in body["deadlines"]:
        deadline["name"] = labels.deadline_name(deadline["key"])
    body["final_stage_name"] = labels.stage_name(body["final_stage"])
    body["key"] = key
    return body
