"""REST API v1 (``/api/v1``): flask-smorest blueprints, the generated OpenAPI spec at
``/api/openapi.json`` and a server-rendered reference page at ``/api/docs`` (no CDN, no
JavaScript: see docs/adr/0005-api-auth-authorization-docs.md).

Errors of the API keep the one shape of :mod:`web.errors` (``{code, message, errors}``):
flask-smorest's own handler is switched off and its 400/422 answers are flattened there.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from web.api.schemas import ErrorSchema

API_CONFIG: dict[str, Any] = {
    "API_TITLE": "Staffel API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": "Cases, tasks, messages and the clock of the Staffel engine. "
                                "Authenticate with POST /api/v1/auth/token, then send "
                                "'Authorization: Bearer <token>'."},
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer"}}},
    },
}


class StaffelApi(Api):
    """flask-smorest's Api with Staffel's error schema and without its own error handler."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        """Errors are answered by :mod:`web.errors` in the one shape."""


def init_api(app: Flask) -> StaffelApi:
    """Register the API v1 blueprints and the docs page; exempt the API from CSRF."""
    from web.api import (
        cases,
        definitions,
        docs,
        erasure,
        imports,
        misc,
        outbound,
        supervisor,
        task_work,
        tasks,
        testrun,
        tokens,
    )

    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = StaffelApi(app)
    csrf = app.extensions.get("staffel_csrf")
    for module in (tokens, cases, tasks, task_work, misc, supervisor, definitions, outbound,
                   testrun, imports, erasure):
        api.register_blueprint(module.blp)
        if csrf is not None:
            csrf.exempt(module.blp)  # bearer tokens only: no cookies, so no CSRF
    app.register_blueprint(docs.bp)
    app.extensions["staffel_api"] = api
    return api
