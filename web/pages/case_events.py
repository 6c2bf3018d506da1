"""Outside events recorded by hand on the case page (issue 12): where no file comes, the team
expected to act enters "Aufenthaltserlaubnis erteilt (§25(2) Alt. 1, gültig bis …)" itself.

* ``GET /cases/<id>/events/<message>`` — the form, rendered from the message's JSON Schema
* ``POST /cases/<id>/events/<message>`` — record it: the same validation, keeping and audit
  as ``POST /api/v1/messages`` (source ``hand``, ``recorded_by`` in the audit); 422 with the
  fields for bad input, 409 when the case can no longer use the message

Who may record which message is one table, :data:`web.authz.RECORDERS`; the case must be
one the user's teams work on. Everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import Conflict, InvalidInput, MessageNotUsable, NotFound, Staffel
from web import authz
from web.auth import Actor, page_login_required
from web.forms_render import build_fields, field_errors, parse_form
from web.pages.common import bp, engine, page_actor
from web.pages.labels import message_label

HAND = "hand"


def recordable(eng: Staffel, actor: Actor, case_id: str) -> list[tuple[str, str]]:
    """(message, label) of the outside events this user may record for this case now."""
    if not any(authz.can_record(actor, name) for name in authz.RECORDERS):
        return []
    return [(name, message_label(name)) for name in eng.messages.usable(case_id)
            if authz.can_record(actor, name)]


def _allowed(case_id: str, message: str) -> tuple[Staffel, Actor, dict[str, Any]]:
    eng, actor = engine(), page_actor()
    authz.require_case_visible(eng, actor, case_id)
    if not authz.can_record(actor, message) or message not in eng.messages.usable(case_id):
        raise NotFound("no such page")
    return eng, actor, eng.messages.schema(case_id, message) or {}


def _render(eng: Staffel, case_id: str, message: str, schema: dict[str, Any],
            values: dict[str, Any], errors: dict[str, str] | None = None,
            general: list[str] | None = None, status: int = 200) -> ResponseReturnValue:
    case = eng.cases.get(case_id)
    waiting = next((w for w in case.waiting_for if w.message == message), None)
    return render_template(
        "pages/case_event.html", case=case, message=message, label=message_label(message),
        schema=schema, fields=build_fields(schema, values, errors), waiting=waiting,
        field_errors=errors or {}, general_errors=general or []), status


@bp.get("/cases/<case_id>/events/<message>")
@page_login_required
def case_event(case_id: str, message: str) -> ResponseReturnValue:
    """The form to record an outside event for a case by hand."""
    eng, _actor, schema = _allowed(case_id, message)
    return _render(eng, case_id, message, schema, {})


@bp.post("/cases/<case_id>/events/<message>")
@page_login_required
def record_case_event(case_id: str, message: str) -> ResponseReturnValue:
    """Record the event: delivered to the waiting case or kept until it gets there."""
    eng, actor, schema = _allowed(case_id, message)
    payload, raw = parse_form(schema, request.form)
    try:
        receipt = eng.messages.receive(message, payload, case_id=case_id,
                                       actor=actor.username, source=HAND, summary=False)
    except InvalidInput as err:
        errors = [{**e, "field": str(e.get("field", "")).removeprefix("payload.")}
                  for e in err.errors]
        by_field, general = field_errors(errors, set(schema.get("properties") or {}))
        return _render(eng, case_id, message, schema, raw, by_field, general, status=422)
    except (MessageNotUsable, Conflict):
        return _render(eng, case_id, message, schema, raw, None, [
            _("The case can no longer use this message (it is closed or has moved on). "
              "Nothing was recorded.")], status=409)
    label = message_label(message)
    if receipt.outcome == "buffered":
        flash(_("“%(label)s” recorded and kept: it is used as soon as the case gets there.",
                label=label), "success")
    else:
        flash(_("“%(label)s” recorded: the case goes on.", label=label), "success")
    return redirect(url_for("pages.case", case_id=case_id) + "#waits")
