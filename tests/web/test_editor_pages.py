"""The process editor pages: who may open them, validate (nothing stored), deploy under the
original file name, and the version history with its diff."""

from __future__ import annotations

import html

from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.engine.definitions.test_versions import basic_without_wait
from tests.web.conftest import snapshot
from tests.web.test_pages_support import HTML, csrf_token, login, text


def as_user(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def post_xml(client: FlaskClient, path: str, xml: str) -> object:
    token = csrf_token(client, "/editor")
    return client.post(path, data=xml.encode(), headers={
        "Content-Type": "application/xml", "Accept": "application/json", "X-CSRFToken": token})


def test_only_process_owners_and_admins_open_the_editor(app: Flask, client: FlaskClient) -> None:
    anonymous = client.get("/editor", headers=HTML)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    worker = as_user(app, "cw_soz")
    for path in ("/editor", "/editor/basic", "/editor/basic/history", "/editor/basic/1.bpmn"):
        assert worker.get(path, headers=HTML).status_code == 403, path
    assert 'href="/editor"' not in text(worker.get("/inbox", headers=HTML))
    assert worker.post("/editor/basic/deploy", data=b"<x/>", headers={
        "X-CSRFToken": csrf_token(worker, "/inbox")}).status_code == 403
    for name in ("owner", "admin"):
        user = as_user(app, name)
        body = text(user.get("/editor", headers=HTML))
        assert 'href="/editor"' in body and 'href="/editor/basic"' in body
        assert user.get("/editor/basic", headers=HTML).status_code == 200
    owner = as_user(app, "owner")
    assert owner.get("/editor/nope", headers=HTML).status_code == 404
    assert owner.get("/editor/basic?version=9", headers=HTML).status_code == 404


def test_the_editor_page_loads_the_modeler_with_linting(app: Flask) -> None:
    owner = as_user(app, "owner")
    body = text(owner.get("/editor/basic", headers=HTML))
    assert "bpmn-modeler.production.min.js" in body and "bpmnlint-config.umd.js" in body
    assert 'data-xml-url="/editor/basic/1.bpmn"' in body
    assert 'data-validate-url="/editor/basic/validate"' in body and 'data-csrf="' in body
    xml = owner.get("/editor/basic/1.bpmn", headers=HTML)
    assert xml.status_code == 200 and b'id="Task_register"' in xml.data


def test_validate_reports_problems_with_element_ids_and_stores_nothing(
        app: Flask, api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    xml = api_engine.definitions.xml("basic", 1)
    bad = xml.replace('value="register.schema.json"', 'value="missing.schema.json"')
    before = snapshot(api_engine)
    answer = post_xml(owner, "/editor/basic/validate", bad)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["valid"] is False and body["problems"]
    assert any(p["element_id"] == "Task_register" for p in body["problems"]), body
    assert snapshot(api_engine) == before
    good = post_xml(owner, "/editor/basic/validate", xml).get_json()
    assert good == {"valid": True, "problems": []}
    refused = post_xml(owner, "/editor/basic/deploy", bad)
    assert refused.status_code == 422 and refused.get_json()["problems"]
    assert [v.version for v in api_engine.definitions.versions("basic")] == [1]


def test_deploy_creates_a_new_version_under_the_original_file_name(
        app: Flask, api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    old = api_engine.definitions.versions("basic")[0]
    xml = api_engine.definitions.xml("basic", 1).replace('name="Register person"',
                                                     'name="Register the person"')
    answer = post_xml(owner, "/editor/basic/deploy", xml)
    assert answer.status_code == 201, answer.data
    assert answer.get_json()["version"] == 2 and answer.get_json()["new"] is True
    newest = api_engine.definitions.versions("basic")[0]
    assert (newest.version, newest.file_name, newest.deployed_by) == (2, old.file_name, "owner")
    same = post_xml(owner, "/editor/basic/deploy", xml).get_json()
    assert same["new"] is False and same["version"] == 2


def test_history_lists_versions_and_the_diff(app: Flask, api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    single = html.unescape(text(owner.get("/editor/basic/history", headers=HTML)))
    assert 'data-version="1"' in single and 'id="diff-single"' in single
    xml = api_engine.definitions.xml("basic", 1).replace('name="Register person"',
                                                     'name="Register the person"')
    assert post_xml(owner, "/editor/basic/deploy", xml).status_code == 201
    body = html.unescape(text(owner.get("/editor/basic/history", headers=HTML)))
    assert 'data-version="2"' in body and 'data-version="1"' in body
    changed = body.split('class="diff-changed"')[1].split("</ul>")[0]
    assert "Task_register" in changed and "Register person" in changed
    assert "Register the person" in changed
    same = text(owner.get("/editor/basic/history?from=2&to=2", headers=HTML))
    assert 'id="diff-same"' in same
    assert owner.get("/editor/nope/history", headers=HTML).status_code == 404


def test_history_puts_the_diff_on_the_diagram_and_lists_removed_elements(
        app: Flask, api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    assert post_xml(owner, "/editor/basic/deploy", basic_without_wait().decode()).status_code \
        == 201
    body = html.unescape(text(owner.get("/editor/basic/history?from=1&to=2", headers=HTML)))
    assert 'data-xml-url="/editor/basic/2.bpmn"' in body
    assert "bpmn-navigated-viewer.production.min.js" in body and "version-diff.js" in body
    removed = body.split('id="diff-removed-list"')[1].split("</ul>")[0]
    assert "Wait_decision" in removed and "F3" in removed
    data = body.split('id="diff-data">')[1].split("</script>")[0]
    assert '"removed"' in data and '"sla_days": "SLA (Arbeitstage)"' in data
    assert 'id="legend-added"' in body and 'id="legend-changed"' in body
    single = text(owner.get("/editor/basic/history?from=2&to=2", headers=HTML))
    assert 'id="diff-canvas"' not in single and "version-diff.js" not in single
