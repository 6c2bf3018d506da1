"""Staffel's Flask layer: the app factory is the one place that wires engine, ports and adapters.

``create_app(config)`` builds an app over one :class:`engine.Staffel`; configuration comes
from the defaults below, then ``STAFFEL_*`` environment variables, then ``config``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from adapters import notifier_from_config
from engine import Conflict, RetentionPeriods, Staffel, load_rules
from web.errors import register_error_handlers

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": f"sqlite:///{ROOT / 'instance' / 'staffel.db'}",
    "CLOCK": "auto",
    "BPMN_DIR": str(ROOT / "bpmn"),
    "DEPLOY_ON_START": True,
    "SECRET_KEY": None,
    # without SECRET_KEY, a key is created once in this file so that sessions survive a
    # restart and every worker of one installation signs sessions alike
    "SECRET_KEY_FILE": str(ROOT / "instance" / "secret_key"),
    "CASE_PROCESS": "refugee_lifecycle",  # the process POST /api/v1/cases starts
    "LOGIN_VIEW": "pages.login",  # where page_login_required sends visitors without a session
    "TOKEN_TTL_HOURS": 12,  # lifetime of API bearer tokens (wall clock)
    "HTTPS": False,  # STAFFEL_HTTPS=1 behind TLS: Secure cookies and HSTS (web/security.py)
    # seconds a write waits for another connection's lock, then 503 + Retry-After
    "DB_BUSY_TIMEOUT": 3.0,
    # a form left open over lunch must still post: the CSRF token lives as long as the session
    "WTF_CSRF_TIME_LIMIT": None,
    # reverse-proxy hops whose X-Forwarded-For/-Proto/-Host are believed (0: none)
    "TRUSTED_PROXIES": 0,
    "METRICS_TOKEN": None,  # STAFFEL_METRICS_TOKEN: bearer token for /metrics from afar
    # a stale timer-scheduler heartbeat makes /health/ready 503 (web/health.py)
    "EXPECT_SCHEDULER": False,
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the Flask app and its engine (database migrated, ``bpmn/`` deployed)."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("STAFFEL")
    if config:
        app.config.update(config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(Path(app.config["SECRET_KEY_FILE"]))
    engine = app.config.get("ENGINE") or _engine_for(app.config)
    engine.init_db()
    if app.config["DEPLOY_ON_START"] and Path(app.config["BPMN_DIR"]).is_dir():
        try:
            engine.definitions.deploy_directory(app.config["BPMN_DIR"], actor="system")
        except Conflict:  # another worker deployed the same files at the same moment
            engine.definitions.deploy_directory(app.config["BPMN_DIR"], actor="system")
    app.extensions["staffel"] = engine
    register_error_handlers(app)

    from web.api import init_api
    from web.auth import init_auth
    from web.security import init_security

    init_security(app)  # first: the body caps apply before CSRF reads a form
    init_auth(app)
    init_api(app)

    from web.health import bp as health_bp

    app.register_blueprint(health_bp)
    _init_serving(app, engine)

    from web.pages import register_pages

    register_pages(app)
    return app


def _init_serving(app: Flask, engine: Staffel) -> None:
    """Request lines, engine-event lines, ``/metrics`` and, behind ``TRUSTED_PROXIES``
    reverse-proxy hops, the client's address from their ``X-Forwarded-*`` headers."""
    from web.logging_setup import init_request_log, log_engine_event
    from web.metrics import init_metrics, observe_request

    init_metrics(app)
    engine.observe(log_engine_event)
    init_request_log(app, [observe_request])
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:  # STAFFEL_TRUSTED_PROXIES=N: the throttle then keys on the client address
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops,  # type: ignore[method-assign]
                                x_proto=hops, x_host=hops)


def _secret_key(path: Path) -> str:
    """Read the installation's secret key, creating it (mode 0600) on first start."""
    import os
    import secrets

    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker created it a moment ago
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def get_engine(app: Flask) -> Staffel:
    """Return the engine of an app."""
    engine: Staffel = app.extensions["staffel"]
    return engine


def _engine_for(config: Mapping[str, Any]) -> Staffel:
    """The engine of an app config, with its ports wired: this is the one place that chooses
    adapters (the notifier: console or SMTP). An ``ENGINE`` passed in config is taken as it is
    (its creator wired it)."""
    extra: dict[str, Any] = {}
    if config.get("RULES"):  # STAFFEL_RULES: the legal settings file (checked here, at start)
        extra["rules"] = load_rules(config["RULES"])
    if config.get("TOKEN_TTL_HOURS"):
        extra["token_ttl"] = timedelta(hours=float(config["TOKEN_TTL_HOURS"]))
    # STAFFEL_RETENTION_DAYS, STAFFEL_IMPORT_ORIGINAL_DAYS (docs/privacy.md); unset: defaults
    extra["retention"] = RetentionPeriods.parse(config.get("RETENTION_DAYS"),
                                                config.get("IMPORT_ORIGINAL_DAYS"))
    return Staffel(config["DATABASE_URL"], clock=config["CLOCK"],
                   notifier=notifier_from_config(config),
                   db_busy_timeout=float(config["DB_BUSY_TIMEOUT"]), **extra)
