"""Fixtures of the web tests: an app over a fresh database with the test diagrams deployed,
users of every role (cheap argon2 parameters), bearer tokens, and a small API client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import Staffel
from engine.persistence.inbound import InboundMessage
from engine.persistence.models import (
    ApiToken,
    AuditEvent,
    Case,
    HumanTask,
    ProcessInstance,
    Timer,
    User,
)
from tests.conftest import ENGINE_DIAGRAMS, PERSON
from web import create_app

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery"
# username -> (roles, teams)
USERS: dict[str, tuple[list[str], list[str]]] = {
    "cw_soz": (["caseworker"], ["sozialamt"]),
    "cw_soz2": (["caseworker"], ["sozialamt"]),
    "cw_jc": (["caseworker"], ["jc_leistung"]),
    "cw_ez": (["caseworker"], ["eingangszone"]),
    "cw_multi": (["caseworker"], ["sozialamt", "jc_leistung"]),
    "sup_soz": (["supervisor"], ["sozialamt"]),
    "sup_jc": (["supervisor"], ["jc_leistung"]),
    "owner": (["process_owner"], []),
    "admin": (["admin"], []),
}
NEW_CASE = {"person": {"family_name": "Haddad", "given_name": "Rana",
                       "birth_date": "1990-04-12", "nationality": "SY", "languages": ["ar"]},
            "land": "NW", "entry": "asylum", "bamf_aktenzeichen": "8123456-423"}


@pytest.fixture
def api_engine(make_engine: Callable[..., Staffel]) -> Staffel:
    eng = make_engine()
    eng.context.password_hasher = FAST_HASHER
    eng.definitions.deploy_directory(ENGINE_DIAGRAMS, actor="tester")
    for username, (roles, teams) in USERS.items():
        eng.people.add(username, PASSWORD, roles, teams)
    return eng


@pytest.fixture
def app(api_engine: Staffel) -> Flask:
    return create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "TESTING": True,
                       "CASE_PROCESS": "basic", "SECRET_KEY": "test"})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def tokens(api_engine: Staffel) -> dict[str, str]:
    return {name: api_engine.people.issue_token(name).token for name in USERS}


@dataclass
class Api:
    """Calls the API as one of the test users (or anonymously with ``as_=None``)."""

    client: FlaskClient
    tokens: dict[str, str]

    def headers(self, as_: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[as_]}"} if as_ else {}

    def get(self, path: str, as_: str | None = "admin", **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(as_), **kw)

    def post(self, path: str, json: Any = None, as_: str | None = "admin", **kw: Any) -> Any:
        return self.client.post(path, json=json, headers=self.headers(as_), **kw)

    def delete(self, path: str, as_: str | None = "admin") -> Any:
        return self.client.delete(path, headers=self.headers(as_))


@pytest.fixture
def api(client: FlaskClient, tokens: dict[str, str]) -> Api:
    return Api(client, tokens)


def start_basic(engine: Staffel, az: str = "8123456-423") -> Any:
    """A ``basic`` case with an open sozialamt task ``Task_register``."""
    return engine.cases.start(PERSON, "NW", "asylum", az, process_key="basic", actor="tester")


def start_waiting(engine: Staffel, az: str = "8000000-001") -> Any:
    """A ``basic`` case whose sozialamt task is done: it waits for ``bamf_decision``."""
    case = start_basic(engine, az)
    engine.tasks.complete(case.open_tasks[0].id, {"interpreter_needed": False}, actor="tester")
    return case


def start_jc(engine: Staffel) -> Any:
    """A ``parent`` case (resettlement) with an open jc_leistung task ``Task_ack``."""
    return engine.cases.start(PERSON, "NW", "resettlement", process_key="parent",
                             data={"decision_date": "2027-01-31"}, actor="tester")


def snapshot(engine: Staffel) -> tuple[Any, ...]:
    """Everything a failed request must leave as it was."""
    with engine.db.read() as s:
        return (
            sorted((r.id, r.stage, r.closed_at, r.buffered_messages)
                   for r in s.scalars(select(Case))),
            s.scalar(select(func.count()).select_from(InboundMessage)),
            sorted((r.id, r.status, r.lock_version) for r in s.scalars(select(ProcessInstance))),
            sorted((r.id, r.state, r.assignee) for r in s.scalars(select(HumanTask))),
            sorted((r.id, r.status) for r in s.scalars(select(Timer))),
            s.scalar(select(func.count()).select_from(AuditEvent)),
            s.scalar(select(func.count()).select_from(User)),
            s.scalar(select(func.count()).select_from(ApiToken)),
        )


def assert_error(response: Any, status: int, code: str | None = None,
                 fields: set[str] | None = None) -> dict[str, Any]:
    """The response is an error in the one shape, with this status (and code, fields)."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"}, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], list)
    for error in body["errors"]:
        assert {"field", "message"} <= set(error), error
    if code is not None:
        assert body["code"] == code
    if fields is not None:
        assert {e["field"] for e in body["errors"]} == fields, body["errors"]
    return dict(body)


def bpmn_engine(make_engine: Callable[..., Staffel],
               users: dict[str, tuple[list[str], list[str]]]) -> Staffel:
    """A fresh engine with the real diagrams of ``bpmn/`` deployed and these users
    (username -> (roles, teams), password :data:`PASSWORD`, cheap hashing)."""
    from tests.lifecycle.helpers import BPMN_DIR

    eng = make_engine()
    eng.context.password_hasher = FAST_HASHER
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    for username, (roles, teams) in users.items():
        eng.people.add(username, PASSWORD, roles, teams)
    return eng


def app_of(engine: Staffel) -> Flask:
    """The web app over an engine (testing mode, nothing deployed on start)."""
    return create_app({"ENGINE": engine, "DEPLOY_ON_START": False, "TESTING": True,
                       "SECRET_KEY": "test"})
