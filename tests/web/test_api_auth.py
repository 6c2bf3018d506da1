"""Authentication: tokens (hashed, expiring, revocable), 401s, sessions, CSRF."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import Staffel
from engine.execution.clock import SimulatedClock
from engine.persistence.models import ApiToken, User
from tests.web.conftest import PASSWORD, Api, assert_error, snapshot
from web.auth import current_actor, login, logout, page_login_required

TOKEN_URL = "/api/v1/auth/token"


def test_token_for_good_credentials_is_stored_only_as_a_hash(api: Api,
                                                            api_engine: Staffel) -> None:
    response = api.post(TOKEN_URL, {"username": "cw_soz", "password": PASSWORD}, as_=None)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    token = body["token"]
    with api_engine.db.read() as s:
        hashes = set(s.scalars(select(ApiToken.token_hash)))
    assert hashlib.sha256(token.encode()).hexdigest() in hashes
    assert token not in hashes
    tasks = api.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert tasks.status_code == 200


def test_token_expires_after_twelve_hours_of_wall_clock(api: Api, api_engine: Staffel) -> None:
    clock = SimulatedClock(api_engine.context.wall_clock.now())
    api_engine.context.wall_clock = clock
    token = api_engine.people.issue_token("cw_soz").token
    assert (api_engine.people.user_for_token(token) is not None)
    clock.advance(timedelta(hours=11, minutes=59))
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/clock", headers=headers).status_code == 200
    clock.advance(timedelta(minutes=2))
    assert_error(api.client.get("/api/v1/clock", headers=headers), 401, "unauthorized")


def test_the_simulated_engine_clock_does_not_expire_tokens(api: Api) -> None:
    assert api.post("/api/v1/clock/advance", {"by": "P30D"}).status_code == 200
    assert api.get("/api/v1/clock").status_code == 200


@pytest.mark.parametrize("credentials", [
    {"username": "cw_soz", "password": "wrong password"},
    {"username": "nobody", "password": PASSWORD},
])
def test_wrong_credentials_are_401_and_store_nothing(api: Api, api_engine: Staffel,
                                                     credentials: dict[str, str]) -> None:
    before = snapshot(api_engine)
    body = assert_error(api.post(TOKEN_URL, credentials, as_=None), 401, "unauthorized")
    assert body["message"] == "wrong username or password"
    assert snapshot(api_engine) == before


@pytest.mark.parametrize(("payload", "fields"), [
    ({"username": "cw_soz"}, {"password"}),
    ({}, {"username", "password"}),
    ({"username": "cw_soz", "password": PASSWORD, "extra": 1}, {"extra"}),
    ({"username": 5, "password": PASSWORD}, {"username"}),
    ({"username": "a\x00b", "password": PASSWORD}, {"username"}),
])
def test_invalid_token_requests_are_422_with_field_errors(api: Api, api_engine: Staffel,
                                                          payload: dict[str, object],
                                                          fields: set[str]) -> None:
    before = snapshot(api_engine)
    assert_error(api.post(TOKEN_URL, payload, as_=None), 422, "invalid_input", fields)
    assert snapshot(api_engine) == before


def test_a_body_that_is_not_json_is_400_in_the_same_shape(api: Api) -> None:
    response = api.client.post(TOKEN_URL, data="{nope", content_type="application/json")
    body = assert_error(response, 400, "bad_request")
    assert "JSON" in body["message"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic YTpi",
                                    "Bearer " + "x" * 500])
def test_missing_or_invalid_tokens_are_401_with_www_authenticate(client: FlaskClient,
                                                                header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/tasks", headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_401_comes_before_input_validation(client: FlaskClient) -> None:
    assert_error(client.post("/api/v1/cases", json={"nonsense": True}), 401)


def test_revoked_token_and_inactive_user_are_rejected(api: Api, api_engine: Staffel) -> None:
    assert api.delete(TOKEN_URL, as_="cw_soz").status_code == 204
    assert_error(api.get("/api/v1/tasks", as_="cw_soz"), 401)
    with api_engine.db.write() as s:
        user = s.scalars(select(User).where(User.username == "cw_jc")).one()
        user.active = False
    assert_error(api.get("/api/v1/tasks", as_="cw_jc"), 401)
    assert_error(api.post(TOKEN_URL, {"username": "cw_jc", "password": PASSWORD}, as_=None), 401)


def test_an_outdated_password_hash_is_upgraded_at_login(api_engine: Staffel) -> None:
    from argon2 import PasswordHasher

    with api_engine.db.read() as s:
        old = s.scalars(select(User.password_hash).where(User.username == "owner")).one()
    api_engine.context.password_hasher = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    assert api_engine.people.authenticate("owner", PASSWORD) is not None
    with api_engine.db.read() as s:
        new = s.scalars(select(User.password_hash).where(User.username == "owner")).one()
    assert new != old and "m=16,t=2" in new


@pytest.fixture
def page_app(app: Flask) -> Flask:
    """The app with a login form, a protected page and a form post, as the pages would."""
    from flask import request

    @app.post("/test-login")
    def test_login() -> tuple[str, int]:
        actor = login(request.form["username"], request.form["password"])
        return (actor.username, 200) if actor else ("no", 401)

    @app.get("/test-protected")
    @page_login_required
    def protected() -> str:
        actor = current_actor()
        assert actor is not None
        return f"{actor.username} {sorted(actor.teams)}"

    @app.post("/test-logout")
    def test_logout() -> str:
        logout()
        return "bye"

    return app


def test_sessions_log_in_and_protect_pages(page_app: Flask) -> None:
    page_app.config["WTF_CSRF_ENABLED"] = False
    client = page_app.test_client()
    login_page = client.get("/test-protected")
    assert login_page.status_code == 302
    assert login_page.headers["Location"].startswith("/login?next=")
    page_app.config["LOGIN_VIEW"] = "no.such.view"  # without a login page: a plain 401
    assert client.get("/test-protected").status_code == 401
    assert client.post("/test-login", data={"username": "sup_soz",
                                            "password": "wrong"}).status_code == 401
    assert client.post("/test-login", data={"username": "sup_soz",
                                            "password": PASSWORD}).status_code == 200
    page = client.get("/test-protected")
    assert page.get_data(as_text=True) == "sup_soz ['sozialamt', 'supervisor']"
    client.post("/test-logout")
    assert client.get("/test-protected").status_code == 401


def test_form_posts_need_a_csrf_token_but_the_api_does_not(page_app: Flask, api: Api) -> None:
    client = page_app.test_client()
    response = client.post("/test-login", data={"username": "sup_soz", "password": PASSWORD})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    token = client.post(TOKEN_URL, json={"username": "sup_soz", "password": PASSWORD})
    assert token.status_code == 200


def test_the_api_ignores_session_cookies(page_app: Flask) -> None:
    page_app.config["WTF_CSRF_ENABLED"] = False
    client = page_app.test_client()
    client.post("/test-login", data={"username": "admin", "password": PASSWORD})
    assert client.get("/test-protected").status_code == 200
    assert_error(client.get("/api/v1/tasks"), 401)


def test_token_lifetime_is_configurable(tmp_path: Path) -> None:
    from web import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'ttl.db'}",
                      "DEPLOY_ON_START": False, "TOKEN_TTL_HOURS": 1, "SECRET_KEY": "x"})
    built: Staffel = app.extensions["staffel"]
    built.people.add("admin", "correct horse battery", ["admin"])
    issued = built.people.issue_token("admin")
    left = issued.expires_at - built.clock.wall_now()
    assert timedelta(minutes=59) < left <= timedelta(hours=1)
