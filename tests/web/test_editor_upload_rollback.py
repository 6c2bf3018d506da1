"""Deploy by file upload on the editor list and roll back to an earlier version (issue 15,
point 11), through the pages and the API: one deployment for all files (all or nothing), the
problems in German, nothing stored on bad input; the roll-back deploys the old content as the
newest version, audited, with 404/409/403 and nothing changed where it must not."""

from __future__ import annotations

import html
import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import MAX_DOCUMENT_BYTES, Staffel
from engine.persistence.models import AuditEvent, DefinitionFile
from tests.conftest import ENGINE_DIAGRAMS
from tests.engine.definitions.test_versions import basic_v2
from tests.web.conftest import Api, assert_error, snapshot
from tests.web.test_editor_pages import as_user
from tests.web.test_pages_support import HTML, csrf_token, text
from web.pages.editor_upload import deploy_name

BASE = "/api/v1/process-definitions"
REGISTER = ENGINE_DIAGRAMS / "forms" / "register.schema.json"


def _register_v2() -> bytes:
    schema = json.loads(REGISTER.read_text(encoding="utf-8"))
    schema["title"] = "Register (version 2)"
    return json.dumps(schema).encode()


def _stored(engine: Staffel) -> tuple[Any, ...]:
    with engine.db.read() as s:
        files = sorted((r.name, r.content_hash) for r in s.scalars(select(DefinitionFile)))
    return (snapshot(engine), files, [(v.key, v.version) for v in engine.definitions.versions()])


def upload(client: FlaskClient, *files: tuple[str, bytes]) -> Any:
    token = csrf_token(client, "/editor")
    data: dict[str, Any] = {"csrf_token": token,
                            "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/editor/upload", data=data, headers=HTML,
                       content_type="multipart/form-data")


def test_the_list_page_offers_the_upload_form(app: Flask) -> None:
    page = text(as_user(app, "owner").get("/editor", headers=HTML))
    assert 'enctype="multipart/form-data"' in page and 'name="files" multiple' in page
    assert "Dateien hochladen und bereitstellen" in page and 'name="csrf_token"' in page


