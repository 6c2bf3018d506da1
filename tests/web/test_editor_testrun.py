"""Test run of a draft over HTTP: the editor page route (session + CSRF) and the REST route
(bearer token), on an app with the real lifecycle (bpmn/) deployed. Nothing real changes."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.lifecycle.helpers import BPMN_DIR
from tests.web.conftest import assert_error, snapshot
from tests.web.test_pages_support import HTML, csrf_token, login, text
from web import create_app

MAIN_XML = (BPMN_DIR / "refugee_lifecycle.bpmn").read_text(encoding="utf-8")
RENAMED = MAIN_XML.replace('name="Person registrieren', 'name="Person aufnehmen')


@pytest.fixture
def lifecycle_app(api_engine: Staffel) -> Flask:
    api_engine.definitions.deploy_directory(BPMN_DIR, actor="lead")
    return create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "TESTING": True,
                       "CASE_PROCESS": "refugee_lifecycle", "SECRET_KEY": "test"})


def as_user(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def run(client: FlaskClient, key: str = "refugee_lifecycle", xml: str = RENAMED,
        query: str = "", token: str | None = None) -> Any:
    headers = {"Content-Type": "application/xml", "Accept": "application/json",
               "X-CSRFToken": token or csrf_token(client, "/inbox")}
    return client.post(f"/editor/{key}/test-run{query}", data=xml.encode(), headers=headers)


def test_owner_runs_the_draft_and_nothing_real_changes(lifecycle_app: Flask,
                                                       api_engine: Staffel) -> None:
    owner = as_user(lifecycle_app, "owner")
    before = snapshot(api_engine)
    answer = run(owner)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["completed"] is True and body["stop_reason"] == "completed"
    assert body["final_stage"] == "S6" and body["final_stage_name"].startswith("Regelbetreuung")
    register = next(s for s in body["steps"] if s["element_id"] == "Task_register")
    assert register["name"].startswith("Person aufnehmen")
    assert register["team_name"] and register["stage_name"]
    assert "Task_register" in body["path"]["refugee_lifecycle"]
    assert all(d["name"] and d["legal_basis"] for d in body["deadlines"])
    assert snapshot(api_engine) == before

    rejected = run(owner, query="?outcome=rejected").get_json()
    assert rejected["completed"] and "duldung" in rejected["path"]
    assert "duldung" not in body["path"]
    assert snapshot(api_engine) == before


def test_page_route_errors(lifecycle_app: Flask, api_engine: Staffel) -> None:
    before = snapshot(api_engine)
    owner = as_user(lifecycle_app, "owner")
    invalid = run(owner, xml=MAIN_XML.replace('name="Eingangszone', 'name="Geheimteam', 1))
    assert invalid.status_code == 422
    assert invalid.get_json()["valid"] is False and invalid.get_json()["problems"]
    empty = run(owner, xml="  ")
    assert empty.status_code == 422 and empty.get_json()["problems"]
    bad = run(owner, query="?outcome=granted&land=XX")
    assert_error(bad, 422, "invalid_input")
    assert {e["field"] for e in bad.get_json()["errors"]} == {"outcome", "land"}
    assert_error(run(owner, key="nope"), 404, "not_found")
    worker = as_user(lifecycle_app, "cw_soz")
    assert_error(run(worker), 403, "forbidden")
    no_csrf = owner.post("/editor/refugee_lifecycle/test-run", data=RENAMED.encode(),
                         headers={"Content-Type": "application/xml"})
    assert no_csrf.status_code == 400
    anonymous = lifecycle_app.test_client().post("/editor/refugee_lifecycle/test-run",
                                                 data=b"<x/>")
    assert anonymous.status_code in (302, 400)
    assert snapshot(api_engine) == before


def test_editor_page_has_the_test_run_panel(lifecycle_app: Flask) -> None:
    body = text(as_user(lifecycle_app, "owner").get("/editor/refugee_lifecycle", headers=HTML))
    assert 'id="testrun-start"' in body and 'data-url="/editor/refugee_lifecycle/test-run"' in body
    assert '<option value="refugee" selected>' in body and 'value="dublin"' in body
    assert "editor_testrun.js" in body and "Testlauf" in body


def test_rest_test_run(lifecycle_app: Flask, api_engine: Staffel) -> None:
    client = lifecycle_app.test_client()
    owner = {"Authorization": f"Bearer {api_engine.people.issue_token('owner').token}"}
    worker = {"Authorization": f"Bearer {api_engine.people.issue_token('cw_soz').token}"}
    before = snapshot(api_engine)
    url = "/api/v1/process-definitions/test-run?filename=refugee_lifecycle.bpmn"
    xml = {"Content-Type": "application/xml"}
    answer = client.post(url + "&outcome=subsidiary", data=RENAMED, headers={**owner, **xml})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["completed"] and body["settings"]["outcome"] == "subsidiary"
    assert "problems" not in body and body["steps"][0]["kind"] == "start"
    decision = next(s for s in body["steps"] if s["name"] == "bamf_decision")
    assert decision["stage"] == "S3c"

    bad = MAIN_XML.replace('name="Eingangszone', 'name="Geheimteam', 1)
    refused = client.post(url, data=bad, headers={**owner, **xml})
    assert_error(refused, 422, "deploy_error")
    assert all(e["file"] == "refugee_lifecycle.bpmn" for e in refused.get_json()["errors"])
    assert_error(client.post(url + "&max_steps=0", data=RENAMED, headers={**owner, **xml}), 422)
    assert_error(client.post(url + "&colour=red", data=RENAMED, headers={**owner, **xml}), 422)
    assert_error(client.post(url + "&outcome=granted", data=RENAMED,
                             headers={**owner, **xml}), 422, "invalid_input", {"outcome"})
    assert_error(client.post(url, data=RENAMED, headers={**worker, **xml}), 403)
    assert client.post(url, data=RENAMED, headers=xml).status_code == 401
    assert snapshot(api_engine) == before


def test_rest_test_run_is_in_openapi(lifecycle_app: Flask) -> None:
    spec = lifecycle_app.test_client().get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/process-definitions/test-run"]["post"]
    assert "200" in operation["responses"] and "422" in operation["responses"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"outcome", "land", "entry", "withhold", "max_steps", "start"} <= names
    assert "TestRunResult" in spec["components"]["schemas"]
