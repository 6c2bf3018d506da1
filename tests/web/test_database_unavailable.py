"""Issue 14, hole 5: a locked or read-only database answers 503 with ``Retry-After`` within a
bounded wait, says why (German when asked), and changes nothing.

The lock is real: SQLite ``BEGIN EXCLUSIVE`` from another connection (WAL: reads go on, every
write waits for the busy timeout); on PostgreSQL ``LOCK TABLE ... IN ACCESS EXCLUSIVE MODE``
on the tables every audited write and every token issuance writes. Read-only is real too, and
holds as root (file permissions do not): ``PRAGMA query_only`` / PostgreSQL's
``default_transaction_read_only`` on every connection of the engine.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from engine import Staffel
from tests.conftest import ENGINE_DIAGRAMS
from tests.web.conftest import (
    FAST_HASHER,
    PASSWORD,
    USERS,
    assert_error,
    snapshot,
    start_basic,
)
from tests.web.test_pages_support import HTML, login, post

TIMEOUT = 1.0  # the engine's busy timeout in these tests (seconds)
BOUND = 3 * TIMEOUT  # an answer must come within this (the brief: a few seconds at most)
#: PostgreSQL: every audited write appends to the audit chain; issuing a token writes a token
PG_LOCKED = ("audit_events", "audit_head", "api_tokens")
DE = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


@pytest.fixture
def api_engine(make_engine: Callable[..., Staffel]) -> Staffel:
    """The web tests' engine with a short busy timeout."""
    eng = make_engine(db_busy_timeout=TIMEOUT)
    eng.context.password_hasher = FAST_HASHER
    eng.definitions.deploy_directory(ENGINE_DIAGRAMS, actor="tester")
    for username, (roles, teams) in USERS.items():
        eng.people.add(username, PASSWORD, roles, teams)
    return eng


