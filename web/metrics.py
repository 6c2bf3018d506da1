"""``GET /metrics``: Prometheus figures of the serving processes and of the database.

Counted in the processes (``prometheus_client``; across gunicorn workers and the master's
scheduler in multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR`` set by ``staffel serve``):

* ``staffel_http_request_duration_seconds{route,method,status}``: latency per URL rule (never
  the raw path), method and status class (``2xx`` …);
* ``staffel_task_completions_total``, ``staffel_import_rows_total{outcome}`` and
  ``staffel_engine_events_total{event}`` from the engine's committed audit events;
* ``staffel_timer_lag_seconds``: wall time of firing minus the timer's due time (system clock
  only; a simulated clock fires timers when it is moved, lag means nothing there).

Read from the database at each scrape (one grouped query each): ``staffel_timers_due``,
``staffel_timers_overdue``, ``staffel_tasks_overdue{team}`` and
``staffel_scheduler_heartbeat_age_seconds{worker,job}``; ``staffel_database_up`` is 0 when
the database could not be read (the other database figures are then missing).

Access: from a loopback address (and no ``X-Forwarded-For``/``Forwarded`` header unless
``STAFFEL_TRUSTED_PROXIES`` resolved it), or with ``Authorization: Bearer
$STAFFEL_METRICS_TOKEN``; anyone else gets 404, as if there were no such page.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from engine import EngineEvent, Staffel, StaffelError

bp = Blueprint("metrics", __name__)

REQUEST_SECONDS = Histogram(
    "staffel_http_request_duration_seconds", "Time to answer a request, per URL rule",
    ["route", "method", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
TASK_COMPLETIONS = Counter("staffel_task_completions", "Human tasks completed")
IMPORT_ROWS = Counter("staffel_import_rows", "Agency file lines imported, by outcome",
                      ["outcome"])
ENGINE_EVENTS = Counter("staffel_engine_events", "Committed audit events, by kind", ["event"])
TIMER_LAG = Histogram(
    "staffel_timer_lag_seconds", "Wall time of firing minus the timer's due time",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0))
IMPORT_ROW_PREFIX = "import_row_"


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request in the latency histogram."""
    REQUEST_SECONDS.labels(route, method, f"{status // 100}xx").observe(seconds)


def observe_event(event: EngineEvent) -> None:
    """Count one committed engine event (task completions, import rows, timer lag)."""
    ENGINE_EVENTS.labels(event.action).inc()
    if event.action == "task_completed":
        TASK_COMPLETIONS.inc()
    elif event.action.startswith(IMPORT_ROW_PREFIX):
        IMPORT_ROWS.labels(event.action.removeprefix(IMPORT_ROW_PREFIX)).inc()
    elif event.action == "timer_fired" and event.due_at is not None and not event.simulated:
        TIMER_LAG.observe(max(0.0, (datetime.now(UTC) - event.due_at).total_seconds()))


class DatabaseCollector:
    """The figures read from the database at each scrape (no state kept in the process)."""

    def __init__(self, engine: Staffel) -> None:
        self.engine = engine

    def collect(self) -> Iterable[Metric]:
        """Query the figures and yield them as gauges."""
        up = GaugeMetricFamily("staffel_database_up", "1 when the database could be read")
        try:
            figures = self.engine.health.figures()
        except StaffelError:  # unavailable: say so, never fail the scrape
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("staffel_timers_due", "Timers due now and not fired",
                                value=figures.timers_due)
        yield GaugeMetricFamily("staffel_timers_overdue",
                                "Timers due more than five minutes ago and not fired",
                                value=figures.timers_overdue)
        teams = GaugeMetricFamily("staffel_tasks_overdue", "Open tasks past their due time",
                                  labels=["team"])
        for team, count in sorted(figures.overdue_tasks.items()):
            teams.add_metric([team], count)
        yield teams
        beats = GaugeMetricFamily("staffel_scheduler_heartbeat_age_seconds",
                                  "Seconds since a scheduler last ran a job",
                                  labels=["worker", "job"])
        for (worker, job), age in sorted(figures.beat_ages.items()):
            beats.add_metric([worker, job], age)
        yield beats


class _Delegate:
    """A registry's metrics as one collector (the single-process default registry)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        """The delegated registry's metrics."""
        return self.registry.collect()


def _local_request() -> bool:
    """From a loopback address, not relayed by a proxy we were not told to trust."""
    if not current_app.config.get("TRUSTED_PROXIES") and (
            "X-Forwarded-For" in request.headers or "Forwarded" in request.headers):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _token_matches() -> bool:
    expected = str(current_app.config.get("METRICS_TOKEN") or "")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8"), expected.encode("utf-8"))


@bp.get("/metrics")
def metrics() -> Response:
    """The Prometheus text format: process counters plus the database figures."""
    if not (_token_matches() or _local_request()):
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Delegate(REGISTRY))
    registry.register(DatabaseCollector(current_app.extensions["staffel"]))
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def attach_observers(engine: Staffel) -> None:
    """Count ``engine``'s committed events (adding it twice counts once)."""
    engine.observe(observe_event)


def init_metrics(app: Flask) -> None:
    """Register ``/metrics`` and count the app engine's events."""
    attach_observers(app.extensions["staffel"])
    app.register_blueprint(bp)
