"""The DMN decision-table pages: who may open them, validation with the engine's deploy checks
(every cell compiled in the sandbox), deploy as a new revision with new versions of the calling
processes, and the errors (403, 404, 422) that leave everything as it was."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.conftest import ENGINE_DIAGRAMS
from tests.web.conftest import snapshot
from tests.web.test_pages_support import HTML, csrf_token, login, text

DMN = (ENGINE_DIAGRAMS / "route.dmn").read_text(encoding="utf-8")
ESCAPE = DMN.replace('<text>"sozialamt"</text>', "<text>().__class__.__bases__</text>")
CHANGED = DMN.replace('<text>"sozialamt"</text>', '<text>"jc_leistung"</text>')


def as_user(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def post(client: FlaskClient, path: str, xml: str) -> Any:
    return client.post(path, data=xml.encode(), headers={
        "Content-Type": "application/xml", "Accept": "application/json",
        "X-CSRFToken": csrf_token(client, "/inbox")})


def test_owner_lists_and_opens_decision_tables(app: Flask) -> None:
    owner = as_user(app, "owner")
    listing = text(owner.get("/decisions", headers=HTML))
    assert 'href="/decisions/route.dmn"' in listing and "Routing" in listing
    assert 'href="/editor/parent"' in listing  # the process calling it
    assert 'href="/decisions"' in text(owner.get("/editor", headers=HTML))
    page = text(owner.get("/decisions/route.dmn", headers=HTML))
    assert "dmn-modeler.production.min.js" in page and "dmn_editor.js" in page
    assert 'data-xml-url="/decisions/route.dmn/source.dmn"' in page
    assert "Entscheidungstabelle Routing bearbeiten" in page
    source = owner.get("/decisions/route.dmn/source.dmn")
    assert source.status_code == 200 and source.data.decode() == DMN


def test_other_roles_get_403_and_unknown_files_404(app: Flask, api_engine: Staffel) -> None:
    before = snapshot(api_engine)
    worker = as_user(app, "cw_soz")
    for path in ("/decisions", "/decisions/route.dmn", "/decisions/route.dmn/source.dmn"):
        assert worker.get(path, headers=HTML).status_code == 403, path
    for action in ("validate", "deploy"):
        refused = post(worker, f"/decisions/route.dmn/{action}", CHANGED)
        assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"
    owner = as_user(app, "owner")
    for path in ("/decisions/nope.dmn", "/decisions/basic.bpmn",
                 "/decisions/nope.dmn/source.dmn"):
        assert owner.get(path, headers=HTML).status_code == 404, path
    missing = post(owner, "/decisions/nope.dmn/deploy", CHANGED)
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"
    anonymous = app.test_client().get("/decisions", headers=HTML)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert snapshot(api_engine) == before


def test_validate_compiles_every_cell_and_stores_nothing(app: Flask,
                                                        api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    before = snapshot(api_engine)
    good = post(owner, "/decisions/route.dmn/validate", CHANGED)
    assert good.status_code == 200 and good.get_json() == {"valid": True, "problems": []}
    bad = post(owner, "/decisions/route.dmn/validate", ESCAPE).get_json()
    assert bad["valid"] is False
    assert any(p["file"] == "route.dmn" and p["element_id"] for p in bad["problems"]), bad
    # German pages get German problems, the engine's English text beside (issue 15, point 13)
    assert all(p["message_en"] and p["message"] != p["message_en"] for p in bad["problems"]), bad
    assert snapshot(api_engine) == before


def test_bad_deploys_are_422_and_change_nothing(app: Flask, api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    before = snapshot(api_engine)
    revision = api_engine.definitions.decision_files()[0].revision
    bpmn = (ENGINE_DIAGRAMS / "basic.bpmn").read_text(encoding="utf-8")
    for xml in (ESCAPE, bpmn, "<definitions", "   "):
        answer = post(owner, "/decisions/route.dmn/deploy", xml)
        assert answer.status_code == 422, xml[:40]
        assert answer.get_json()["valid"] is False and answer.get_json()["problems"]
    unchecked = owner.post("/decisions/route.dmn/deploy", data=CHANGED.encode(),
                           headers={"Content-Type": "application/xml"})
    assert unchecked.status_code == 400  # no CSRF token
    assert snapshot(api_engine) == before
    assert api_engine.definitions.decision_files()[0].revision == revision
    assert api_engine.definitions.decision_source("route.dmn") == DMN


def test_deploy_creates_a_revision_and_new_versions_of_the_callers(
        app: Flask, api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    parent_before = api_engine.definitions.versions("parent")[0].version
    answer = post(owner, "/decisions/route.dmn/deploy", CHANGED)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["valid"] is True and body["new"] is True and body["revision"] == 2
    assert {"key": "parent", "version": parent_before + 1} in body["versions"]
    assert api_engine.definitions.decision_source("route.dmn") == CHANGED
    deployed = [e for e in api_engine.audit.events() if e.action == "deployed"]
    assert deployed[-1].actor == "owner"
    listing = text(owner.get("/decisions", headers=HTML))
    assert '<td class="num">2</td>' in listing
    again = post(owner, "/decisions/route.dmn/deploy", CHANGED).get_json()
    assert again["new"] is False and again["versions"] == []
