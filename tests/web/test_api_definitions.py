"""``/api/v1/process-definitions``: validate, deploy, versions, XML, diff and migrations."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine import Staffel
from engine.persistence.models import ProcessInstance
from tests.conftest import ENGINE_DIAGRAMS
from tests.engine.definitions.test_versions import basic_v2, basic_without_wait
from tests.web.conftest import Api, assert_error, snapshot, start_basic, start_waiting

BASE = "/api/v1/process-definitions"
BASIC = (ENGINE_DIAGRAMS / "basic.bpmn").read_text(encoding="utf-8")
CAMUNDA = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_c" targetNamespace="http://x">
  <bpmn:process id="camunda_proc" isExecutable="true" camunda:historyTimeToLive="180">
    <bpmn:startEvent id="Start_c"><bpmn:outgoing>Fc1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_c" name="Approve" camunda:formKey="embedded:app:approve.html"
      camunda:assignee="${initiator}"><bpmn:incoming>Fc1</bpmn:incoming>
      <bpmn:outgoing>Fc2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="End_c"><bpmn:incoming>Fc2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Fc1" sourceRef="Start_c" targetRef="Task_c" />
    <bpmn:sequenceFlow id="Fc2" sourceRef="Task_c" targetRef="End_c" />
  </bpmn:process>
</bpmn:definitions>
"""


def upload(api: Api, path: str, content: str | bytes, filename: str | None = "basic.bpmn",
           as_: str = "owner") -> Any:
    query = f"?filename={filename}" if filename else ""
    return api.client.post(BASE + path + query, data=content, content_type="application/xml",
                           headers=api.headers(as_))


def deployed_versions(engine: Staffel, key: str = "basic") -> list[int]:
    return [v.version for v in engine.definitions.versions(key)]


@pytest.mark.parametrize("user", ["cw_soz", "sup_soz"])
def test_only_process_owners_and_admins_validate_and_deploy(api: Api, api_engine: Staffel,
                                                           user: str) -> None:
    for path in ("/validate", ""):
        assert_error(upload(api, path, basic_v2(), as_=user), 403, "forbidden")
    assert_error(api.get(f"{BASE}/basic/versions/1", as_=user), 403)
    assert_error(api.get(f"{BASE}/basic/diff?from=1&to=1", as_=user), 403)
    assert_error(api.post(f"{BASE}/basic/migrations", {"from": 1, "to": 2}, as_=user), 403)
    assert_error(upload(api, "", basic_v2(), as_=None), 401)  # type: ignore[arg-type]
    assert deployed_versions(api_engine) == [1]
    assert upload(api, "/validate", basic_v2(), as_="admin").status_code == 200


def test_validate_stores_nothing_and_deploy_versions_only_changed_content(
        api: Api, api_engine: Staffel) -> None:
    response = upload(api, "/validate", basic_v2())
    assert response.status_code == 200
    assert response.get_json() == {"valid": True, "versions": []}
    assert deployed_versions(api_engine) == [1]
    same = upload(api, "", BASIC)
    assert same.status_code == 201
    assert same.get_json()["versions"] == []
    assert {"key": "basic", "version": 1} in same.get_json()["unchanged"]
    created = upload(api, "", basic_v2(), filename=None)  # name from Content-Disposition
    assert created.status_code == 422  # upload.bpmn would define 'basic' a second time
    response = api.client.post(BASE, data=basic_v2(), content_type="application/xml",
                               headers={**api.headers("owner"),
                                        "Content-Disposition": 'attachment; filename="basic.bpmn"'})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["versions"] == [{"key": "basic", "version": 2}]
    assert deployed_versions(api_engine) == [2, 1]
    deployed = [e for e in api_engine.audit.events() if e.action == "deployed"]
    assert deployed[-1].actor == "owner" and deployed[-1].element_id == "basic"
    assert upload(api, "", basic_v2()).get_json()["versions"] == []


def test_multipart_deploys_several_files(api: Api, api_engine: Staffel) -> None:
    files = {"a": ((ENGINE_DIAGRAMS / "timers.bpmn").open("rb"), "timers.bpmn"),
             "b": (__import__("io").BytesIO(basic_v2()), "basic.bpmn")}
    response = api.client.post(BASE, data=files, content_type="multipart/form-data",
                               headers=api.headers("owner"))
    assert response.status_code == 201, response.get_json()
    assert {"key": "basic", "version": 2} in response.get_json()["versions"]
    assert {"key": "timers", "version": 1} in response.get_json()["unchanged"]


def _with_script(script: str) -> str:
    return BASIC.replace("outcome = decision['outcome']", script)


