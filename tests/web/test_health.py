"""``/health`` (as before), ``/health/live`` (no database) and ``/health/ready`` (database
reachable, migrated to head, writable; 503 with the reason otherwise): issue 14, hole 5."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from sqlalchemy import text

from engine import Staffel
from engine.persistence.db import MIGRATIONS_DIR, Database
from engine.persistence.readiness import migration_head
from tests.conftest import START
from web import create_app


def test_health_reports_time_clock_and_processes(app: Flask) -> None:
    answer = app.test_client().get("/health")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ok" and body["clock"] == "simulated"
    assert body["processes"]["basic"] == 1 and body["now"].startswith("2027-03-01")


def test_live_answers_without_the_database(app: Flask, api_engine: Staffel) -> None:
    api_engine.context.db = Database("postgresql://nobody@127.0.0.1:1/nowhere",
                                     busy_timeout=0.5)
    answer = app.test_client().get("/health/live")
    assert answer.status_code == 200 and answer.get_json() == {"status": "live"}


def test_ready_reports_the_database_details(app: Flask, api_engine: Staffel) -> None:
    answer = app.test_client().get("/health/ready")
    assert answer.status_code == 200, answer.get_json()
    database = answer.get_json()["database"]
    assert database == {"ready": True, "dialect": api_engine.db.engine.dialect.name,
                        "reachable": True, "writable": True, "revision": migration_head(),
                        "head": migration_head(), "reason": None}
    assert "Retry-After" not in answer.headers


def previous_revision(revision: str | None) -> str:
    """The revision before ``revision`` (a schema one migration behind)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    assert revision is not None
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    found = ScriptDirectory.from_config(config).get_revision(revision)
    assert found is not None and isinstance(found.down_revision, str)
    return found.down_revision


def test_ready_is_503_while_migrations_are_behind(app: Flask, api_engine: Staffel) -> None:
    head = migration_head()
    behind = previous_revision(head)
    with api_engine.db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :behind"),
                           {"behind": behind})
    try:
        answer = app.test_client().get("/health/ready")
    finally:
        with api_engine.db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"),
                               {"head": head})
    assert answer.status_code == 503 and int(answer.headers["Retry-After"]) > 0
    database = answer.get_json()["database"]
    assert database["reason"] == "migrations" and database["revision"] == behind
    assert database["head"] == head and not database["ready"]


def test_ready_is_503_while_postgresql_refuses_connections(app: Flask,
                                                           api_engine: Staffel) -> None:
    """A server that is not there (connection refused) is unreachable, answered in time."""
    api_engine.context.db = Database("postgresql://nobody@127.0.0.1:1/nowhere",
                                     busy_timeout=0.5)
    client = app.test_client()
    answer = client.get("/health/ready")
    assert answer.status_code == 503 and int(answer.headers["Retry-After"]) > 0
    body = answer.get_json()
    assert body["status"] == "unavailable"
    assert body["database"]["reason"] == "unreachable" and not body["database"]["reachable"]
    health = client.get("/health")
    assert health.status_code == 503 and health.get_json()["reason"] == "unreachable"


def test_ready_is_503_while_the_sqlite_file_is_gone(
        tmp_path: Path, sqlite_template: Path) -> None:
    """The directory of the database file disappears (an unmounted volume): 503, not 500;
    back to 200 when it returns."""
    folder = tmp_path / "volume"
    folder.mkdir()
    shutil.copy(sqlite_template, folder / "staffel.db")
    engine = Staffel(f"sqlite:///{folder / 'staffel.db'}", clock="simulated",
                     clock_start=START, db_busy_timeout=0.5)
    engine.init_db()
    app = create_app({"ENGINE": engine, "DEPLOY_ON_START": False, "TESTING": True,
                      "SECRET_KEY": "test"})
    client = app.test_client()
    assert client.get("/health/ready").status_code == 200
    engine.db.dispose()
    folder.rename(tmp_path / "unmounted")
    try:
        answer = client.get("/health/ready")
        health = client.get("/health")
        live = client.get("/health/live")
    finally:
        (tmp_path / "unmounted").rename(folder)
    assert answer.status_code == 503
    assert answer.get_json()["database"]["reason"] == "unreachable"
    assert health.status_code == 503 and live.status_code == 200
    assert client.get("/health/ready").status_code == 200
    engine.close()
