"""Security headers, session-cookie settings and request size caps (issue 14, holes 6 and 10).

* Every answer carries a Content-Security-Policy without ``'unsafe-inline'`` (the templates
  hold no inline script, no ``on…=`` handler and no ``style`` attribute; data for scripts
  travels in ``data-*`` attributes or ``<script type="application/json">`` blocks, which are
  never executed), ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff`` and
  ``Referrer-Policy: same-origin``. Everything but static files is ``Cache-Control:
  no-store``: pages and API answers may carry personal data.
* The session cookie is ``HttpOnly`` and ``SameSite=Lax``, and ``Secure`` (with HSTS) when
  the installation is served over HTTPS (setting ``HTTPS``, env ``STAFFEL_HTTPS=1``).
* Request bodies are capped per kind of route *before* they are read: Werkzeug compares
  ``Content-Length`` with ``request.max_content_length`` and answers 413 without reading a
  byte (a body without a length is cut off at the cap while it streams).
"""

from __future__ import annotations

from typing import IO

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from adapters.imports.model import MAX_IMPORT_BYTES
from engine import MAX_DOCUMENT_BYTES
from web.errors import http_error_body

MIB = 1024 * 1024
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",  # bpmn-js and dmn-js draw icons and exports as data URLs
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
#: dmn-js (the decision-table editor, pinned in package.json) writes style attributes while it
#: draws the table and its CodeMirror cell editor adds a <style> element: on that page alone,
#: styles may be inline (their ways out, images, fonts and connections, stay 'self');
#: scripts are never inline anywhere
DMN_EDITOR_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'")
POLICY_BY_ENDPOINT = {"pages.decision_editor": DMN_EDITOR_POLICY}
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # same-origin: Flask-WTF's HTTPS referrer check needs it
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"
#: endpoints of files that are the same for everybody (cacheable, no personal data)
STATIC_ENDPOINTS = frozenset({"static", "vendor.vendor_file", "api_reference.static"})

#: the cap of a request body by kind of route; every other request: ``DEFAULT_BODY_CAP``
DEFAULT_BODY_CAP = 256 * 1024  # forms and JSON bodies
IMPORT_BODY_CAP = MAX_IMPORT_BYTES + MIB  # one agency file (50 MiB) and the multipart frame
DOCUMENT_BODY_CAP = MAX_DOCUMENT_BYTES + MIB  # one diagram or DMN file from the editor (5 MiB)
DEFINITION_SET_BODY_CAP = 25 * MIB  # the API's deploy of a set of diagrams (each at most 5 MiB)
BODY_CAPS: dict[str, int] = {
    "imports.upload_import": IMPORT_BODY_CAP,
    "pages.import_upload": IMPORT_BODY_CAP,
    "definitions.deploy_definitions": DEFINITION_SET_BODY_CAP,
    "definitions.validate_definitions": DEFINITION_SET_BODY_CAP,
    "pages.editor_upload": DEFINITION_SET_BODY_CAP,  # the editor's upload form (issue 15)
    "test-run.test_run": DEFINITION_SET_BODY_CAP,
    "pages.editor_deploy": DOCUMENT_BODY_CAP,
    "pages.editor_validate": DOCUMENT_BODY_CAP,
    "pages.editor_draft_save": DOCUMENT_BODY_CAP,
    "pages.editor_test_run": DOCUMENT_BODY_CAP,
    "pages.decision_deploy": DOCUMENT_BODY_CAP,
    "pages.decision_validate": DOCUMENT_BODY_CAP,
}


def init_security(app: Flask) -> None:
    """Cookie settings, the body caps (registered before CSRF reads any form) and the headers.

    Call before anything else registers a ``before_request`` that may read the body.
    """
    # Flask's own defaults are there already (Secure off, SameSite None): only raise them
    https = bool(app.config.get("HTTPS"))
    app.config["SESSION_COOKIE_SECURE"] = https or bool(app.config["SESSION_COOKIE_SECURE"])
    app.config["REMEMBER_COOKIE_SECURE"] = https or bool(app.config.get("REMEMBER_COOKIE_SECURE"))
    app.config["SESSION_COOKIE_HTTPONLY"] = app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    for key in ("SESSION_COOKIE_SAMESITE", "REMEMBER_COOKIE_SAMESITE"):
        if app.config.get(key) not in ("Strict", "Lax"):
            app.config[key] = "Lax"
    # the largest cap is the app's default, so a request never goes uncapped
    app.config["MAX_CONTENT_LENGTH"] = max(BODY_CAPS.values())
    app.before_request(cap_request_body)
    app.after_request(add_security_headers)
    app.register_error_handler(RequestEntityTooLarge, too_large)


def body_cap(endpoint: str | None) -> int:
    """The largest request body the endpoint accepts, in bytes."""
    return BODY_CAPS.get(endpoint or "", DEFAULT_BODY_CAP)


def cap_request_body() -> None:
    """Set this request's cap; refuse at once when ``Content-Length`` says it is larger. A
    body without a length (chunked) is counted while it streams and refused at the cap."""
    cap = body_cap(request.endpoint)
    if request.content_length is not None:
        request.max_content_length = cap
        if request.content_length > cap:
            raise RequestEntityTooLarge()
    elif request.environ.get("wsgi.input_terminated"):
        # Werkzeug stops quietly at its maximum and hands on a cut body; one byte more lets
        # it ask for the byte beyond the cap, which the wrapper refuses with 413
        request.environ["wsgi.input"] = CappedInput(request.environ["wsgi.input"], cap)
        request.max_content_length = cap + 1


class CappedInput:
    """A WSGI input that raises 413 as soon as more than ``cap`` bytes come through."""

    def __init__(self, stream: IO[bytes], cap: int) -> None:
        self._stream, self._cap, self._read = stream, cap, 0

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (at most one beyond the cap, then 413)."""
        allowed = self._cap + 1 - self._read
        data = self._stream.read(allowed if size < 0 else min(size, allowed))
        self._read += len(data)
        if self._read > self._cap:
            raise RequestEntityTooLarge()
        return data


def add_security_headers(response: Response) -> Response:
    """Add the security headers; ``no-store`` on everything but static files."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint in POLICY_BY_ENDPOINT:
        response.headers["Content-Security-Policy"] = POLICY_BY_ENDPOINT[request.endpoint]
    if request.endpoint not in STATIC_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    if request.is_secure or _https():
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def _https() -> bool:
    from flask import current_app

    return bool(current_app.config.get("HTTPS"))


def too_large(err: RequestEntityTooLarge) -> ResponseReturnValue:
    """413: a German page for page requests, the one JSON error shape for everything else."""
    from flask_babel import gettext as _

    from web.pages.common import error_page, wants_html

    cap = body_cap(request.endpoint)
    size = f"{cap // MIB} MiB" if cap >= MIB else f"{cap // 1024} KiB"
    if wants_html():
        return error_page(413, _("Too large"),
                          _("The data sent is larger than %(size)s and was not accepted.",
                            size=size))
    body = http_error_body(err)
    body["message"] = f"the request body is larger than {size}; nothing was read or changed"
    return jsonify(body), 413
