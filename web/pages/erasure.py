"""Erasure requests on pages (Art. 17 GDPR, four eyes; docs/privacy.md).

* ``GET|POST /cases/<id>/erasure`` — a team lead of a team with work on the case asks to erase
  the person's data (reason required; the case's earlier requests are listed); the case page
  links here (``may_request_erasure``).
* ``GET /admin/erasure`` — administrators: the pending requests (case numbers, reasons,
  requesters; never a person's data); ``POST /admin/erasure/<id>/approve|reject`` with a note.

Who may: :func:`web.authz.can_request_erasure`, :func:`web.authz.can_decide_erasure`; the
engine refuses the requester as approver (409) and a running case (409).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import Conflict, InvalidInput, NotFound
from web import authz
from web.auth import page_login_required
from web.pages.common import bp, engine, page_actor


@bp.app_template_global("may_request_erasure")
def may_request_erasure(case_id: str) -> bool:
    """For the case page: may the signed-in user request the erasure of this case's person."""
    actor = page_actor()
    return authz.can_request_erasure(engine(), actor, case_id)


@bp.app_template_global("case_erased_at")
def case_erased_at(case_id: str) -> object:
    """For the case page: when the person's data of the case was erased (None: not)."""
    return engine().erasure.erased_at(case_id)


def _requester(case_id: str) -> str:
    """The signed-in requester's name (404 when the case is not visible, 403 for the role)."""
    actor = page_actor()
    authz.require_erasure_requester(engine(), actor, case_id)
    return actor.username


def _form(case_id: str, error: str | None = None, reason: str = "",
          status: int = 200) -> ResponseReturnValue:
    eng = engine()
    info = eng.cases.get(case_id)
    return render_template("pages/erasure_request.html", case=info, error=error,
                           reason=reason, requests=eng.erasure.of_case(case_id),
                           erased_at=eng.erasure.erased_at(case_id)), status


@bp.get("/cases/<case_id>/erasure")
@page_login_required
def erasure_request_form(case_id: str) -> ResponseReturnValue:
    """The request form with the case's earlier requests."""
    _requester(case_id)
    return _form(case_id)


@bp.post("/cases/<case_id>/erasure")
@page_login_required
def erasure_request(case_id: str) -> ResponseReturnValue:
    """Ask for the erasure; 422 with the field error, 409 with the reason."""
    username = _requester(case_id)
    reason = request.form.get("reason", "")
    try:
        info = engine().erasure.request(case_id, reason, username)
    except InvalidInput as err:
        text = str(err.errors)
        message = (_("Give a reason.") if "required" in text
                   else _("The reason is too long (at most 500 characters).") if "at most" in text
                   else _("The reason must not contain the person's name, date of birth or "
                          "Aktenzeichen: the request is kept after the erasure."))
        return _form(case_id, message, reason[:500], 422)
    except Conflict as err:
        flash(_("Not possible: %(reason)s", reason=_conflict_text(err.message)), "error")
        return _form(case_id, None, reason[:500], 409)
    flash(_("Erasure request %(id)d for case %(case)s sent: an administrator decides it.",
            id=info.id, case=info.case_number), "success")
    return redirect(url_for("pages.case", case_id=case_id))


def _admin() -> str:
    actor = page_actor()
    if not authz.can_decide_erasure(actor):
        raise NotFound("no such page")
    return actor.username


def _pending(errors: dict[int, str] | None = None, notes: dict[int, str] | None = None,
             status: int = 200) -> ResponseReturnValue:
    return render_template("admin/erasure.html", requests=engine().erasure.pending(),
                           errors=errors or {}, notes=notes or {}), status


@bp.get("/admin/erasure")
@page_login_required
def erasure_requests() -> ResponseReturnValue:
    """The pending erasure requests (administrators)."""
    _admin()
    return _pending()


@bp.post("/admin/erasure/<int:request_id>/<any(approve, reject):decision>")
@page_login_required
def erasure_decide(request_id: int, decision: str) -> ResponseReturnValue:
    """Approve (the erasure runs now) or reject one request."""
    username = _admin()
    note = request.form.get("note", "")
    try:
        info = engine().erasure.decide(request_id, decision == "approve", username, note)
    except InvalidInput as err:
        message = (_("The note is too long (at most 500 characters).") if "at most"
                   in str(err.errors) else _("The note must not contain the person's name, "
                                             "date of birth or Aktenzeichen."))
        return _pending({request_id: message}, {request_id: note[:500]}, 422)
    except Conflict as err:
        flash(_("Not possible: %(reason)s", reason=_conflict_text(err.message)), "error")
        return _pending(status=409)
    if info.state == "approved":
        flash(_("Case %(case)s: the person's data is erased.", case=info.case_number),
              "success")
    else:
        flash(_("Case %(case)s: the erasure request was rejected.", case=info.case_number),
              "success")
    return redirect(url_for("pages.erasure_requests"))


def _conflict_text(message: str) -> str:
    """The engine's conflict in the page language."""
    if "four eyes" in message:
        return _("four eyes: another administrator must decide a request you made yourself")
    if "still running" in message:
        return _("the case is still running; its person's data can be erased once it has "
                 "ended")
    if "erased already" in message:
        return _("the person's data of this case is erased already")
    if "open erasure request" in message:
        return _("the case has an open erasure request")
    if "already" in message:
        return _("the request was decided already")
    return _("the case was changed at the same time; try again")