def test_upload_of_two_files_is_one_deployment(app: Flask, api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    response = upload(owner, ("basic.bpmn", basic_v2()), ("register.schema.json", _register_v2()))
    assert response.status_code == 302 and response.headers["Location"].endswith("/editor")
    assert [v.version for v in api_engine.definitions.versions("basic")] == [2, 1]
    with api_engine.db.read() as s:
        names = [r.name for r in s.scalars(select(DefinitionFile).order_by(DefinitionFile.id))]
    assert sorted(names[-2:]) == ["basic.bpmn", "forms/register.schema.json"]  # form's name
    page = html.unescape(text(owner.get("/editor", headers=HTML)))
    assert "Bereitgestellt: basic Version 2." in page


def test_a_bad_file_refuses_the_whole_upload_in_german(app: Flask,
                                                       api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    bad = basic_v2().replace(b'name="sla_days" value="5"', b'name="sla_days" value="0"')
    before = _stored(api_engine)
    response = upload(owner, ("register.schema.json", _register_v2()), ("basic.bpmn", bad))
    assert response.status_code == 422
    page = html.unescape(text(response))
    assert "Das Hochladen wurde abgelehnt: 1 Problem(e). Es wurde nichts bereitgestellt." in page
    assert 'role="alert"' in page and "basic.bpmn" in page and "Zeile" in page
    assert "Die Bearbeitungsfrist (SLA) der Benutzeraufgabe Task_register muss eine ganze " \
           "Zahl von Arbeitstagen zwischen 1 und 9999 sein, nicht „0“." in page
    assert _stored(api_engine) == before


@pytest.mark.parametrize(("files", "message"), [
    ((("notes.txt", b"hello"),), "Unbekannter Dateityp"),
    ((("a.schema.json", b"{not json"),), "Kein gültiges JSON"),
    ((("basic.bpmn", b"x" * (MAX_DOCUMENT_BYTES + 1)),), "Die Datei ist größer als 5 MiB."),
    ((), "Es wurde keine Datei ausgewählt."),
])
def test_bad_uploads_change_nothing(app: Flask, api_engine: Staffel,
                                    files: tuple[tuple[str, bytes], ...], message: str) -> None:
    owner = as_user(app, "owner")
    before = _stored(api_engine)
    response = upload(owner, *files)
    assert response.status_code == 422
    assert message in html.unescape(text(response))
    assert _stored(api_engine) == before


def test_upload_needs_the_csrf_token_and_the_owner_role(app: Flask,
                                                       api_engine: Staffel) -> None:
    before = _stored(api_engine)
    owner = as_user(app, "owner")
    response = owner.post("/editor/upload", data={"files": [(io.BytesIO(basic_v2()),
                                                             "basic.bpmn")]}, headers=HTML)
    assert response.status_code == 400
    caseworker = as_user(app, "cw_soz")
    assert upload(caseworker, ("basic.bpmn", basic_v2())).status_code == 403
    assert _stored(api_engine) == before


def test_deploy_names_follow_the_deployed_files() -> None:
    deployed = ["basic.bpmn", "forms/note.schema.json", "messages/bamf.schema.json"]
    assert deploy_name("note.schema.json", deployed) == "forms/note.schema.json"
    assert deploy_name("bamf.schema.json", deployed) == "messages/bamf.schema.json"
    assert deploy_name("new.schema.json", deployed) == "forms/new.schema.json"
    assert deploy_name("basic.bpmn", deployed) == "basic.bpmn"
    assert deploy_name("other.dmn", deployed) == "other.dmn"


# -- roll-back --------------------------------------------------------------------------------
def test_rollback_through_the_pages(app: Flask, api_engine: Staffel) -> None:
    old_xml = api_engine.definitions.xml("basic", 1)
    api_engine.definitions.deploy({"basic.bpmn": basic_v2()}, "owner")
    owner = as_user(app, "owner")
    history = html.unescape(text(owner.get("/editor/basic/history", headers=HTML)))
    assert 'id="rollback-1"' in history and 'id="rollback-2"' not in history  # newest: none
    assert "Diese Version wiederherstellen" in history
    confirm = html.unescape(text(owner.get("/editor/basic/versions/1/rollback", headers=HTML)))
    assert "Version 1 als Version 3 bereitstellen" in confirm
    assert [v.version for v in api_engine.definitions.versions("basic")] == [2, 1]  # asked only
    token = csrf_token(owner, "/editor/basic/versions/1/rollback")
    response = owner.post("/editor/basic/versions/1/rollback", data={"csrf_token": token},
                          headers=HTML)
    assert response.status_code == 302
    assert api_engine.definitions.xml("basic", 3) == old_xml
    history = html.unescape(text(owner.get("/editor/basic/history", headers=HTML)))
    assert "Der Inhalt von Version 1 wurde als neue Version 3 bereitgestellt." in history
    assert "wiederhergestellt aus Version 1" in history
    before = _stored(api_engine)
    token = csrf_token(owner, "/editor/basic/history")
    again = owner.post("/editor/basic/versions/1/rollback", data={"csrf_token": token},
                       headers=HTML, follow_redirects=True)
    assert "Version 1 wurde nicht wiederhergestellt" in html.unescape(text(again))
    assert _stored(api_engine) == before


def test_rollback_pages_refuse_unknown_versions_and_other_roles(app: Flask,
                                                               api_engine: Staffel) -> None:
    api_engine.definitions.deploy({"basic.bpmn": basic_v2()}, "owner")
    before = _stored(api_engine)
    owner = as_user(app, "owner")
    assert owner.get("/editor/basic/versions/9/rollback", headers=HTML).status_code == 404
    token = csrf_token(owner, "/editor")
    assert owner.post("/editor/basic/versions/9/rollback", data={"csrf_token": token},
                      headers=HTML).status_code == 404
    assert owner.post("/editor/basic/versions/1/rollback", headers=HTML).status_code == 400
    caseworker = as_user(app, "cw_soz")
    assert caseworker.get("/editor/basic/versions/1/rollback", headers=HTML).status_code == 403
    assert _stored(api_engine) == before


def test_rollback_api(api: Api, api_engine: Staffel) -> None:
    api_engine.definitions.deploy({"basic.bpmn": basic_v2()}, "owner")
    before = _stored(api_engine)
    assert_error(api.post(f"{BASE}/basic/versions/1/rollback", as_="cw_soz"), 403)
    assert_error(api.post(f"{BASE}/basic/versions/1/rollback", as_=None), 401)
    assert_error(api.post(f"{BASE}/basic/versions/9/rollback", as_="owner"), 404)
    assert_error(api.post(f"{BASE}/basic/versions/0/rollback", as_="owner"), 404)
    assert_error(api.post(f"{BASE}/nothing/versions/1/rollback", as_="owner"), 404)
    assert_error(api.post(f"{BASE}/basic/versions/2/rollback", as_="owner"), 409, "conflict")
    assert _stored(api_engine) == before

    response = api.post(f"{BASE}/basic/versions/1/rollback", as_="owner")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["versions"] == [{"key": "basic", "version": 3}]
    assert {"key": "timers", "version": 1} in body["unchanged"]  # the deploy's usual answer
    items = api.get(f"{BASE}/basic/versions", as_="owner").get_json()["items"]
    assert [(i["version"], i["restored_from"]) for i in items] == [(3, 1), (2, None), (1, None)]
    with api_engine.db.read() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert actions[-2:] == ["deployed", "rolled_back"]
