"""Issue 14, hole 4: sign-ins are throttled per account and per client address, counted in the
database (so every worker process sees the same count), on the injected wall clock.

The old code let 50 wrong passwords through in 13.6 s and then the right one at once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import Staffel
from engine.execution.clock import SimulatedClock
from engine.persistence.models import ApiToken
from engine.persistence.security_models import LoginFailure
from tests.conftest import START
from tests.web.conftest import FAST_HASHER, PASSWORD, USERS, assert_error
from tests.web.test_pages_support import HTML, login, text
from web import create_app

TOKEN = "/api/v1/auth/token"
WINDOW = timedelta(minutes=15)


@pytest.fixture
def wall() -> SimulatedClock:
    return SimulatedClock(START)


def _app(make_engine: Callable[..., Staffel], wall: SimulatedClock, **config: Any
         ) -> tuple[Flask, Staffel]:
    engine = make_engine(wall_clock=wall)
    engine.context.password_hasher = FAST_HASHER
    if not engine.people.list():
        for username, (roles, teams) in USERS.items():
            engine.people.add(username, PASSWORD, roles, teams)
    app = create_app({"ENGINE": engine, "DEPLOY_ON_START": False, "TESTING": True,
                      "SECRET_KEY": "test", **config})
    return app, engine


@pytest.fixture
def signin(make_engine: Callable[..., Staffel], wall: SimulatedClock) -> tuple[Flask, Staffel]:
    return _app(make_engine, wall)


def token(client: FlaskClient, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post(TOKEN, json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def tokens_in_db(engine: Staffel) -> int:
    with engine.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(ApiToken)) or 0)


def test_the_sixth_token_request_is_429_and_the_right_password_waits_for_the_window(
        signin: tuple[Flask, Staffel], wall: SimulatedClock) -> None:
    app, engine = signin
    client = app.test_client()
    for _ in range(5):
        assert_error(token(client, "cw_soz", "wrong password"), 401)
        wall.advance(timedelta(seconds=10))
    refused = token(client, "cw_soz", "wrong password")
    assert_error(refused, 429, "too_many_requests")
    first_failure_leaves = WINDOW - timedelta(seconds=50)
    assert int(refused.headers["Retry-After"]) == first_failure_leaves.total_seconds()
    right = token(client, "cw_soz", PASSWORD)
    assert_error(right, 429, "too_many_requests")
    assert tokens_in_db(engine) == 0  # refused before the password was even checked
    wall.advance(first_failure_leaves - timedelta(seconds=1))
    assert token(client, "cw_soz", PASSWORD).status_code == 429  # one second early
    wall.advance(timedelta(seconds=1))
    assert token(client, "cw_soz", PASSWORD).status_code == 200
    assert tokens_in_db(engine) == 1


def test_the_account_limit_holds_for_any_spelling_and_any_address(
        signin: tuple[Flask, Staffel]) -> None:
    client = signin[0].test_client()
    for i, name in enumerate(["cw_soz", "CW_SOZ", " Cw_Soz", "cw_soz", "cW_sOz"]):
        token(client, name, "wrong password", address=f"10.0.0.{i}")
    assert token(client, "cw_soz", PASSWORD, address="10.9.9.9").status_code == 429


def test_a_success_resets_the_account_count(signin: tuple[Flask, Staffel]) -> None:
    client = signin[0].test_client()
    for _ in range(4):
        assert token(client, "cw_soz", "wrong password").status_code == 401
    assert token(client, "cw_soz", PASSWORD).status_code == 200
    for _ in range(4):
        assert token(client, "cw_soz", "wrong password").status_code == 401
    assert token(client, "cw_soz", PASSWORD).status_code == 200


def test_the_login_page_refuses_with_429_and_a_german_reason(
        signin: tuple[Flask, Staffel], wall: SimulatedClock) -> None:
    client = signin[0].test_client()
    for _ in range(5):
        assert login(client, "cw_soz", "wrong password").status_code == 200
    refused = login(client, "cw_soz", PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"
    page = text(refused)
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in page and "15 Minuten" in page
    assert 'value="cw_soz"' in page  # the form is shown again, filled in
    assert client.get("/inbox", headers=HTML).status_code == 302  # not signed in
    wall.advance(WINDOW)
    assert login(client, "cw_soz", PASSWORD).status_code == 302
    assert client.get("/inbox", headers=HTML).status_code == 200


def test_page_and_api_share_one_count(signin: tuple[Flask, Staffel]) -> None:
    client = signin[0].test_client()
    for _ in range(3):
        login(client, "cw_soz", "wrong password")
    for _ in range(2):
        token(client, "cw_soz", "wrong password", address="127.0.0.1")
    assert login(client, "cw_soz", PASSWORD).status_code == 429


def test_the_address_limit_counts_failures_over_all_usernames(
        signin: tuple[Flask, Staffel]) -> None:
    client = signin[0].test_client()
    for i in range(20):  # one wrong attempt each for 20 names, most of them unknown
        assert token(client, f"guess{i}", "wrong password", address="10.6.6.6").status_code \
            == 401
    assert_error(token(client, "cw_soz", PASSWORD, address="10.6.6.6"), 429)
    assert token(client, "cw_soz", PASSWORD, address="10.7.7.7").status_code == 200


def test_two_app_instances_on_one_database_share_the_count(
        make_engine: Callable[..., Staffel], wall: SimulatedClock) -> None:
    first, _ = _app(make_engine, wall)
    second, _ = _app(make_engine, wall)  # another "worker process": own engine, same database
    one, two = first.test_client(), second.test_client()
    for client in (one, two, one, two, one):
        assert token(client, "cw_jc", "wrong password").status_code == 401
    assert token(two, "cw_jc", PASSWORD).status_code == 429
    assert token(one, "cw_jc", PASSWORD).status_code == 429


def test_the_limits_are_settings(make_engine: Callable[..., Staffel],
                                 wall: SimulatedClock) -> None:
    app, _ = _app(make_engine, wall, LOGIN_ACCOUNT_LIMIT=2, LOGIN_WINDOW_MINUTES=1)
    client = app.test_client()
    token(client, "owner", "wrong password")
    token(client, "owner", "wrong password")
    refused = token(client, "owner", PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    wall.advance(timedelta(minutes=1))
    assert token(client, "owner", PASSWORD).status_code == 200


def test_no_username_or_address_is_stored_or_logged_in_clear(
        signin: tuple[Flask, Staffel], caplog: pytest.LogCaptureFixture) -> None:
    app, engine = signin
    client = app.test_client()
    with caplog.at_level(logging.INFO):
        for _ in range(6):
            token(client, "Mallory.Secret", "wrong password", address="192.0.2.77")
            login(client, "Mallory.Secret", "wrong password")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "refused" in logged and "failed" in logged
    assert "mallory" not in logged.lower() and "192.0.2.77" not in logged
    with engine.db.read() as s:
        rows = s.execute(select(LoginFailure.account_key, LoginFailure.address_key)).all()
    assert len(rows) == 5  # the refused attempts are not counted again
    stored = " ".join(f"{account} {address}" for account, address in rows).lower()
    assert "mallory" not in stored and "192.0.2" not in stored
    assert all(len(account) == 64 == len(address) for account, address in rows)


def test_the_spec_documents_429(signin: tuple[Flask, Staffel]) -> None:
    spec = signin[0].test_client().get("/api/openapi.json").get_json()
    assert "429" in spec["paths"][TOKEN]["post"]["responses"]


def test_parallel_attempts_cannot_slip_past_the_limit(signin: tuple[Flask, Staffel]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    app = signin[0]
    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(lambda i: token(app.test_client(), "sup_jc", "wrong password",
                                              address=f"10.1.0.{i}").status_code, range(12)))
    assert sorted(codes) == [401] * 5 + [429] * 7
