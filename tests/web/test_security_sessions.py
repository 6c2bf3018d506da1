"""Issue 14, hole 7: page sessions live on the server. Sign-out ends the session for good (the
old code let a copy of the cookie open a case page afterwards); a password change or a
deactivation ends every session and API token of the user; an idle session ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import InvalidInput, NotFound, Staffel
from engine.execution.clock import SimulatedClock
from engine.persistence.models import AuditEvent, User
from engine.persistence.security_models import WebSession
from tests.conftest import ENGINE_DIAGRAMS, START
from tests.web.conftest import FAST_HASHER, PASSWORD, USERS, start_basic
from tests.web.test_pages_support import HTML, login, post
from web import create_app
from web.cli import main

NEW_PASSWORD = "a new long password"


@pytest.fixture
def wall() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def engine(make_engine: Callable[..., Staffel], wall: SimulatedClock) -> Staffel:
    eng = make_engine(wall_clock=wall)
    eng.context.password_hasher = FAST_HASHER
    eng.definitions.deploy_directory(ENGINE_DIAGRAMS, actor="tester")
    for username, (roles, teams) in USERS.items():
        eng.people.add(username, PASSWORD, roles, teams)
    return eng


@pytest.fixture
def app(engine: Staffel) -> Flask:
    return create_app({"ENGINE": engine, "DEPLOY_ON_START": False, "TESTING": True,
                       "CASE_PROCESS": "basic", "SECRET_KEY": "test"})


def signed_in(app: Flask, username: str = "cw_soz") -> FlaskClient:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def with_cookie(app: Flask, cookie: str) -> FlaskClient:
    """Another browser holding a copy of a session cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def opens(client: FlaskClient, path: str) -> bool:
    response = client.get(path, headers=HTML)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert response.location.startswith("/login")
    return response.status_code == 200


def bearer(client: FlaskClient, token: str) -> Any:
    return client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})


def test_a_copied_cookie_opens_nothing_after_sign_out(app: Flask, engine: Staffel) -> None:
    case_page = f"/cases/{start_basic(engine).id}"
    browser = signed_in(app)
    cookie = browser.get_cookie("session")
    assert cookie is not None
    assert opens(browser, case_page) and opens(with_cookie(app, cookie.value), case_page)
    assert post(browser, "/logout").status_code == 302
    assert not opens(browser, case_page)
    assert not opens(with_cookie(app, cookie.value), case_page)  # the old code: 200


def test_the_cookie_holds_no_username_and_the_database_no_session_id(
        app: Flask, engine: Staffel) -> None:
    browser = signed_in(app, "sup_soz")
    from flask.sessions import SecureCookieSessionInterface

    cookie = browser.get_cookie("session")
    assert cookie is not None
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    session_id = serializer.loads(cookie.value)["_user_id"]
    assert "sup_soz" not in session_id and len(session_id) >= 40
    with engine.db.read() as s:
        hashes = s.scalars(select(WebSession.id_hash)).all()
    assert len(hashes) == 1 and session_id not in hashes


def test_a_password_change_ends_every_session_and_token(app: Flask, engine: Staffel) -> None:
    office, home = signed_in(app), signed_in(app)
    other = signed_in(app, "cw_soz2")
    api = app.test_client()
    old_token = engine.people.issue_token("cw_soz").token
    assert bearer(api, old_token).status_code == 200
    engine.people.set_password("cw_soz", NEW_PASSWORD, actor="admin")
    assert not opens(office, "/inbox") and not opens(home, "/inbox")
    assert bearer(api, old_token).status_code == 401
    assert opens(other, "/inbox")  # another user's session goes on
    assert login(app.test_client(), "cw_soz").status_code == 200  # the old password: wrong
    fresh = app.test_client()
    assert login(fresh, "cw_soz", NEW_PASSWORD).status_code == 302 and opens(fresh, "/inbox")
    with engine.db.read() as s:
        event = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "user_password_changed")).one()
        assert event.details["sessions_ended"] == 2 and event.details["tokens_revoked"] == 1


def test_a_bad_new_password_changes_nothing(app: Flask, engine: Staffel) -> None:
    browser = signed_in(app)
    with engine.db.read() as s:
        before = s.scalars(select(User.password_hash).where(User.username == "cw_soz")).one()
    with pytest.raises(InvalidInput) as bad:
        engine.people.set_password("cw_soz", "short")
    assert bad.value.errors[0]["field"] == "password"
    with pytest.raises(NotFound):
        engine.people.set_password("nobody", NEW_PASSWORD)
    with engine.db.read() as s:
        assert s.scalars(select(User.password_hash)
                         .where(User.username == "cw_soz")).one() == before
    assert opens(browser, "/inbox")


def test_deactivation_ends_sessions_and_tokens_and_activation_revives_none(
        app: Flask, engine: Staffel) -> None:
    browser = signed_in(app, "owner")
    old_token = engine.people.issue_token("owner").token
    engine.people.set_active("owner", False, actor="admin")
    assert not opens(browser, "/editor")
    assert bearer(app.test_client(), old_token).status_code == 401
    assert login(app.test_client(), "owner").status_code == 200  # refused: inactive
    engine.people.set_active("owner", True, actor="admin")
    assert not opens(browser, "/editor") and bearer(app.test_client(), old_token).status_code \
        == 401
    assert opens(signed_in(app, "owner"), "/editor")


def test_an_idle_session_ends(app: Flask, wall: SimulatedClock) -> None:
    browser = signed_in(app)
    wall.advance(timedelta(hours=11))
    assert opens(browser, "/inbox")  # seen again: the idle time starts anew
    wall.advance(timedelta(hours=11, minutes=59))
    assert opens(browser, "/inbox")
    wall.advance(timedelta(hours=12, seconds=1))
    assert not opens(browser, "/inbox")


def test_the_cli_changes_passwords_and_deactivates(app: Flask, engine: Staffel,
                                                    database_url: str) -> None:
    browser = signed_in(app)
    runner = CliRunner()
    changed = runner.invoke(main, ["user", "passwd", "cw_soz", "--password-stdin",
                                   "--database-url", database_url], input=NEW_PASSWORD + "\n")
    assert changed.exit_code == 0, changed.output
    assert "all sessions and API tokens ended" in changed.output
    assert not opens(browser, "/inbox")
    browser = signed_in(app, "cw_jc")
    off = runner.invoke(main, ["user", "deactivate", "cw_jc", "--database-url", database_url])
    assert off.exit_code == 0 and not opens(browser, "/inbox")
    unknown = runner.invoke(main, ["user", "deactivate", "nobody", "--database-url",
                                   database_url])
    assert unknown.exit_code == 3
    short = runner.invoke(main, ["user", "passwd", "cw_soz", "--password-stdin",
                                 "--database-url", database_url], input="short\n")
    assert short.exit_code == 2 and "password" in short.output
    on = runner.invoke(main, ["user", "activate", "cw_jc", "--database-url", database_url])
    assert on.exit_code == 0 and opens(signed_in(app, "cw_jc"), "/inbox")