@contextlib.contextmanager
def write_lock(engine: Staffel) -> Iterator[None]:
    """Hold the database's write lock from another connection until the block ends."""
    url = engine.db.engine.url
    if engine.db.is_sqlite:
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as pg:
        pg.execute(f"LOCK TABLE {', '.join(PG_LOCKED)} IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            pg.rollback()


@contextlib.contextmanager
def read_only(engine: Staffel) -> Iterator[None]:
    """Every new connection of the engine refuses writes (as a read-only database does)."""
    statement = ("PRAGMA query_only=ON" if engine.db.is_sqlite
                 else "SET default_transaction_read_only = on")

    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        if not engine.db.is_sqlite:
            dbapi_connection.commit()

    event.listen(engine.db.engine, "connect", _on_connect)
    engine.db.dispose()
    try:
        yield
    finally:
        event.remove(engine.db.engine, "connect", _on_connect)
        engine.db.dispose()


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    """The answer of ``call`` and the seconds it took."""
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def assert_unavailable(response: Any, reason: str, elapsed: float) -> dict[str, Any]:
    """503 in the one error shape, ``Retry-After`` in seconds, within the bounded wait."""
    body = assert_error(response, 503, "unavailable")
    assert int(response.headers["Retry-After"]) > 0
    assert body["errors"] == [{"field": "(database)", "message": reason}]
    assert elapsed < BOUND, f"answered after {elapsed:.2f} s"
    return body


def test_writes_under_a_held_write_lock_answer_503_quickly_and_change_nothing(
        app: Flask, api_engine: Staffel, tokens: dict[str, str]) -> None:
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    client = app.test_client()
    auth = {"Authorization": f"Bearer {tokens['cw_soz']}"}
    before = snapshot(api_engine)
    with write_lock(api_engine):
        claim, claim_took = timed(lambda: client.post(f"/api/v1/tasks/{task_id}/claim",
                                                      headers=auth))
        done, done_took = timed(lambda: client.post(
            f"/api/v1/tasks/{task_id}/complete", headers={**auth, **DE},
            json={"data": {"interpreter_needed": True}}))
        token, token_took = timed(lambda: client.post(
            "/api/v1/auth/token", json={"username": "cw_soz", "password": PASSWORD}))
        reads = client.get("/api/v1/tasks", headers=auth)
        # a person's data is served only after its read is logged (issue 14, read log)
        person, person_took = timed(lambda: client.get(f"/api/v1/tasks/{task_id}",
                                                       headers=auth))
    assert_unavailable(claim, "busy", claim_took)
    assert_unavailable(person, "busy", person_took)
    german = assert_unavailable(done, "busy", done_took)
    assert "Datenbank" in german["message"] and "nichts geändert" in german["message"]
    assert_unavailable(token, "busy", token_took)  # was a 500 after 30.7 s
    if api_engine.db.is_sqlite:
        assert reads.status_code == 200  # WAL: reading goes on while a writer holds the lock
    assert snapshot(api_engine) == before
    again = client.post(f"/api/v1/tasks/{task_id}/complete", headers=auth,
                        json={"data": {"interpreter_needed": True}})
    assert again.status_code == 200  # the same request works once the lock is gone


def test_a_lost_race_is_still_409_not_503(app: Flask, api_engine: Staffel,
                                          tokens: dict[str, str]) -> None:
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    client = app.test_client()
    client.post(f"/api/v1/tasks/{task_id}/claim",
                headers={"Authorization": f"Bearer {tokens['cw_soz']}"})
    taken = client.post(f"/api/v1/tasks/{task_id}/claim",
                        headers={"Authorization": f"Bearer {tokens['cw_soz2']}"})
    assert_error(taken, 409, "conflict")


def test_task_form_under_a_held_write_lock_shows_a_german_503_page(
        app: Flask, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    client: FlaskClient = app.test_client()
    assert login(client, "cw_soz").status_code == 302
    before = snapshot(api_engine)
    with write_lock(api_engine):
        page, took = timed(lambda: post(client, f"/tasks/{task_id}",
                                        {"interpreter_needed": "true"}))
        claim = post(client, f"/tasks/{task_id}/claim")
    assert page.status_code == 503 and took < BOUND
    assert int(page.headers["Retry-After"]) > 0
    html = page.get_data(as_text=True)
    assert "Nicht möglich" in html and "Es wurde nichts geändert" in html
    assert claim.status_code == 503
    assert snapshot(api_engine) == before


def test_login_page_under_a_held_write_lock_is_never_a_500(app: Flask,
                                                            api_engine: Staffel) -> None:
    client = app.test_client()
    client.get("/login", headers=HTML)
    with write_lock(api_engine):
        answer, took = timed(lambda: login(client, "cw_soz"))
    assert answer.status_code in (302, 503) and took < BOUND
    if answer.status_code == 503:
        assert "Retry-After" in answer.headers


def test_read_only_database_answers_503_on_every_write_not_500(
        app: Flask, api_engine: Staffel, tokens: dict[str, str]) -> None:
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    client = app.test_client()
    auth = {"Authorization": f"Bearer {tokens['cw_soz']}"}
    before = snapshot(api_engine)
    with read_only(api_engine):
        claim, took = timed(lambda: client.post(f"/api/v1/tasks/{task_id}/claim", headers=auth))
        done = client.post(f"/api/v1/tasks/{task_id}/complete", headers={**auth, **DE},
                           json={"data": {"interpreter_needed": True}})
        token = client.post("/api/v1/auth/token",
                            json={"username": "cw_soz", "password": PASSWORD})
        reads = client.get("/api/v1/tasks", headers=auth)
        person = client.get(f"/api/v1/tasks/{task_id}", headers=auth)  # its read is not logged
        ready = client.get("/health/ready")
        live = client.get("/health/live")
    assert_unavailable(claim, "read_only", took)
    body = assert_unavailable(done, "read_only", 0.0)
    assert "nur lesbar" in body["message"]
    assert_unavailable(token, "read_only", 0.0)
    assert reads.status_code == 200
    assert_unavailable(person, "read_only", 0.0)
    assert ready.status_code == 503 and ready.get_json()["database"]["reason"] == "read_only"
    assert live.status_code == 200
    assert snapshot(api_engine) == before


def test_health_ready_reports_busy_while_sqlite_is_locked(app: Flask,
                                                          api_engine: Staffel) -> None:
    if not api_engine.db.is_sqlite:
        pytest.skip("PostgreSQL locks tables, not the database: readiness is unaffected")
    client = app.test_client()
    with write_lock(api_engine):
        ready, took = timed(lambda: client.get("/health/ready"))
    assert ready.status_code == 503 and took < BOUND
    assert ready.get_json()["database"]["reason"] == "busy"
    assert client.get("/health/ready").status_code == 200
