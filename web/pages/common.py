"""What every page view shares: the blueprint, the engine, the actor, safe redirects, and error
pages (404 for what the user may not see, exactly as for what does not exist; never a trace).

CSRF is checked for every POST by Flask-WTF's ``CSRFProtect`` (set up in :mod:`web.auth`);
the forms carry ``csrf_token()`` in a hidden field.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine import Forbidden, NotFound, Staffel, Unavailable
from web.auth import Actor, session_actor

log = logging.getLogger("staffel.pages")
bp = Blueprint("pages", __name__)


def engine() -> Staffel:
    """The engine of the current app."""
    eng: Staffel = current_app.extensions["staffel"]
    return eng


def page_actor() -> Actor:
    """The logged-in actor (views are wrapped in ``page_login_required``)."""
    actor = session_actor()
    if actor is None:  # pragma: no cover - the decorator redirects first
        raise NotFound("not logged in")
    return actor


def is_htmx() -> bool:
    """True for a request htmx sent (it then wants a fragment, not a whole page)."""
    return request.headers.get("HX-Request") == "true"


def safe_next(target: str | None, default: str) -> str:
    """A local path to go to after an action; anything else (other hosts) becomes ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def wants_html() -> bool:
    """True for a page request (not the API, and the client accepts HTML)."""
    if request.path.startswith("/api/"):
        return False
    return request.accept_mimetypes.accept_html


def error_page(status: int, title: str, message: str) -> ResponseReturnValue:
    """Render the one error page."""
    return render_template("pages/error.html", status=status, title=title,
                           message=message), status


def not_found_page() -> ResponseReturnValue:
    """The 404 page (also for things the user may not see)."""
    return error_page(404, _("Page not found"),
                      _("This page does not exist, or you have no access to it. "
                        "Check the address or go back to your inbox."))


@bp.errorhandler(NotFound)
def _engine_not_found(_err: NotFound) -> ResponseReturnValue:
    return not_found_page()


@bp.errorhandler(Forbidden)
def _engine_forbidden(_err: Forbidden) -> ResponseReturnValue:
    return error_page(403, _("Not allowed"),
                      _("Your role does not allow this. Ask your team lead if you need it."))


@bp.errorhandler(Unavailable)
def _engine_unavailable(err: Unavailable) -> ResponseReturnValue:
    """The database is busy, read-only or unreachable: 503 with ``Retry-After``, the reason in
    the page language (the engine gives it in German and English), nothing was changed."""
    german = str(get_locale() or "de").startswith("de")
    page = render_template("pages/error.html", status=503, title=_("Not possible"),
                           message=err.message_de if german else err.message)
    return page, 503, {"Retry-After": str(err.retry_after)}


@bp.errorhandler(CSRFError)
def _csrf_error(_err: CSRFError) -> ResponseReturnValue:
    return error_page(400, _("The form has expired"),
                      _("For your security the form was not sent. Go back, reload the page "
                        "and try again."))


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> ResponseReturnValue:
    if err.code == 404:
        return not_found_page()
    if err.code == 405:
        return error_page(405, _("Not possible"), _("This address cannot be used like this."))
    return error_page(err.code or 500, _("Something went wrong"),
                      _("The request could not be handled. Please try again."))


@bp.errorhandler(Exception)
def _unexpected(_err: Exception) -> ResponseReturnValue:
    log.exception("unexpected error on a page")
    return error_page(500, _("Something went wrong"),
                      _("An error occurred on our side; nothing was changed. Please try "
                        "again later."))


def register_app_error_pages(app: Flask) -> None:
    """HTML 404/405 pages for unknown page addresses; other clients (the API) keep the answer
    of the handler that would have run otherwise."""
    def _fallback(err: HTTPException) -> ResponseReturnValue:
        for name in (*request.blueprints, None):
            handlers: dict[Any, Any] = app.error_handler_spec[name][None]
            for cls in type(err).__mro__:
                if cls in handlers:
                    result: ResponseReturnValue = handlers[cls](err)
                    return result
        return err

    def _page_or_fallback(err: HTTPException) -> ResponseReturnValue:
        if not wants_html():
            return _fallback(err)
        if err.code == 404:
            return not_found_page()
        return error_page(err.code or 500, _("Not possible"),
                          _("This address cannot be used like this."))

    app.register_error_handler(404, _page_or_fallback)
    app.register_error_handler(405, _page_or_fallback)
