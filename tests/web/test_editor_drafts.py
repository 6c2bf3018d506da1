"""Drafts in the process editor: save (optimistic revision check), reopen, discard, deploy
removes the draft; who may; every bad input a 422 naming the field, with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.web.conftest import snapshot
from tests.web.test_editor_pages import as_user
from tests.web.test_pages_support import HTML, csrf_token, text


def save(client: FlaskClient, xml: str | bytes, base: Any = 1, revision: Any = 0,
         key: str = "basic", token: str | None = None) -> Any:
    query = "&".join(f"{k}={v}" for k, v in (("base", base), ("revision", revision))
                     if v is not None)
    body = xml.encode() if isinstance(xml, str) else xml
    return client.post(f"/editor/{key}/draft?{query}", data=body, headers={
        "Content-Type": "application/xml", "Accept": "application/json",
        "X-CSRFToken": token if token is not None else csrf_token(client, "/editor")})


def renamed(engine: Staffel, name: str = "Register the person") -> str:
    return engine.definitions.xml("basic", 1).replace('name="Register person"', f'name="{name}"')


def actions(engine: Staffel) -> list[str]:
    return [e.action for e in engine.audit.events()]


def test_save_reopen_and_save_again(app: Flask, api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    first = save(owner, renamed(api_engine))
    assert first.status_code == 200, first.data
    assert first.get_json()["revision"] == 1 and first.get_json()["saved_by"] == "owner"
    assert first.get_json()["base_version"] == 1
    page = text(owner.get("/editor/basic", headers=HTML))
    assert 'id="draft-notice"' in page and 'data-xml-url="/editor/basic/draft.bpmn"' in page
    assert 'data-draft-revision="1"' in page and 'data-source="draft"' in page
    assert "Entwurf verwerfen" in page or "Discard draft" in page
    xml = owner.get("/editor/basic/draft.bpmn", headers=HTML)
    assert xml.status_code == 200 and b'name="Register the person"' in xml.data
    # an explicit version opens that version and says there is a draft
    versioned = text(owner.get("/editor/basic?version=1", headers=HTML))
    assert 'data-xml-url="/editor/basic/1.bpmn"' in versioned and 'id="draft-notice"' in versioned
    assert 'id="draft-basic"' in text(owner.get("/editor", headers=HTML))
    second = save(owner, renamed(api_engine, "Register again"), revision=1)
    assert second.status_code == 200 and second.get_json()["revision"] == 2
    draft = api_engine.drafts.get("basic")
    assert draft is not None and 'name="Register again"' in draft.xml
    assert actions(api_engine).count("draft_saved") == 2
    event = [e for e in api_engine.audit.events() if e.action == "draft_saved"][-1]
    assert (event.actor, event.element_id, event.details["revision"]) == ("owner", "basic", 2)


def test_a_stale_editor_gets_409_and_overwrites_nothing(app: Flask, api_engine: Staffel) -> None:
    owner, admin = as_user(app, "owner"), as_user(app, "admin")
    assert save(owner, renamed(api_engine, "Owner's name")).status_code == 200
    before = snapshot(api_engine)
    stale = save(admin, renamed(api_engine, "Admin's name"), revision=0)
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["code"] == "conflict" and "owner" in body["message"]
    assert body["errors"] == [{"field": "revision", "message": "is stale: current is 1"}]
    draft = api_engine.drafts.get("basic")
    assert draft is not None and "Owner's name" in draft.xml and draft.revision == 1
    assert snapshot(api_engine) == before
    # after a discard, a save from revision 1 is stale as well
    discard = owner.post("/editor/basic/draft/discard", headers=HTML, data={
        "revision": "1", "csrf_token": csrf_token(owner, "/editor")})
    assert discard.status_code == 302
    assert save(admin, renamed(api_engine), revision=1).status_code == 409
    assert api_engine.drafts.get("basic") is None


@pytest.mark.parametrize("user", ["cw_soz", "sup_soz"])
def test_only_process_owners_and_admins_save_drafts(app: Flask, api_engine: Staffel,
                                                    user: str) -> None:
    worker = as_user(app, user)
    token = csrf_token(worker, "/inbox")
    before = snapshot(api_engine)
    assert save(worker, renamed(api_engine), token=token).status_code == 403
    assert worker.get("/editor/basic/draft.bpmn", headers=HTML).status_code == 403
    assert worker.post("/editor/basic/draft/discard", data={
        "revision": "0", "csrf_token": token}, headers=HTML).status_code == 403
    assert api_engine.drafts.get("basic") is None and snapshot(api_engine) == before
    admin = as_user(app, "admin")
    assert save(admin, renamed(api_engine)).status_code == 200


BAD: list[tuple[str, Any, Any, Any, str]] = [
    ("empty body", b"", 1, 0, "xml"),
    ("not XML", b"<bpmn:definitions", 1, 0, "xml"),
    ("DOCTYPE", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x/>', 1, 0, "xml"),
    ("not BPMN", b"<html><body/></html>", 1, 0, "xml"),
    ("not UTF-8", "<?xml version='1.0'?><x>\u00e4</x>".encode("latin-1"), 1, 0, "xml"),
    ("another process", None, 1, 0, "xml"),
    ("base version unknown", None, 9, 0, "base_version"),
    ("base version text", None, "abc", 0, "base_version"),
    ("base version missing", None, None, 0, "base_version"),
    ("negative revision", None, 1, -1, "revision"),
    ("revision text", None, 1, "x", "revision"),
    ("revision missing", None, 1, None, "revision"),
]


@pytest.mark.parametrize(("case", "body", "base", "revision", "field"), BAD,
                         ids=[b[0] for b in BAD])
def test_bad_input_is_422_naming_the_field_and_stores_nothing(
        app: Flask, api_engine: Staffel, case: str, body: Any, base: Any, revision: Any,
        field: str) -> None:
    owner = as_user(app, "owner")
    if body is None:
        body = renamed(api_engine)
        if case == "another process":
            body = body.replace('<bpmn:process id="basic"', '<bpmn:process id="other"')
    before = snapshot(api_engine)
    answer = save(owner, body, base=base, revision=revision)
    assert answer.status_code == 422, answer.data
    payload = answer.get_json()
    assert payload["code"] == "invalid_input" and payload["message"]
    assert [e["field"] for e in payload["errors"]] == [field]
    assert api_engine.drafts.get("basic") is None and snapshot(api_engine) == before


def test_unknown_process_missing_csrf_and_missing_draft(app: Flask,
                                                        api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    assert save(owner, renamed(api_engine), key="nope").status_code == 404
    assert owner.get("/editor/basic/draft.bpmn", headers=HTML).status_code == 404
    refused = owner.post("/editor/basic/draft?base=1&revision=0", data=renamed(api_engine),
                         headers={"Content-Type": "application/xml"})
    assert refused.status_code == 400
    gone = owner.post("/editor/basic/draft/discard", data={
        "revision": "0", "csrf_token": csrf_token(owner, "/editor")})
    assert gone.status_code == 404
    assert api_engine.drafts.get("basic") is None


def test_discard_needs_the_current_revision(app: Flask, api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    assert save(owner, renamed(api_engine)).status_code == 200
    token = csrf_token(owner, "/editor")
    stale = owner.post("/editor/basic/draft/discard", data={"revision": "0", "csrf_token": token},
                       headers=HTML, follow_redirects=True)
    assert "nicht verworfen" in text(stale) or "not discarded" in text(stale)
    assert api_engine.drafts.get("basic") is not None
    done = owner.post("/editor/basic/draft/discard", data={"revision": "1", "csrf_token": token},
                      headers=HTML, follow_redirects=True)
    assert done.status_code == 200 and 'id="draft-notice"' not in text(done)
    assert api_engine.drafts.get("basic") is None
    event = api_engine.audit.events()[-1]
    assert (event.action, event.details["reason"]) == ("draft_discarded", "discarded")


def test_deploy_removes_the_draft_and_is_audited(app: Flask, api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    xml = renamed(api_engine)
    assert save(owner, xml).status_code == 200
    bad = xml.replace('value="register.schema.json"', 'value="missing.schema.json"')
    headers = {"Content-Type": "application/xml", "Accept": "application/json",
               "X-CSRFToken": csrf_token(owner, "/editor")}
    refused = owner.post("/editor/basic/deploy", data=bad.encode(), headers=headers)
    assert refused.status_code == 422 and api_engine.drafts.get("basic") is not None
    done = owner.post("/editor/basic/deploy", data=xml.encode(), headers=headers)
    assert done.status_code == 201 and done.get_json()["version"] == 2
    assert api_engine.drafts.get("basic") is None
    deployed, dropped = api_engine.audit.events()[-2:]
    assert (deployed.action, deployed.actor, deployed.element_id, deployed.details["version"]) \
        == ("deployed", "owner", "basic", 2)
    assert (dropped.action, dropped.details["reason"]) == ("draft_discarded", "deployed")
    page = text(owner.get("/editor/basic", headers=HTML))
    assert 'id="draft-notice"' not in page and 'data-xml-url="/editor/basic/2.bpmn"' in page
    assert api_engine.audit.verify().ok


def test_a_too_large_draft_is_422_and_stores_nothing(app: Flask, api_engine: Staffel) -> None:
    owner = as_user(app, "owner")
    before = snapshot(api_engine)
    huge = renamed(api_engine).replace("</bpmn:definitions>",
                                       "<!--" + "x" * (5 * 1024 * 1024) + "--></bpmn:definitions>")
    answer = save(owner, huge)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.get_json()["errors"]] == ["xml"]
    assert api_engine.drafts.get("basic") is None and snapshot(api_engine) == before
