"""Drafts in the process editor (one current draft per process, see
:mod:`engine.definitions.drafts`).

* ``GET /editor/<key>/draft.bpmn`` — the draft's XML (404 without a draft).
* ``POST /editor/<key>/draft?base=n&revision=r`` — the XML as body (CSRF token in
  ``X-CSRFToken``); 200 ``{revision, saved_by, saved_at, base_version}``; 422
  ``{code, message, errors: [{field, message}]}`` for bad input, 409 when the draft was saved
  by someone else since ``revision`` was loaded (0 = there was no draft).
* ``POST /editor/<key>/draft/discard`` — a form (``csrf_token``, ``revision``); back to the
  editor with a message.

Process owners and admins only.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import Conflict, InvalidInput, NotFound, StaffelError
from web.auth import page_login_required
from web.errors import status_of
from web.pages.common import bp, engine
from web.pages.editor import MAX_XML, _owner


def json_error(err: StaffelError) -> ResponseReturnValue:
    """The one JSON error shape for a failure of an editor's JSON route."""
    return jsonify(err.to_dict()), status_of(err)


def _number(value: str | None) -> Any:
    """A query value as int when it is one; otherwise as given (the engine names the field)."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return value


@bp.get("/editor/<key>/draft.bpmn")
@page_login_required
def editor_draft_xml(key: str) -> ResponseReturnValue:
    """The XML of the current draft."""
    _owner()
    draft = engine().drafts.get(key)
    if draft is None:
        raise NotFound("no draft")
    return Response(draft.xml, mimetype="application/xml",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@bp.post("/editor/<key>/draft")
@page_login_required
def editor_draft_save(key: str) -> ResponseReturnValue:
    """Save the posted XML as the draft (optimistic check on ``revision``)."""
    actor = _owner()
    if (request.content_length or 0) > MAX_XML:
        return json_error(InvalidInput("xml is too large", [
            {"field": "xml", "message": f"must be at most {MAX_XML // (1024 * 1024)} MiB"}]))
    xml = request.get_data(cache=False)
    try:
        draft = engine().drafts.save(key, xml, _number(request.args.get("base")),
                                    _number(request.args.get("revision")), actor.username)
    except StaffelError as err:
        return json_error(err)
    return jsonify({"revision": draft.revision, "saved_by": draft.saved_by,
                    "saved_at": draft.saved_at.isoformat(), "base_version": draft.base_version})


@bp.post("/editor/<key>/draft/discard")
@page_login_required
def editor_draft_discard(key: str) -> ResponseReturnValue:
    """Throw the draft away and open the newest version again."""
    actor = _owner()
    try:
        engine().drafts.discard(key, _number(request.form.get("revision")), actor.username)
    except (Conflict, InvalidInput) as err:
        flash(_("The draft was not discarded: it was changed meanwhile. Reload the page.")
              if isinstance(err, Conflict) else
              _("The draft was not discarded: the request was not valid."), "error")
    else:
        flash(_("The draft was discarded."), "success")
    return redirect(url_for("pages.editor", key=key))
