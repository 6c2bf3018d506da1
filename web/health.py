"""Liveness and readiness: is the app up, can it reach the database, what is deployed.

* ``GET /health/live``: the process answers (no database access at all): 200.
* ``GET /health/ready``: the database is reachable, its schema at the newest migration and it
  takes writes, each probed with a short bounded wait: 200 with the details, or 503 with
  ``Retry-After`` and the reason (``unreachable``, ``busy``, ``read_only``, ``migrations``).
  Beside it the timer scheduler's heartbeat: ``scheduler.age_seconds`` since any scheduler
  last swept (None: never), ``stale`` past two minutes. A stale heartbeat makes the process
  not ready (reason ``scheduler``) only where a scheduler is expected: ``staffel serve``
  running its own (without ``--no-scheduler``) or ``STAFFEL_EXPECT_SCHEDULER=1``. Web
  processes beside separate ``staffel scheduler`` processes stay ready when those stop (a
  load balancer must not take the whole site away for it): alert on the metric
  ``staffel_scheduler_heartbeat_age_seconds`` instead, or set the variable on the monitor.
* ``GET /health``: the engine time, the clock mode and the deployed processes (as before);
  503 with the reason when the database cannot be read.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from engine import DatabaseState, Staffel, Unavailable

bp = Blueprint("health", __name__)
#: seconds the readiness probe waits for the database at most (per step)
READY_TIMEOUT = 1.0
#: seconds a load balancer should wait before asking again when not ready
READY_RETRY_AFTER = 5


def _engine() -> Staffel:
    engine: Staffel = current_app.extensions["staffel"]
    return engine


@bp.get("/health")
def health() -> ResponseReturnValue:
    """Report the engine time, the clock mode and the deployed processes."""
    engine = _engine()
    try:
        versions = engine.definitions.versions()
        now = engine.clock.now()
    except Unavailable as err:
        return (jsonify({"status": "unavailable", "reason": err.reason,
                         "message": err.message}), 503,
                {"Retry-After": str(err.retry_after)})
    latest: dict[str, int] = {}
    for v in versions:
        latest.setdefault(v.key, v.version)
    return jsonify({"status": "ok", "now": now.isoformat(),
                    "clock": engine.clock.mode(), "processes": latest})


@bp.get("/health/live")
def live() -> ResponseReturnValue:
    """The process is up and answers; the database is not touched."""
    return jsonify({"status": "live"})


@bp.get("/health/ready")
def ready() -> ResponseReturnValue:
    """Whether this process can do work now: database reachable, migrated, writable (and the
    timer scheduler's heartbeat fresh where one is expected)."""
    engine = _engine()
    state: DatabaseState = engine.database_state(READY_TIMEOUT)
    expected = bool(current_app.config.get("EXPECT_SCHEDULER"))
    scheduler: dict[str, Any] = {"expected": expected, "age_seconds": None, "stale": None}
    ready, reason = state.ready, state.reason
    if state.ready:
        try:
            age, stale = engine.health.timer_beat()
        except Unavailable:
            age, stale = None, True
        scheduler.update(age_seconds=None if age is None else round(age, 1), stale=stale)
        if expected and stale:
            ready, reason = False, "scheduler"
    body: dict[str, Any] = {"status": "ready" if ready else "unavailable",
                            "database": state.to_dict(), "scheduler": scheduler}
    if ready:
        return jsonify(body)
    body["reason"] = reason
    return jsonify(body), 503, {"Retry-After": str(READY_RETRY_AFTER)}
