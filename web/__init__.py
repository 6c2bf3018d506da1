"""Staffel's Flask layer: the app factory is the one place that wires engine, ports and adapters.

``create_app(config)`` builds an app over one :class:`engine.api.Staffel`; configuration comes
from the defaults below, then ``STAFFEL_*`` environment variables, then ``config``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from engine.api import Staffel
from web.errors import register_error_handlers

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": f"sqlite:///{ROOT / 'instance' / 'staffel.db'}",
    "CLOCK": "auto",
    "BPMN_DIR": str(ROOT / "bpmn"),
    "DEPLOY_ON_START": True,
    "SECRET_KEY": None,
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the Flask app and its engine (database migrated, ``bpmn/`` deployed)."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("STAFFEL")
    if config:
        app.config.update(config)
    if not app.config["SECRET_KEY"]:
        import secrets

        app.config["SECRET_KEY"] = secrets.token_hex(32)
    engine = app.config.get("ENGINE") or Staffel(app.config["DATABASE_URL"],
                                                 clock=app.config["CLOCK"])
    engine.init_db()
    if app.config["DEPLOY_ON_START"] and Path(app.config["BPMN_DIR"]).is_dir():
        engine.deploy_directory(app.config["BPMN_DIR"], actor="system")
    app.extensions["staffel"] = engine
    register_error_handlers(app)

    from web.health import bp as health_bp

    app.register_blueprint(health_bp)
    return app


def get_engine(app: Flask) -> Staffel:
    """Return the engine of an app."""
    engine: Staffel = app.extensions["staffel"]
    return engine
