"""What every ``staffel`` command shares: the database option, opening the engine, turning
engine errors into a message and an exit code (2 bad input or a rejected deployment, 3 not
found, 4 conflict, 1 anything else), JSON in and out.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from engine import (
    DEFAULT_RULES,
    Conflict,
    DeployError,
    InvalidInput,
    NotFound,
    Notifier,
    RetentionPeriods,
    Staffel,
    StaffelError,
    load_rules,
)

DEFAULT_DATABASE_URL = "sqlite:///instance/staffel.db"
BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"
EXIT_CODES = {InvalidInput: 2, DeployError: 2, NotFound: 3, Conflict: 4}


def database_url_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--database-url`` (default: $STAFFEL_DATABASE_URL or instance/staffel.db)."""
    return click.option("--database-url", envvar="STAFFEL_DATABASE_URL",
                        default=DEFAULT_DATABASE_URL, show_default=True,
                        help="SQLAlchemy URL of the database.")(func)


def prepare_database(database_url: str) -> None:
    """Create the directory of a relative SQLite file if needed."""
    if database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:////"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def open_engine(database_url: str, clock: str = "auto",
                notifier: Notifier | None = None, rules_file: Path | None = None,
                retention: RetentionPeriods | None = None) -> Staffel:
    """Open the engine on a database (migrated), creating the SQLite directory if needed,
    with the legal settings file ``rules_file`` or ``STAFFEL_RULES`` (every command that
    moves a case computes its dates with the same rules as the web app)."""
    prepare_database(database_url)
    named = rules_file or os.environ.get("STAFFEL_RULES") or None
    rules = load_rules(named) if named else DEFAULT_RULES
    retention = retention or RetentionPeriods.parse(  # docs/privacy.md
        os.environ.get("STAFFEL_RETENTION_DAYS"), os.environ.get("STAFFEL_IMPORT_ORIGINAL_DAYS"))
    engine = Staffel(database_url, clock=clock, notifier=notifier, rules=rules,
                     retention=retention)
    engine.init_db()
    return engine


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn engine errors into a message on stderr and a non-zero exit code."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except StaffelError as err:
            click.echo(f"error: {err.message}", err=True)
            for problem in err.errors:
                where = problem.get("field") or ":".join(
                    str(x) for x in (problem.get("file"), problem.get("line")) if x)
                element = f" [{problem['element_id']}]" if problem.get("element_id") else ""
                click.echo(f"  - {where}{element}: {problem.get('message')}", err=True)
            sys.exit(next((EXIT_CODES[c] for c in type(err).__mro__ if c in EXIT_CODES), 1))
    return wrapper


def parse_json_option(value: str | None, name: str) -> dict[str, Any]:
    """Parse a JSON object given on the command line (or ``@file``)."""
    if not value:
        return {}
    text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--{name} is not JSON: {exc.msg}",
                           [{"field": name, "message": "not JSON"}]) from exc
    if not isinstance(parsed, dict):
        raise InvalidInput(f"--{name} must be a JSON object", [{"field": name,
                                                               "message": "not an object"}])
    return parsed


def echo_json(value: Any) -> None:
    """Print a value as indented JSON."""
    click.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def notifier_from_env() -> Notifier | None:
    """The Notifier the ``STAFFEL_*`` environment asks for, read exactly as the app reads it."""
    from flask import Config

    from adapters import notifier_from_config

    config = Config(str(Path.cwd()))
    config.from_prefixed_env("STAFFEL")
    return notifier_from_config(config)