@pytest.mark.parametrize(("content", "filename", "element", "reason"), [
    (_with_script("x = ().__class__.__base__.__subclasses__()"), "basic.bpmn",
     "Script_after", "__subclasses__"),
    (BASIC.replace('name="Sozialamt (AsylbLG)"', 'name="Marketing"'), "basic.bpmn",
     "Lane_soz", "maps to no team"),
    (BASIC.replace('isExecutable="true"', 'isExecutable="false"'), "basic.bpmn",
     "basic", "not executable"),
    (BASIC.replace('<bpmn:endEvent id="End_basic"><bpmn:incoming>F4</bpmn:incoming>'
                   '</bpmn:endEvent>', '<bpmn:complexGateway id="Gw_c"><bpmn:incoming>F4'
                   '</bpmn:incoming></bpmn:complexGateway>'), "basic.bpmn", "Gw_c",
     "not supported"),
    (CAMUNDA, "camunda.bpmn", "Task_c", ""),
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "basic.bpmn", None,
     "document type declarations"),
    ("this is not XML", "basic.bpmn", None, "not well-formed"),
    ("<root/>", "basic.bpmn", None, "not a BPMN or DMN"),
    (BASIC + " " * (20 * 1024 * 1024), "basic.bpmn", None, "larger than"),
    (b"\xff\xfe<x/>", "basic.bpmn", None, "not UTF-8"),
    (BASIC, "basic.txt", None, "unknown file type"),
    (BASIC, "", None, ""),
])
def test_bad_uploads_are_422_naming_element_and_reason(
        api: Api, api_engine: Staffel, content: str | bytes, filename: str,
        element: str | None, reason: str) -> None:
    before = (snapshot(api_engine), deployed_versions(api_engine))
    for path in ("/validate", ""):
        body = assert_error(upload(api, path, content, filename=filename or None)
                            if filename else api.client.post(
                                BASE + path, data=b"", content_type="application/xml",
                                headers=api.headers("owner")), 422, "deploy_error")
        assert body["errors"]
        assert all({"file", "line", "element_id", "message"} <= set(e) for e in body["errors"])
        if element:
            assert element in {e["element_id"] for e in body["errors"]}, body["errors"]
        assert any(reason in e["message"] for e in body["errors"]), body["errors"]
    assert (snapshot(api_engine), deployed_versions(api_engine)) == before


def test_history_xml_and_diff(api: Api, api_engine: Staffel) -> None:
    start_basic(api_engine)
    assert upload(api, "", basic_v2()).status_code == 201
    history = api.get(f"{BASE}/basic/versions", as_="cw_soz").get_json()
    assert [(i["version"], i["running_cases"], i["deployed_by"]) for i in history["items"]] == [
        (2, 0, "owner"), (1, 1, "tester")]
    assert_error(api.get(f"{BASE}/nope/versions"), 404)
    xml = api.get(f"{BASE}/basic/versions/1", as_="owner")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.get_data(as_text=True) == BASIC
    assert b"Task_check" in api.get(f"{BASE}/basic/versions/2").get_data()
    assert_error(api.get(f"{BASE}/basic/versions/9"), 404)
    diff = api.get(f"{BASE}/basic/diff?from=1&to=2", as_="owner").get_json()
    assert [a["element_id"] for a in diff["added"]] == ["F2b", "Task_check"]
    assert diff["changed"][0]["changes"]["sla_days"] == {"from": "3", "to": "5"}
    assert_error(api.get(f"{BASE}/basic/diff?from=1"), 422)
    assert_error(api.get(f"{BASE}/basic/diff?from=1&to=7"), 404)


def test_migrations_dry_run_then_run(api: Api, api_engine: Staffel) -> None:
    at_task, at_message = start_basic(api_engine), start_waiting(api_engine)
    assert upload(api, "", basic_v2()).status_code == 201
    path = f"{BASE}/basic/migrations"
    dry = api.post(path, {"from": 1, "to": 2, "dry_run": True}, as_="owner").get_json()
    assert dry["dry_run"] is True
    assert sorted((i["case_id"], i["migratable"]) for i in dry["items"]) == sorted(
        [(at_task.id, True), (at_message.id, True)])
    done = api.post(path, {"from": 1, "to": 2, "dry_run": False, "case_ids": [at_message.id]},
                    as_="owner").get_json()
    assert [(i["case_id"], i["migrated"]) for i in done["items"]] == [(at_message.id, True)]
    assert "instance_migrated" in [e.action for e in api_engine.audit.events(at_message.id)]
    history = api.get(f"{BASE}/basic/versions").get_json()["items"]
    assert [i["running_cases"] for i in history] == [1, 1]
    assert_error(api.post(path, {"from": 1, "to": 1, "dry_run": False}), 422)
    assert_error(api.post(path, {"from": 1, "to": 3}), 404)
    assert_error(api.post(path, {"from": 1}), 422, fields={"to"})


def test_a_case_that_cannot_move_is_reported_and_untouched(api: Api,
                                                           api_engine: Staffel) -> None:
    at_message = start_waiting(api_engine)
    assert upload(api, "", basic_without_wait()).status_code == 201
    with api_engine.db.read() as s:
        before = s.scalars(select(ProcessInstance)).one()
        state, lock = before.state, before.lock_version
    done = api.post(f"{BASE}/basic/migrations", {"from": 1, "to": 2, "dry_run": False},
                    as_="owner").get_json()
    assert [(i["case_id"], i["migrated"]) for i in done["items"]] == [(at_message.id, False)]
    assert "Gw_decision_" in done["items"][0]["reasons"][0]
    with api_engine.db.read() as s:
        after = s.scalars(select(ProcessInstance)).one()
        assert (after.state, after.lock_version) == (state, lock)
