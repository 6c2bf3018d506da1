"""Log lines of a serving process: one per request, one per engine event, text or JSON.

* **Requests** (logger ``staffel.access``, the access log): method, route (the URL rule such as
  ``/api/v1/tasks/<task_id>/complete``, never the raw path or its query string, which may hold
  a searched name), status, duration in milliseconds and a pseudonymous user id: a keyed hash
  of the username (``u-`` and 12 hex digits, keyed with the app's secret key), so one user's
  requests can be followed without the log naming anybody.
* **Engine events** (logger ``staffel.events``): the audit event's kind with the case, instance,
  element and task ids, written after the transaction committed; never the event's details,
  which may describe a person.
* ``STAFFEL_LOG_FORMAT=json`` writes one JSON object per line (``ts``, ``level``, ``logger``,
  ``msg`` and the fields); ``text`` (the default) one readable line with ``key=value`` pairs.

:func:`configure_logging` is called by ``staffel serve`` (and ``staffel scheduler``) only; apps
made by ``create_app`` in tests log through whatever the test configured.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import logging.handlers
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, current_app, g, request
from werkzeug.wsgi import ClosingIterator

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from engine import EngineEvent

ACCESS_LOGGER = "staffel.access"
EVENT_LOGGER = "staffel.events"
FORMATS = ("text", "json")
#: the environ keys the app fills in for the request line (route rule, user pseudonym)
ROUTE_KEY, USER_KEY = "staffel.route", "staffel.user"
UNMATCHED_ROUTE = "<unmatched>"
#: per-request, per-task and per-sweep chatter kept below INFO (SpiffWorkflow's lines may
#: carry task data; Werkzeug's carry query strings)
NOISY_LOGGERS = ("werkzeug", "apscheduler", "alembic", "spiff", "SpiffWorkflow")
#: only these ids of an engine event are logged (pseudonymous: uuids, numbers, element ids)
EVENT_IDS = ("case_id", "instance_id", "element_id", "task_id", "team")

RequestObserver = Callable[[str, str, int, float], None]  # (method, route, status, seconds)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name,
            "msg": record.getMessage()}
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time level logger message key=value …`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one readable line."""
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        fields = " ".join(f"{k}={v}" for k, v in (getattr(record, "fields", None) or {}).items())
        text = f"{stamp} {record.levelname} {record.name} {record.getMessage()}"
        text = f"{text} {fields}" if fields else text
        if record.exc_info:
            text = f"{text}\n{self.formatException(record.exc_info)}"
        return text


def formatter(fmt: str) -> logging.Formatter:
    """The formatter of ``STAFFEL_LOG_FORMAT`` (``text`` or ``json``)."""
    if fmt not in FORMATS:
        raise ValueError(f"STAFFEL_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure_logging(fmt: str = "text", access_log: str | None = "-") -> None:
    """Send every ``staffel.*`` and gunicorn line to stderr and the request lines to
    ``access_log`` (``-``: stdout, a path: that file, reopened when rotated; None: nowhere),
    all in format ``fmt``. Werkzeug's own request lines (which carry query strings) are
    silenced: the access log replaces them."""
    form = formatter(fmt)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    errors = logging.StreamHandler(sys.stderr)
    errors.setFormatter(form)
    root.addHandler(errors)
    root.setLevel(logging.INFO)
    access = logging.getLogger(ACCESS_LOGGER)
    for handler in list(access.handlers):
        access.removeHandler(handler)
    access.propagate = False
    access.setLevel(logging.INFO)
    if access_log:
        target: logging.Handler = (logging.StreamHandler(sys.stdout) if access_log == "-"
                                   else logging.handlers.WatchedFileHandler(access_log))
        target.setFormatter(form)
        access.addHandler(target)
    else:
        access.addHandler(logging.NullHandler())
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def pseudonym(secret: str | bytes, username: str) -> str:
    """A stable pseudonymous id of a user: ``u-`` and 12 hex digits of a keyed hash."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, b"user:" + username.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"u-{digest[:12]}"


def log_engine_event(event: EngineEvent) -> None:
    """Write one ``staffel.events`` line for a committed audit event (ids only)."""
    fields: dict[str, Any] = {"event": event.action}
    fields.update({k: v for k in EVENT_IDS if (v := getattr(event, k)) is not None})
    logging.getLogger(EVENT_LOGGER).info("event", extra={"fields": fields})


def _note_route_and_user(response: Response) -> Response:
    """Put this request's URL rule and user pseudonym where the request line finds them.
    The user is only taken when the request looked it up already (no extra session load)."""
    environ = request.environ
    environ[ROUTE_KEY] = request.url_rule.rule if request.url_rule else UNMATCHED_ROUTE
    actor = g.get("staffel_token_actor")
    if actor is None:
        login = g.get("_login_user")  # Flask-Login's cache of this request's user
        actor = getattr(login, "actor", None)
    if actor is not None:
        environ[USER_KEY] = pseudonym(current_app.config["SECRET_KEY"], actor.username)
    return response


class RequestTimer:
    """WSGI middleware: times each request until its body is sent, writes the request line
    and tells the observers (the metrics) method, route, status and duration."""

    def __init__(self, app: WSGIApplication, observers: list[RequestObserver]) -> None:
        self.app = app
        self.observers = observers
        self.log = logging.getLogger(ACCESS_LOGGER)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse
                 ) -> Iterable[bytes]:
        """Run the app; the line is written when the server closes the response."""
        started = time.perf_counter()
        status: list[int] = [500]

        def start(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[0] = int(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info)

        def done() -> None:
            self.finished(environ, status[0], time.perf_counter() - started)

        return ClosingIterator(self.app(environ, start), [done])

    def finished(self, environ: WSGIEnvironment, status: int, seconds: float) -> None:
        """Write the request line and feed the observers (their failures are logged only)."""
        method = str(environ.get("REQUEST_METHOD", "-"))
        route = str(environ.get(ROUTE_KEY) or UNMATCHED_ROUTE)
        fields = {"method": method, "route": route, "status": status,
                  "ms": round(seconds * 1000, 2), "user": environ.get(USER_KEY, "-")}
        self.log.info("request", extra={"fields": fields})
        for observe in self.observers:
            try:
                observe(method, route, status, seconds)
            except Exception:  # a metrics failure never fails a request
                logging.getLogger("staffel.web").exception("request observer failed")


def init_request_log(app: Flask, observers: list[RequestObserver]) -> None:
    """Install the request line (and the observers, e.g. the latency histogram) on ``app``."""
    app.after_request(_note_route_and_user)
    app.wsgi_app = RequestTimer(app.wsgi_app, observers)  # type: ignore[method-assign]
