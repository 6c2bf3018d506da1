"""The Klärfälle page of the Eingangszone: rows of agency files that found no case (see
:mod:`web.pages.imports` for the routes and who may use them)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import Conflict, InvalidInput, MessageNotUsable
from web import personal_data
from web.auth import page_login_required
from web.pages.common import bp, engine, page_actor
from web.pages.imports_access import PER_PAGE, allowed_with_people, page_arg

STATES = ("open", "resolved", "discarded")


def _list(state: str = "open", errors: dict[int, dict[str, str]] | None = None,
          values: dict[int, dict[str, str]] | None = None,
          status: int = 200) -> ResponseReturnValue:
    page = engine().imports.clarifications(state, page_arg(), PER_PAGE)
    personal_data.log_clarification_reads(engine(), page_actor(), page.items,
                                          personal_data.PAGE)
    return render_template("imports/clarifications.html", page=page, state=state,
                           states=STATES, errors=errors or {}, values=values or {},
                           pages=max(1, -(-page.total // PER_PAGE))), status


@bp.get("/imports/clarifications")
@page_login_required
def clarifications() -> ResponseReturnValue:
    """Open (or decided) clarifications."""
    allowed_with_people()
    state = request.args.get("state", "open")
    return _list(state if state in STATES else "open")


@bp.post("/imports/clarifications/<int:clarification_id>/resolve")
@page_login_required
def clarification_resolve(clarification_id: int) -> ResponseReturnValue:
    """Deliver the row to the case with the number given."""
    actor = allowed_with_people()
    number = request.form.get("case_number", "")[:60]
    alternative = request.form.get("alternative", "")[:5]
    try:
        receipt = engine().imports.resolve(clarification_id, number, actor.username,
                                           alternative)
    except InvalidInput as err:
        field = err.errors[0].get("field", "case_number") if err.errors else "case_number"
        message = (_("There is no case with this number.") if "no such case" in str(err.errors)
                   else _("Enter a case number.") if "required" in str(err.errors)
                   else _("Choose Alt. 1 or Alt. 2.") if "must be 1 or 2" in str(err.errors)
                   else _("§25(2) without Alt. 1 or 2, and the case's stage does not tell "
                          "which. Choose the alternative (ask the Ausländerbehörde)."))
        return _list(errors={clarification_id: {field: message}},
                     values={clarification_id: {"case_number": number,
                                                "alternative": alternative}}, status=422)
    except MessageNotUsable as err:
        stage = (err.errors[0].get("stage") if err.errors else None) or "?"
        flash(_("Not possible: case %(case)s (stage %(stage)s) can no longer use this "
                "message.", case=number, stage=stage), "error")
        return _list(status=409)
    except Conflict as err:
        flash(_("Not possible: %(reason)s", reason=_conflict_text(err.message)), "error")
        return _list(status=409)
    if receipt.outcome == "buffered":
        flash(_("Kept for case %(case)s: it is used as soon as the case gets there.",
                case=receipt.case.case_number), "success")
    else:
        flash(_("Delivered to case %(case)s.", case=receipt.case.case_number), "success")
    return redirect(url_for("pages.clarifications"))


@bp.post("/imports/clarifications/<int:clarification_id>/discard")
@page_login_required
def clarification_discard(clarification_id: int) -> ResponseReturnValue:
    """Close a clarification without delivering anything."""
    actor = allowed_with_people()
    reason = request.form.get("reason", "")
    try:
        engine().imports.discard(clarification_id, reason, actor.username)
    except InvalidInput as err:
        message = (_("Give a reason.") if "required" in str(err.errors)
                   else _("The reason is too long (at most 500 characters)."))
        return _list(errors={clarification_id: {"reason": message}},
                     values={clarification_id: {"reason": reason[:500]}}, status=422)
    except Conflict as err:
        flash(_("Not possible: %(reason)s", reason=_conflict_text(err.message)), "error")
        return _list(status=409)
    flash(_("The row was discarded."), "success")
    return redirect(url_for("pages.clarifications"))


def _conflict_text(message: str) -> str:
    if "already" in message:
        return _("the clarification was decided already")
    return _("the case was changed at the same time; try again")
