"""``staffel serve`` in production: gunicorn over the Flask app, prepared once in the master.

The master process creates the app (migrations, deployment of ``bpmn/``, the demo data with
``--demo``), closes the app's database connections and only then forks the workers, which
inherit the ready app (no worker migrates or deploys). The in-process timer scheduler runs once,
in the master (gunicorn's ``when_ready``/``on_exit`` hooks), over an engine of its own, never in
the workers.

* Workers: ``--threads 1`` gives gunicorn's ``sync`` workers, more threads ``gthread``.
* ``SIGTERM``/``SIGINT``: graceful stop; in-flight requests finish (up to ``--graceful-timeout``
  seconds) and the master exits 0. ``SIGHUP``: new workers start, the old ones finish their
  requests and stop (the code loaded in the master stays; a new release needs a restart).
  A worker that dies or is stopped is replaced by the master.
* ``--timeout``: a worker silent that long is killed and replaced. With sync workers that is
  a request running (or a client sending its body) longer than the timeout; gthread workers
  answer from their main loop, so there it catches a stuck worker, not one slow request.
* Metrics: ``PROMETHEUS_MULTIPROC_DIR`` (a fresh private directory unless given; old files in a
  given one are removed at start) collects every process's counters for ``/metrics``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from flask import Flask
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from web.logging_setup import formatter

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class ServeOptions:
    """What ``staffel serve`` was asked for (the defaults are the command's)."""

    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    threads: int = 4
    timeout: int = 60
    graceful_timeout: int = 30


class Scheduler(Protocol):
    """What the master runs beside the workers: something with ``start`` and ``shutdown``."""

    def start(self) -> None:
        """Start firing timers."""

    def shutdown(self) -> None:
        """Stop firing timers."""


def prepare_metrics_dir() -> Callable[[], None]:
    """Set ``PROMETHEUS_MULTIPROC_DIR`` to a fresh private directory (or empty the given one)
    before any metric exists; returns the clean-up to call when the server has stopped."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for stale in Path(given).glob("*.db"):  # files of a previous run count no more
            stale.unlink()
        return lambda: None
    made = tempfile.mkdtemp(prefix="staffel-metrics-")  # mode 0700
    os.environ[MULTIPROC_ENV] = made
    return lambda: shutil.rmtree(made, ignore_errors=True)


class ServerLog(glogging.Logger):
    """gunicorn's own lines in ``STAFFEL_LOG_FORMAT`` (text or one JSON object per line)."""

    def setup(self, cfg: Any) -> None:
        """gunicorn's handlers, with our formatter."""
        super().setup(cfg)
        form = formatter(log_format())
        for handler in self.error_log.handlers:
            handler.setFormatter(form)


def log_format() -> str:
    """``STAFFEL_LOG_FORMAT`` (``text`` unless set)."""
    return os.environ.get("STAFFEL_LOG_FORMAT", "text").strip().lower() or "text"


def gunicorn_settings(options: ServeOptions,
                      make_scheduler: Callable[[], Scheduler] | None) -> dict[str, Any]:
    """The gunicorn settings of ``staffel serve`` (the master's scheduler in its hooks)."""
    running: list[Scheduler] = []

    def when_ready(_server: Any) -> None:
        if make_scheduler is not None:
            scheduler = make_scheduler()
            scheduler.start()
            running.append(scheduler)

    def on_exit(_server: Any) -> None:
        while running:
            running.pop().shutdown()

    def child_exit(_server: Any, worker: Any) -> None:
        if os.environ.get(MULTIPROC_ENV):  # its live gauges go; its counters stay counted
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(worker.pid)

    return {
        "bind": [f"{options.host}:{options.port}"],
        "workers": options.workers,
        "threads": options.threads,
        "worker_class": "gthread" if options.threads > 1 else "sync",
        "timeout": options.timeout,
        "graceful_timeout": options.graceful_timeout,
        "keepalive": 5,
        "accesslog": None,  # the app writes the request lines itself (web.logging_setup)
        "errorlog": "-",
        "logger_class": ServerLog,
        "control_socket_disable": True,  # one per user: several servers would share it
        "preload_app": True,
        "proc_name": "staffel",
        "when_ready": when_ready,
        "on_exit": on_exit,
        "child_exit": child_exit,
    }


class StaffelServer(BaseApplication):
    """gunicorn over one ready Flask app (created in the master before the workers fork)."""

    def __init__(self, app: Flask, settings: dict[str, Any]) -> None:
        self.application = app
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        """Hand our settings to gunicorn (no command line or config file is read)."""
        for key, value in self.settings.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """The app, ready before the workers fork."""
        return self.application


def run_gunicorn(app: Flask, options: ServeOptions,
                 make_scheduler: Callable[[], Scheduler] | None) -> None:
    """Serve ``app`` with gunicorn until stopped (``SystemExit(0)`` after a graceful stop)."""
    # the workers inherit the app: no connection of the master may be shared after fork
    app.extensions["staffel"].close()
    StaffelServer(app, gunicorn_settings(options, make_scheduler)).run()


def run_dev(app: Flask, options: ServeOptions, scheduler: Scheduler | None) -> None:
    """Serve ``app`` with Werkzeug's development server (threaded), scheduler in-process."""
    from werkzeug.serving import run_simple

    if scheduler:
        scheduler.start()
    try:
        run_simple(options.host, options.port, app, threaded=True, use_reloader=False,
                   use_debugger=False)
    finally:
        if scheduler:
            scheduler.shutdown()


def scheduler_factory(database_url: str, clock: str,
                      rules_file: Path | None) -> Callable[[], Scheduler]:
    """A scheduler over an engine of its own (notifier from the environment, as ``staffel
    scheduler``), its events counted and logged like the workers'."""
    def make() -> Scheduler:
        from engine import TimerScheduler
        from web.cli_common import notifier_from_env, open_engine
        from web.logging_setup import log_engine_event
        from web.metrics import attach_observers

        engine = open_engine(database_url, clock, notifier=notifier_from_env(),
                             rules_file=rules_file)
        attach_observers(engine)
        engine.observe(log_engine_event)
        return TimerScheduler(engine.scheduler_hooks())
    return make


def serve_app(options: ServeOptions, *, database_url: str, demo: bool, clock: str,
              scheduler: bool, dev: bool, access_log: str | None,
              rules_file: Path | None) -> None:
    """``staffel serve``: prepare the database and the app once, then serve it."""
    import click

    from web import create_app
    from web.cli_common import prepare_database
    from web.demo import seed_demo
    from web.logging_setup import configure_logging

    prepare_database(database_url)
    chosen_format = log_format()
    try:
        formatter(chosen_format)  # a wrong value stops here, before anything starts
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    had_dir = os.environ.get(MULTIPROC_ENV)
    clean_up = (lambda: None) if dev else prepare_metrics_dir()
    try:
        settings: dict[str, Any] = {"RULES": str(rules_file)} if rules_file else {}
        if scheduler:  # its heartbeat counts for /health/ready
            settings["EXPECT_SCHEDULER"] = True
        app = create_app({"DATABASE_URL": database_url, "CLOCK": clock, **settings})
        engine = app.extensions["staffel"]
        if demo:
            for line in seed_demo(engine):
                click.echo(line)
        configure_logging(chosen_format, access_log)
        make = scheduler_factory(database_url, clock, rules_file) if scheduler else None
        server = "Werkzeug, Entwicklung" if dev else (
            f"gunicorn, {options.workers} Prozesse × {options.threads} Threads")
        click.echo(f"Staffel läuft auf http://{options.host}:{options.port}/  "
                   f"(Uhr: {engine.clock.mode()}, Datenbank: {database_url}, {server})")
        if dev:
            run_dev(app, options, make() if make else None)
        else:
            run_gunicorn(app, options, make)
    finally:
        clean_up()
        if not dev and had_dir is None:
            os.environ.pop(MULTIPROC_ENV, None)
