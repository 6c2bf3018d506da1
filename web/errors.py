"""One JSON error shape for every failure: ``{"code", "message", "errors"}``; never a 500 page
with a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from engine.errors import (
    Conflict,
    DeployError,
    Forbidden,
    InvalidInput,
    NotFound,
    ScriptError,
    StaffelError,
)

log = logging.getLogger("staffel.web")
STATUS = {InvalidInput: 422, DeployError: 422, ScriptError: 422, NotFound: 404, Forbidden: 403,
          Conflict: 409}


def register_error_handlers(app: Flask) -> None:
    """Map engine errors and HTTP errors to JSON answers."""

    @app.errorhandler(StaffelError)
    def _engine_error(err: StaffelError) -> ResponseReturnValue:
        return jsonify(err.to_dict()), STATUS.get(type(err), 400)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> ResponseReturnValue:
        body = {"code": (err.name or "error").lower().replace(" ", "_"),
                "message": err.description or err.name, "errors": []}
        return jsonify(body), err.code or 500

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> ResponseReturnValue:
        log.exception("unexpected error")
        body = {"code": "internal_error",
                "message": "Something went wrong on our side; the change was not saved.",
                "errors": []}
        return jsonify(body), 500
