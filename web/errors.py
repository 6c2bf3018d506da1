"""One JSON error shape for every failure: ``{"code", "message", "errors"}``; never a 500 page
with a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from engine import (
    Conflict,
    DeployError,
    Forbidden,
    InvalidInput,
    KeysError,
    NotFound,
    ScriptError,
    StaffelError,
    Unavailable,
)
from web import form_messages
from web.i18n import load_catalogue

log = logging.getLogger("staffel.web")
REQUEST_LOCATIONS = {"json", "query", "path", "form", "headers", "cookies", "files", "view_args",
                     "json_or_form", "querystring"}
# KeysError: the installation's keys do not open the data (a missing key after a change):
# the service cannot answer until an operator fixes the configuration
STATUS = {InvalidInput: 422, DeployError: 422, ScriptError: 422, NotFound: 404, Forbidden: 403,
          Conflict: 409, Unavailable: 503, KeysError: 503}


def register_error_handlers(app: Flask) -> None:
    """Map engine errors and HTTP errors to JSON answers."""

    @app.errorhandler(StaffelError)
    def _engine_error(err: StaffelError) -> ResponseReturnValue:
        body = err.to_dict()
        body["errors"] = [_with_field(e) for e in body["errors"]]
        if isinstance(err, InvalidInput) and form_messages.has_codes(body["errors"]):
            # form checks: every field's reason in the caller's language
            lang = form_messages.api_language()
            body["errors"] = form_messages.translate_errors(body["errors"], lang)
            body["message"] = load_catalogue(lang).gettext(body["message"])
        german = getattr(err, "message_de", None)
        if german and request.accept_languages.best_match(["en", "de"]) == "de":
            body["message"] = german  # reasons a person acts on, in the caller's language
        return jsonify(body), status_of(err), retry_after(err)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> ResponseReturnValue:
        return http_error_body(err), err.code or 500, _extra_headers(err)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> ResponseReturnValue:
        log.exception("unexpected error")
        body = {"code": "internal_error",
                "message": "Something went wrong on our side; the change was not saved.",
                "errors": []}
        return jsonify(body), 500


def status_of(err: StaffelError) -> int:
    """The HTTP status of an engine error, by its class or the nearest base class that has
    one (a ``MessageNotUsable`` is a ``Conflict``: 409)."""
    return next((STATUS[c] for c in type(err).__mro__ if c in STATUS), 400)


def retry_after(err: StaffelError) -> dict[str, str]:
    """``Retry-After`` for a database that is busy, read-only or unreachable (503)."""
    if isinstance(err, Unavailable):
        return {"Retry-After": str(err.retry_after)}
    return {}


def http_error_body(err: HTTPException) -> dict[str, Any]:
    """The one error shape for an HTTP error, including webargs/flask-smorest validation
    errors (their nested ``messages`` become ``[{field, message}]``)."""
    data = getattr(err, "data", None) or {}
    errors = flatten_messages(data.get("errors", data.get("messages", {})))
    code = "invalid_input" if err.code == 422 else (err.name or "error").lower().replace(" ", "_")
    message = data.get("message") or (
        "the request is not valid" if err.code == 422 else err.description or err.name)
    if err.code == 400 and errors:
        message = "the request body is not valid JSON" if any(
            e["message"] == "Invalid JSON body." for e in errors) else message
    return {"code": code, "message": message, "errors": errors}


def flatten_messages(messages: Any, path: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Turn marshmallow's nested ``{location: {field: {sub: [msg]}}}`` into ``[{field, message}]``.

    The request location (json, query, ...) is dropped; ``_schema`` errors belong to the
    enclosing object (``(root)`` at the top).
    """
    if isinstance(messages, str):
        return [{"field": ".".join(path) or "(root)", "message": messages}]
    if isinstance(messages, list | tuple):
        out: list[dict[str, str]] = []
        for item in messages:
            out.extend(flatten_messages(item, path))
        return out
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            if key == "_schema" or (not path and key in REQUEST_LOCATIONS):
                out.extend(flatten_messages(value, path))
            else:
                out.extend(flatten_messages(value, (*path, str(key))))
        return out
    return [{"field": ".".join(path) or "(root)", "message": str(messages)}]


def _extra_headers(err: HTTPException) -> list[tuple[str, str]]:
    """Keep WWW-Authenticate, Allow, Retry-After...; drop the HTML content type."""
    return [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]


def _with_field(error: dict[str, Any]) -> dict[str, Any]:
    """Every error entry names a ``field``: deploy and script problems name their element,
    file or line instead."""
    if "field" in error:
        return error
    where = error.get("element_id") or error.get("file") or (
        f"line {error['line']}" if error.get("line") else "(root)")
    return {"field": str(where), **error}
