"""The process owners' diagram editor (``/editor``).

* ``GET /editor`` — every deployed process with its newest version.
* ``GET /editor/<key>`` (``?version=n``) — bpmn-js Modeler with live bpmnlint and a small
  properties form; the diagram is drawn by ``static/js/editor.js``.
* ``GET /editor/<key>/<version>.bpmn`` — the BPMN source the editor loads.
* ``POST /editor/<key>/validate`` — the XML as body (CSRF token in ``X-CSRFToken``); answers
  ``{"valid": bool, "problems": [...]}``; nothing is stored.
* ``POST /editor/<key>/deploy`` — the same body; 201 with the new version, or 422 with the
  problems. The XML is deployed under the process's original file name, so it replaces it;
  the process's draft is removed in the same transaction.
* drafts: :mod:`web.pages.editor_drafts`; migration of running cases:
  :mod:`web.pages.editor_migrate`.
* ``GET /editor/<key>/history`` (``?from=a&to=b``) — versions and the diff of two of them.
* deploy by file upload and roll-back to an earlier version: :mod:`web.pages.editor_upload`.

Process owners and admins only; other roles get the 403 page (the JSON routes a 403 JSON).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import (
    DYNAMIC_LANES,
    MAX_DOCUMENT_BYTES,
    TEAMS,
    DeployError,
    NotFound,
    Problem,
    ProcessVersionInfo,
)
from web import authz
from web.auth import Actor, page_login_required
from web.pages.common import bp, engine, page_actor
from web.pages.editor_i18n import editor_translations
from web.pages.editor_problems import problem_dicts

MAX_XML = MAX_DOCUMENT_BYTES  # the engine's own cap for one document
MAX_UPLOAD_FILES = 50  # files in one upload (as the API's deploy)


def _owner() -> Actor:
    actor = page_actor()
    authz.require(authz.can_edit_definitions(actor),
                  "only process owners and admins edit process definitions")
    return actor


def _versions(key: str) -> list[ProcessVersionInfo]:
    versions = engine().definitions.versions(key)
    if not versions or len(key) > 200:
        raise NotFound("no such process")
    return versions


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _problem_dicts(problems: list[Problem]) -> list[dict[str, Any]]:
    return problem_dicts(problems)  # in the page language (issue 15, point 13)


def _posted_xml() -> bytes | None:
    data = request.get_data(cache=False)
    if not data.strip() or len(data) > MAX_XML:
        return None
    return data


def _no_xml() -> ResponseReturnValue:
    return jsonify({"valid": False, "problems": [Problem("(none)", _(
        "No diagram was sent.")).to_dict()]}), 422


@bp.get("/editor")
@page_login_required
def editor_list() -> ResponseReturnValue:
    """Every deployed process, newest version first."""
    _owner()
    return render_template("editor/list.html", **editor_list_context())


def editor_list_context() -> dict[str, Any]:
    """What the editor list shows: every process with its newest version, and the drafts."""
    latest: dict[str, ProcessVersionInfo] = {}
    for v in engine().definitions.versions():
        if v.key not in latest or v.version > latest[v.key].version:
            latest[v.key] = v
    processes = sorted(latest.values(), key=lambda v: (v.name or v.key).casefold())
    return {"processes": processes, "drafts": engine().drafts.all(),
            "max_upload_files": MAX_UPLOAD_FILES, "max_upload_mib": MAX_XML // (1024 * 1024)}


@bp.get("/editor/<key>")
@page_login_required
def editor(key: str) -> ResponseReturnValue:
    """The modeler on the draft, if there is one, else on one version (the newest unless
    ``?version=``)."""
    _owner()
    versions = _versions(key)
    wanted = _int(request.args.get("version"))
    draft = engine().drafts.get(key)
    base = wanted or (draft.base_version if draft is not None else None)
    chosen = next((v for v in versions if v.version == base), versions[0])
    if request.args.get("version") and chosen.version != wanted:
        raise NotFound("no such version")
    on_draft = draft is not None and not request.args.get("version")
    return render_template("editor/editor.html", key=key, chosen=chosen, latest=versions[0],
                           versions=versions, text=_texts(), draft=draft, on_draft=on_draft,
                           teams=_teams(), translations=editor_translations())


def _teams() -> list[dict[str, Any]]:
    """The team registry for the lane select: key, lane name, German and English name."""
    return [{"key": t.key, "lane": t.lane_names[0], "name": t.name_de,
             "aliases": [*t.lane_names, t.key]} for t in TEAMS] + [
        {"key": "@" + var, "lane": lane, "name": lane, "aliases": [lane]}
        for lane, var in DYNAMIC_LANES.items()]


def _texts() -> dict[str, str]:
    return {"valid": _("No problems found."), "deployed": _("Deployed as version %(v)s."),
            "invalid": _("The check found %(n)s problem(s); see the list below."),
            "refused": _("The deploy was refused: %(n)s problem(s), see the list below. "
                         "Nothing was deployed."),
            "unchanged": _("Nothing changed: no new version."),
            "error": _("The request failed. Please try again."),
            "loadError": _("The diagram cannot be shown."),
            "noSelection": _("Select an element in the diagram."),
            "draftSaved": _("Draft saved (%(time)s)."),
            "draftStale": _("Someone saved this draft meanwhile. Reload the page to see it; "
                            "your changes were not saved."),
            "draftInvalid": _("The draft was not saved:"),
            "unknownLane": _("Unknown lane: %(name)s"),
            "slaInvalid": _("The SLA must be a whole number of working days from 1 to 9999.")}


@bp.get("/editor/<key>/<int:version>.bpmn")
@page_login_required
def editor_xml(key: str, version: int) -> ResponseReturnValue:
    """The BPMN source of one version (for the modeler)."""
    _owner()
    if _int(version) is None:
        raise NotFound("no such version")
    xml = engine().definitions.xml(key, version)
    return Response(xml, mimetype="application/xml",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@bp.post("/editor/<key>/validate")
@page_login_required
def editor_validate(key: str) -> ResponseReturnValue:
    """Run the deploy validation on the edited diagram; store nothing."""
    _owner()
    file_name = _versions(key)[0].file_name
    xml = _posted_xml()
    if xml is None:
        return _no_xml()
    problems = engine().definitions.validate({file_name: xml})
    return jsonify({"valid": not problems, "problems": _problem_dicts(problems)})


@bp.post("/editor/<key>/deploy")
@page_login_required
def editor_deploy(key: str) -> ResponseReturnValue:
    """Deploy the edited diagram under the process's file name."""
    actor = _owner()
    _versions(key)
    xml = _posted_xml()
    if xml is None:
        return _no_xml()
    try:
        result = engine().drafts.deploy(key, xml, actor=actor.username)
    except DeployError as err:
        return jsonify({"valid": False, "problems": _problem_dicts(err.problems)}), 422
    mine = [v for v in result.versions if v.key == key]
    new = [v for v in result.new_versions if v.key == key]
    version = (new or mine)[0].version if (new or mine) else None
    return jsonify({"valid": True, "version": version, "new": bool(new),
                    "versions": [{"key": v.key, "version": v.version}
                                 for v in result.new_versions]}), 201


@bp.get("/editor/<key>/history")
@page_login_required
def editor_history(key: str) -> ResponseReturnValue:
    """The versions of a process and the diff of two of them."""
    _owner()
    items = engine().definitions.history(key)
    numbers = [item["version"] for item in items]
    a, b = _int(request.args.get("from")), _int(request.args.get("to"))
    if a not in numbers or b not in numbers:
        a, b = (numbers[1], numbers[0]) if len(numbers) > 1 else (None, None)
    diff = engine().definitions.diff(key, a, b) if a and b and a != b else None
    return render_template("editor/history.html", key=key, items=items, numbers=numbers,
                           a=a, b=b, diff=diff, name=items[0]["name"] or key,
                           fields=diff_field_names(), draft=engine().drafts.get(key))


def diff_field_names() -> dict[str, str]:
    """Readable names of the fields the version diff compares."""
    return {"type": _("Element type"), "name": _("Name"), "lane": _("Lane (team)"),
            "timer": _("Timer"), "sla_days": _("SLA (working days)"),
            "condition": _("Condition"), "form": _("Form")}
