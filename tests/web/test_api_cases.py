"""``/api/v1/cases``: create, list (visibility, filters, pages), one case, audit trail."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from engine import Staffel
from tests.web.conftest import NEW_CASE, Api, assert_error, snapshot, start_basic, start_jc


def new_case(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(NEW_CASE)
    for key, value in changes.items():
        if key.startswith("person_"):
            body["person"][key.removeprefix("person_")] = value
        else:
            body[key] = value
    return body


def test_create_case_answers_201_with_the_case_view(api: Api) -> None:
    response = api.post("/api/v1/cases", new_case(), as_="cw_ez")
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["stage"] == "S1" and case["benefit_system"] == "asylblg"
    assert case["land"] == "NW" and case["bamf_aktenzeichen"] == "8123456-423"
    assert case["person"]["family_name"] == "Haddad"
    assert case["deadlines"] == {} and case["handovers"] == []
    (task,) = case["open_tasks"]
    assert task["name"] == "Task_register" and task["team"] == "sozialamt"
    assert set(task) >= {"id", "case_id", "name", "title", "team", "assignee", "due_at",
                         "overdue", "created_at"}
    # the creator's team (eingangszone) has no task on it, so it is not visible to him
    assert_error(api.get(f"/api/v1/cases/{case['id']}", as_="cw_ez"), 404)
    assert api.get(f"/api/v1/cases/{case['id']}", as_="cw_soz").status_code == 200


@pytest.mark.parametrize(("body", "fields"), [
    (new_case(land="XX"), {"land"}),
    (new_case(entry="boat"), {"entry"}),
    (new_case(person_birth_date="12.04.1990"), {"person.birth_date"}),
    (new_case(person_birth_date="2999-01-01"), {"person.birth_date"}),
    (new_case(person_family_name=""), {"person.family_name"}),
    (new_case(person_health="asthma"), {"person.health"}),
    (new_case(person_languages="ar"), {"person.languages"}),
    (new_case(person_languages=["ar", 7]), {"person.languages.1"}),
    (new_case(bamf_aktenzeichen="12"), {"bamf_aktenzeichen"}),
    (new_case(person=None), {"person"}),
    ({"land": "NW"}, {"person", "entry"}),
    (new_case(unknown=True), {"unknown"}),
    ([1, 2], {"(root)"}),
])
def test_invalid_cases_are_422_with_field_errors_and_store_nothing(
        api: Api, api_engine: Staffel, body: Any, fields: set[str]) -> None:
    before = snapshot(api_engine)
    assert_error(api.post("/api/v1/cases", body), 422, "invalid_input", fields)
    assert snapshot(api_engine) == before


def test_case_creation_needs_the_right_role(api: Api, api_engine: Staffel) -> None:
    before = snapshot(api_engine)
    for user in ("cw_soz", "cw_jc", "owner"):
        assert_error(api.post("/api/v1/cases", new_case(), as_=user), 403, "forbidden")
    assert_error(api.post("/api/v1/cases", new_case(), as_=None), 401)
    assert snapshot(api_engine) == before


def test_undeployed_case_process_is_404_and_stores_nothing(api: Api, api_engine: Staffel) -> None:
    api.client.application.config["CASE_PROCESS"] = "refugee_lifecycle_missing"
    before = snapshot(api_engine)
    assert_error(api.post("/api/v1/cases", new_case()), 404, "not_found")
    assert snapshot(api_engine) == before


def test_case_list_shows_only_visible_cases(api: Api, api_engine: Staffel) -> None:
    soz = start_basic(api_engine, "1111111-111")
    jc = start_jc(api_engine)

    def ids(user: str, query: str = "") -> set[str]:
        response = api.get(f"/api/v1/cases{query}", as_=user)
        assert response.status_code == 200
        return {c["id"] for c in response.get_json()["items"]}

    assert ids("cw_soz") == {soz.id}
    assert ids("cw_jc") == {jc.id}
    assert ids("cw_multi") == ids("admin") == {soz.id, jc.id}
    assert ids("sup_soz") == {soz.id}
    assert ids("cw_ez") == set()
    assert_error(api.get("/api/v1/cases", as_="owner"), 403)
    # a team that *had* a task still sees the case after the task is done
    api_engine.tasks.complete(jc.open_tasks[0].id, {"note": "ok"}, actor="cw_jc")
    assert ids("cw_jc") == {jc.id}


def test_case_list_filters_search_and_pages(api: Api, api_engine: Staffel) -> None:
    cases = [start_basic(api_engine, f"800000{i}-100") for i in range(5)]
    jc = start_jc(api_engine)
    page = api.get("/api/v1/cases?per_page=2&page=2").get_json()
    assert page["total"] == 6 and page["page"] == 2 and page["per_page"] == 2
    assert len(page["items"]) == 2
    assert "person" not in page["items"][0]  # no personal data in lists
    assert api.get("/api/v1/cases?stage=S3e").get_json()["total"] == 1
    assert api.get("/api/v1/cases?stage=S1").get_json()["total"] == 5
    found = api.get("/api/v1/cases?q=8000003-100", as_="cw_soz").get_json()
    assert [c["id"] for c in found["items"]] == [cases[3].id]
    # administrators search by case number only: the Aktenzeichen is a person's data
    assert api.get("/api/v1/cases?q=8000003-100").get_json()["total"] == 0
    number = jc.case_number.lower()
    assert api.get(f"/api/v1/cases?q={number}").get_json()["items"][0]["id"] == jc.id
    assert api.get("/api/v1/cases?q=%25").get_json()["total"] == 0  # no wildcards
    assert_error(api.get("/api/v1/cases?per_page=500"), 422, fields={"per_page"})
    assert_error(api.get("/api/v1/cases?page=0"), 422, fields={"page"})


def test_get_case_with_deadlines_open_tasks_and_handovers(api: Api,
                                                          api_engine: Staffel) -> None:
    jc = start_jc(api_engine)
    view = api.get(f"/api/v1/cases/{jc.id}", as_="cw_jc").get_json()
    assert view["id"] == jc.id and view["case_number"] == jc.case_number
    assert view["stage"] == "S3e" and view["status"] == "running"
    assert [t["name"] for t in view["open_tasks"]] == ["Task_ack"]
    api_engine.tasks.complete(jc.open_tasks[0].id, {"note": "ok"}, actor="cw_jc")
    view = api.get(f"/api/v1/cases/{jc.id}", as_="cw_jc").get_json()
    assert view["stage"] == "S5" and view["open_tasks"] == []
    assert view["deadlines"]["sgb2_start"] == {"date": "2027-02-01",
                                               "legal_basis": "§37(2) SGB II", "land": "NW"}


@pytest.mark.parametrize("case_id", ["0" * 32, "nope", "x" * 300, "%00"])
def test_unknown_case_is_404(api: Api, case_id: str) -> None:
    assert_error(api.get(f"/api/v1/cases/{case_id}"), 404, "not_found")
    assert_error(api.get(f"/api/v1/cases/{case_id}/audit"), 404, "not_found")


def test_audit_trail_of_a_case(api: Api, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    api.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"interpreter_needed": True}},
             as_="cw_soz")
    events = api.get(f"/api/v1/cases/{case.id}/audit", as_="cw_soz").get_json()["items"]
    actions = [e["action"] for e in events]
    assert actions[:3] == ["case_created", "instance_started", "task_created"]
    completed = next(e for e in events if e["action"] == "task_completed")
    assert completed["actor"] == "cw_soz"
    assert completed["details"]["fields"] == ["interpreter_needed"]
    assert "Haddad" not in str(events)  # pseudonymous ids only
    assert_error(api.get(f"/api/v1/cases/{case.id}/audit", as_="cw_jc"), 404)
