"""``/api/v1/messages``, ``/api/v1/clock``, ``/api/v1/process-definitions``, durations."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask import Flask

from engine import Staffel
from engine.definitions.deploy import read_directory
from engine.errors import InvalidInput
from tests.conftest import ENGINE_DIAGRAMS, START
from tests.web.conftest import Api, assert_error, snapshot, start_basic, start_waiting
from web import create_app
from web.api.durations import parse_duration

DECISION = {"name": "bamf_decision", "payload": {"outcome": "refugee"}}


def test_message_by_aktenzeichen_is_200_and_moves_the_case(api: Api,
                                                         api_engine: Staffel) -> None:
    case = start_waiting(api_engine, "8000000-001")
    response = api.post("/api/v1/messages",
                        {**DECISION, "correlation": {"bamf_aktenzeichen": "8000000-001"}})
    assert response.status_code == 200
    assert response.get_json() == {
        "outcome": "delivered", "state": "delivered", "message": "bamf_decision",
        "message_id": None, "expires_at": None, "case_id": case.id,
        "case_number": case.case_number, "stage": "S1", "status": "completed"}
    assert "message_correlated" in [e.action for e in api_engine.audit.events(case.id)]


def test_message_by_case_id_from_a_team_member(api: Api, api_engine: Staffel) -> None:
    case = start_waiting(api_engine)
    # cw_multi is in jc_leistung (a message team) and sozialamt (which worked on the case)
    response = api.post("/api/v1/messages", {**DECISION, "case_id": case.id}, as_="cw_multi")
    assert response.status_code == 200
    assert api_engine.cases.get(case.id).status == "completed"


@pytest.mark.parametrize(("body", "status", "fields"), [
    ({**DECISION, "correlation": {"bamf_aktenzeichen": "0000000-000"}}, 404, None),
    ({**DECISION, "case_id": "0" * 32}, 404, None),
    ({"name": "permit_issued", "payload": {}, "correlation": {"bamf_aktenzeichen":
                                                              "8000000-001"}}, 409, {"name"}),
    ({**DECISION, "case_id": "a", "message_id": ""}, 422, {"message_id"}),
    ({"name": "bamf_decision", "payload": {},  # the diagram's script needs 'outcome'
      "correlation": {"bamf_aktenzeichen": "8000000-001"}}, 422, {"line 1"}),
    (DECISION, 422, {"case_id"}),
    ({**DECISION, "case_id": "a", "correlation": {"bamf_aktenzeichen": "b"}}, 422, {"case_id"}),
    ({**DECISION, "correlation": {}}, 422, {"correlation.bamf_aktenzeichen"}),
    ({**DECISION, "correlation": {"azr": "1"}}, 422, {"correlation.azr"}),
    ({"payload": {}, "case_id": "a"}, 422, {"name"}),
    ({**DECISION, "case_id": "a", "payload": "x"}, 422, {"payload"}),
])
def test_bad_messages_change_nothing(api: Api, api_engine: Staffel, body: dict[str, object],
                                     status: int, fields: set[str] | None) -> None:
    start_waiting(api_engine, "8000000-001")
    before = snapshot(api_engine)
    assert_error(api.post("/api/v1/messages", body), status, fields=fields)
    assert snapshot(api_engine) == before


def test_payloads_are_checked_against_the_message_schema(api: Api, api_engine: Staffel) -> None:
    files = read_directory(ENGINE_DIAGRAMS)
    files["basic.bpmn"] = files["basic.bpmn"].replace(b'name="Basic"', b'name="Basic v2"')
    files["messages/bamf_decision.schema.json"] = json.dumps({
        "type": "object", "required": ["outcome"], "additionalProperties": False,
        "properties": {"outcome": {"enum": ["refugee", "subsidiary", "rejected"]}}}).encode()
    result = api_engine.definitions.deploy(files)
    assert [v.version for v in result.new_versions if v.key == "basic"] == [2]
    case = start_waiting(api_engine, "8000000-002")
    before = snapshot(api_engine)
    for payload, fields in (({"outcome": 1}, {"payload.outcome"}), ({}, {"payload.outcome"}),
                            ({"outcome": "refugee", "x": 1}, {"payload.(root)"})):
        body = {"name": "bamf_decision", "case_id": case.id, "payload": payload}
        assert_error(api.post("/api/v1/messages", body), 422, "invalid_input", fields)
    assert snapshot(api_engine) == before
    body = {"name": "bamf_decision", "case_id": case.id, "payload": {"outcome": "refugee"}}
    assert api.post("/api/v1/messages", body).status_code == 200


def test_an_early_message_is_kept_202_and_used_when_the_case_gets_there(
        api: Api, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    body = {**DECISION, "case_id": case.id, "message_id": "bamf-2027-0001"}
    response = api.post("/api/v1/messages", body)
    assert response.status_code == 202
    answer = response.get_json()
    assert (answer["outcome"], answer["state"], answer["status"]) == (
        "buffered", "buffered", "running")
    assert answer["expires_at"] == (START + timedelta(days=365)).isoformat()
    again = api.post("/api/v1/messages", body)  # a resend changes nothing
    assert (again.status_code, again.get_json()["outcome"]) == (200, "duplicate")
    task = api_engine.cases.get(case.id).open_tasks[0]
    api_engine.tasks.complete(task.id, {"interpreter_needed": False}, "cw_soz")
    assert api_engine.cases.get(case.id).status == "completed"


def test_a_message_the_case_never_uses_is_409_naming_the_stage(api: Api,
                                                               api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    before = snapshot(api_engine)
    response = api.post("/api/v1/messages", {"name": "course_result", "case_id": case.id,
                                             "payload": {}})
    assert_error(response, 409, "message_not_usable", {"name"})
    assert "(stage S1)" in response.get_json()["message"]
    assert response.get_json()["errors"][0]["stage"] == "S1"
    german = api.client.post("/api/v1/messages", json={"name": "course_result",
                                                       "case_id": case.id, "payload": {}},
                             headers={**api.headers("admin"),
                                      "Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert_error(german, 409, "message_not_usable", {"name"})
    assert german.get_json()["message"] == (
        f"Fall {case.case_number} (Stufe S1) wird die Meldung „course_result“ nie verwenden: "
        "keiner seiner Prozesse wartet darauf")
    assert snapshot(api_engine) == before


def test_clock_shows_engine_time_and_advances_by_duration_or_to_a_time(
        api: Api, api_engine: Staffel) -> None:
    assert api.get("/api/v1/clock", as_="owner").get_json() == {
        "now": START.isoformat(), "mode": "simulated"}
    case = start_basic(api_engine)
    moved = api.post("/api/v1/clock/advance", {"by": "P10DT1M"})
    assert moved.status_code == 200
    assert moved.get_json() == {"now": (START + timedelta(days=10, minutes=1)).isoformat(),
                                "fired": 1}
    names = sorted(t.name for t in api_engine.cases.get(case.id).open_tasks)
    assert names == ["Task_register", "Task_reminder"]
    target = "2027-04-01T10:00:00+02:00"
    assert api.post("/api/v1/clock/advance", {"to": target}).get_json() == {
        "now": "2027-04-01T08:00:00+00:00", "fired": 0}


@pytest.mark.parametrize(("body", "fields"), [
    ({"by": "P1M"}, {"by"}), ({"by": "P1Y"}, {"by"}), ({"by": "30 days"}, {"by"}),
    ({"by": "P"}, {"by"}), ({"by": "PT"}, {"by"}), ({"by": "P99999999999999D"}, {"by"}),
    ({"to": "2027-01-01T00:00:00Z"}, {"to"}),                # the past
    ({"to": "2027-04-01T10:00:00"}, {"to"}),                 # no offset
    ({"to": "0001-01-01T00:00:00+14:00"}, {"to"}),
    ({"to": "9999-12-31T23:59:59-12:00"}, {"to"}),
    ({}, {"to"}), ({"by": "P1D", "to": "2027-04-01T10:00:00Z"}, {"to"}),
])
def test_bad_clock_moves_are_422_and_change_nothing(api: Api, api_engine: Staffel,
                                                    body: dict[str, str],
                                                    fields: set[str]) -> None:
    before = (snapshot(api_engine), api_engine.clock.now())
    assert_error(api.post("/api/v1/clock/advance", body), 422, "invalid_input", fields)
    assert (snapshot(api_engine), api_engine.clock.now()) == before


def test_only_admins_move_the_clock(api: Api, api_engine: Staffel) -> None:
    for user in ("cw_soz", "sup_soz", "owner"):
        assert_error(api.post("/api/v1/clock/advance", {"by": "P1D"}, as_=user), 403)
    assert api_engine.clock.now() == START


def test_moving_the_system_clock_is_409(make_engine) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(clock="system")
    engine.people.add("root", "a long password", ["admin"])
    app: Flask = create_app({"ENGINE": engine, "DEPLOY_ON_START": False, "TESTING": True})
    headers = {"Authorization": f"Bearer {engine.people.issue_token('root').token}"}
    client = app.test_client()
    assert client.get("/api/v1/clock", headers=headers).get_json()["mode"] == "system"
    response = client.post("/api/v1/clock/advance", json={"by": "P1D"}, headers=headers)
    assert_error(response, 409, "conflict")


def test_process_definitions_list_keys_versions_and_deploy_times(api: Api) -> None:
    items = api.get("/api/v1/process-definitions", as_="owner").get_json()["items"]
    assert {(i["key"], i["version"]) for i in items} >= {
        ("basic", 1), ("timers", 1), ("parent", 1), ("child", 1)}
    assert all(i["deployed_at"] and i["deployed_by"] == "tester" for i in items)


@pytest.mark.parametrize(("text", "expected"), [
    ("P30D", timedelta(days=30)), ("P2W", timedelta(weeks=2)), ("PT12H", timedelta(hours=12)),
    ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)), ("PT90S", timedelta(seconds=90)),
    ("p1d", timedelta(days=1)), ("P0D", timedelta(0)),
])
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P1M", "P1Y2D", "P", "PT", "1D", "P1.5D", "P1DT", "-P1D", ""])
def test_parse_duration_rejects(text: str) -> None:
    message = ("durations in months or years are not supported" if text in ("P1M", "P1Y2D")
               else f"{text!r} is not an ISO 8601 duration")
    with pytest.raises(InvalidInput, match=f"^{re.escape(message)}$"):
        parse_duration(text)
