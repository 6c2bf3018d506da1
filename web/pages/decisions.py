"""DMN decision tables in the browser (``/decisions``), for process owners and admins.

* ``GET /decisions`` — every deployed DMN file (newest content) with its decisions, the
  processes that call them and how often it was changed.
* ``GET /decisions/<name>`` — the dmn-js Modeler on the decision table
  (``static/js/dmn_editor.js``).
* ``GET /decisions/<name>/source.dmn`` — the DMN the modeler loads.
* ``POST /decisions/<name>/validate`` — the XML as body (CSRF token in ``X-CSRFToken``):
  ``{"valid": bool, "problems": [...]}``, the engine's whole deploy validation (XSD, hit
  policy, every cell expression compiled in the sandbox, the callers still resolve); nothing
  is stored.
* ``POST /decisions/<name>/deploy`` — the same body; 201 ``{valid, revision, versions}`` (the
  new versions of the processes that use the table) or 422 with the problems.

Other roles get the 403 page (JSON 403 on the POST routes); an unknown file is a 404.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import DecisionFileInfo, DeployError, NotFound, Problem
from web import authz
from web.auth import Actor, page_login_required
from web.pages.common import bp, engine, page_actor
from web.pages.editor import MAX_XML
from web.pages.editor_problems import problem_dicts


def _owner() -> Actor:
    actor = page_actor()
    authz.require(authz.can_edit_definitions(actor),
                  "only process owners and admins edit decision tables")
    return actor


def _file(name: str) -> DecisionFileInfo:
    found = next((f for f in engine().definitions.decision_files() if f.name == name), None)
    if found is None:
        raise NotFound("no such decision table")
    return found


def _json_error(status: int, message: str) -> ResponseReturnValue:
    code = "forbidden" if status == 403 else "not_found"
    return jsonify({"code": code, "message": message, "errors": []}), status


def _posted(name: str) -> tuple[Actor | None, bytes | None, ResponseReturnValue | None]:
    """The actor and the posted XML, or the JSON error answer to send instead."""
    actor = page_actor()
    if not authz.can_edit_definitions(actor):
        return None, None, _json_error(403, _("Only process owners and admins may change "
                                              "decision tables."))
    if not any(f.name == name for f in engine().definitions.decision_files()):
        return None, None, _json_error(404, _("There is no such decision table."))
    data = request.get_data(cache=False)
    if not data.strip() or len(data) > MAX_XML:
        problem = Problem(name, _("No decision table was sent."))
        return None, None, (jsonify({"valid": False, "problems": [problem.to_dict()]}), 422)
    return actor, data, None


def _problems(problems: list[Problem]) -> list[dict[str, Any]]:
    return problem_dicts(problems)  # in the page's language, as in the process editor


@bp.get("/decisions")
@page_login_required
def decisions_list() -> ResponseReturnValue:
    """Every deployed DMN file."""
    _owner()
    return render_template("editor/dmn_list.html", files=engine().definitions.decision_files())


@bp.get("/decisions/<name>")
@page_login_required
def decision_editor(name: str) -> ResponseReturnValue:
    """The dmn-js modeler on the newest content of one DMN file."""
    _owner()
    info = _file(name)
    texts = {"valid": _("No problems found."), "deployed": _("Deployed as revision %(r)s."),
             "unchanged": _("Nothing changed: no new revision."),
             "versions": _("New process versions:"),
             "error": _("The request failed. Please try again."),
             "loadError": _("The decision table cannot be shown."),
             "problemsFound": _("%(n)s problem(s) found.")}
    return render_template("editor/dmn_editor.html", info=info, text=texts)


@bp.get("/decisions/<name>/source.dmn")
@page_login_required
def decision_source(name: str) -> ResponseReturnValue:
    """The DMN source the modeler loads."""
    _owner()
    xml = engine().definitions.decision_source(name)
    return Response(xml, mimetype="application/xml",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@bp.post("/decisions/<name>/validate")
@page_login_required
def decision_validate(name: str) -> ResponseReturnValue:
    """The engine's deploy validation of the edited table; nothing is stored."""
    _actor, xml, refused = _posted(name)
    if refused is not None or xml is None:
        return refused or _json_error(404, "")
    problems = engine().definitions.validate({name: xml})
    return jsonify({"valid": not problems, "problems": _problems(problems)})


@bp.post("/decisions/<name>/deploy")
@page_login_required
def decision_deploy(name: str) -> ResponseReturnValue:
    """Deploy the edited table under its file name (audit event ``deployed`` per new version)."""
    actor, xml, refused = _posted(name)
    if refused is not None or xml is None or actor is None:
        return refused or _json_error(404, "")
    before = _file(name).revision
    try:
        result = engine().definitions.deploy({name: xml}, actor=actor.username)
    except DeployError as err:
        return jsonify({"valid": False, "problems": _problems(err.problems)}), 422
    revision = _file(name).revision
    return jsonify({"valid": True, "revision": revision, "new": revision != before,
                    "versions": [{"key": v.key, "version": v.version}
                                 for v in result.new_versions]}), 201
