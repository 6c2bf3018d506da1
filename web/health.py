"""Liveness and readiness: is the app up, can it reach the database, what is deployed."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> ResponseReturnValue:
    """Report the engine time, the clock mode and the deployed processes."""
    engine = current_app.extensions["staffel"]
    versions = engine.definitions.versions()
    latest: dict[str, int] = {}
    for v in versions:
        latest.setdefault(v.key, v.version)
    return jsonify({"status": "ok", "now": engine.clock.now().isoformat(),
                    "clock": engine.clock.mode(), "processes": latest})
