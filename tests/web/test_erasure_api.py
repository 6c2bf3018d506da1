"""The erasure requests over the API: a team lead asks, an administrator decides (four eyes);
every bad input answers in the one error shape and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Staffel
from tests.web.conftest import PASSWORD, Api, assert_error, snapshot, start_basic, start_waiting

DECISION = {"outcome": "refugee", "decision_date": "2027-03-01", "served_on": "2027-03-03"}


def ended_case(engine: Staffel, az: str = "8000000-009") -> str:
    """A ``basic`` case the Sozialamt worked on whose process completed (decision received)."""
    case = start_waiting(engine, az)
    engine.messages.receive("bamf_decision", DECISION, case_id=case.id, actor="tester")
    assert engine.cases.get(case.id).status == "completed"
    return str(case.id)


@pytest.fixture
def both(api_engine: Staffel, tokens: dict[str, str]) -> dict[str, str]:
    """A user who is team lead of the Sozialamt and administrator at once."""
    api_engine.people.add("sup_admin", PASSWORD, ["supervisor", "admin"], ["sozialamt"])
    tokens["sup_admin"] = api_engine.people.issue_token("sup_admin").token
    return tokens


def test_a_team_lead_asks_and_an_administrator_erases(api: Api, api_engine: Staffel) -> None:
    case_id = ended_case(api_engine)
    asked = api.post(f"/api/v1/cases/{case_id}/erasure-requests",
                     {"reason": "Antrag nach Art. 17 DSGVO"}, as_="sup_soz")
    assert asked.status_code == 201, asked.get_json()
    body = asked.get_json()
    assert body["state"] == "pending" and body["requested_by"] == "sup_soz"
    listed = api.get("/api/v1/erasure-requests", as_="admin").get_json()["items"]
    assert [(i["id"], i["case_number"], i["reason"]) for i in listed] == [
        (body["id"], body["case_number"], "Antrag nach Art. 17 DSGVO")]
    assert "Haddad" not in str(listed)
    decided = api.post(f"/api/v1/erasure-requests/{body['id']}/decision",
                       {"approve": True, "note": "geprüft"}, as_="admin")
    assert decided.status_code == 200, decided.get_json()
    # five fields at registration + 'interpreter_needed' written back by the completed task
    assert decided.get_json()["counts"]["person_fields"] == 6
    assert decided.get_json()["counts"]["task_drafts"] == 0
    assert decided.get_json()["state"] == "approved"
    case = api.get(f"/api/v1/cases/{case_id}", as_="sup_soz").get_json()
    assert case["person"] == {} and case["bamf_aktenzeichen"] is None
    assert api_engine.audit.verify().ok
    assert api.get("/api/v1/erasure-requests", as_="admin").get_json()["items"] == []


@pytest.mark.parametrize(("body", "field"), [
    ({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "x" * 501}, "reason"),
    ({"reason": "Frau Haddad will es"}, "reason"), ({"reason": 5}, "reason")])
def test_bad_reasons_are_422_and_change_nothing(api: Api, api_engine: Staffel,
                                                body: dict[str, Any], field: str) -> None:
    case_id = ended_case(api_engine)
    before = snapshot(api_engine)
    response = api.post(f"/api/v1/cases/{case_id}/erasure-requests", body, as_="sup_soz")
    assert_error(response, 422, fields={field})
    assert snapshot(api_engine) == before and api_engine.erasure.pending() == []


def test_conflicts_and_unknowns(api: Api, api_engine: Staffel, both: dict[str, str]) -> None:
    running = start_basic(api_engine, "8000000-010")
    before = snapshot(api_engine)
    refused = api.post(f"/api/v1/cases/{running.id}/erasure-requests", {"reason": "Grund"},
                       as_="sup_soz")
    assert "still running" in assert_error(refused, 409)["message"]
    assert_error(api.post("/api/v1/cases/nope/erasure-requests", {"reason": "Grund"},
                          as_="sup_soz"), 404)
    assert_error(api.post("/api/v1/erasure-requests/999/decision", {"approve": True},
                          as_="admin"), 404)
    assert snapshot(api_engine) == before
    case_id = ended_case(api_engine)
    request_id = api.post(f"/api/v1/cases/{case_id}/erasure-requests", {"reason": "Grund"},
                          as_="sup_admin").get_json()["id"]
    before = snapshot(api_engine)
    own = api.post(f"/api/v1/erasure-requests/{request_id}/decision", {"approve": True},
                   as_="sup_admin")
    assert "four eyes" in assert_error(own, 409)["message"]
    assert_error(api.post(f"/api/v1/erasure-requests/{request_id}/decision",
                          {"approve": "yes"}, as_="admin"), 422, fields={"approve"})
    assert_error(api.post(f"/api/v1/erasure-requests/{request_id}/decision",
                          {"approve": True}, as_="sup_soz"), 403)  # a team lead, no admin
    assert_error(api.post(f"/api/v1/erasure-requests/{request_id}/decision",
                          {"approve": True}, as_="cw_soz"), 403)
    assert snapshot(api_engine) == before
    assert api_engine.cases.get(case_id).person
    rejected = api.post(f"/api/v1/erasure-requests/{request_id}/decision",
                        {"approve": False}, as_="admin")
    assert rejected.get_json()["state"] == "rejected"
    twice = api.post(f"/api/v1/erasure-requests/{request_id}/decision", {"approve": True},
                     as_="admin")
    assert_error(twice, 409)
    assert api_engine.cases.get(case_id).person
    actions = [e.action for e in api_engine.audit.events(case_id)][-2:]
    assert actions == ["erasure_requested", "erasure_rejected"]
