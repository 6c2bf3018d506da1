"""``/api/v1/tasks``: inbox filters, one task with form and data, claim, unclaim, complete,
assign, and every error in the one shape with nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import Staffel
from tests.conftest import START
from tests.web.conftest import Api, assert_error, snapshot, start_basic, start_jc

UNKNOWN = "4c7e1f0e-0000-4000-8000-000000000000"


def task_of(case: object) -> str:
    return str(case.open_tasks[0].id)  # type: ignore[attr-defined]


def test_inbox_lists_my_teams_tasks_soonest_due_first(api: Api, api_engine: Staffel) -> None:
    soz = start_basic(api_engine)
    api_engine.clock.advance(by=timedelta(days=1))
    soz_later = start_basic(api_engine, "2222222-222")
    jc = start_jc(api_engine)
    body = api.get("/api/v1/tasks", as_="cw_soz").get_json()
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] == 50
    assert [t["case_id"] for t in body["items"]] == [soz.id, soz_later.id]
    item = body["items"][0]
    assert set(item) >= {"id", "case_id", "name", "title", "team", "assignee", "due_at",
                         "overdue", "created_at"}
    assert [t["case_id"] for t in api.get("/api/v1/tasks", as_="cw_jc").get_json()["items"]] \
        == [jc.id]
    assert api.get("/api/v1/tasks", as_="cw_multi").get_json()["total"] == 3
    assert api.get("/api/v1/tasks?team=jc_leistung", as_="cw_multi").get_json()["total"] == 1
    assert api.get("/api/v1/tasks?team=sozialamt&sort=due_at").get_json()["total"] == 2
    assert api.get(f"/api/v1/tasks?case_id={jc.id}", as_="cw_soz").get_json()["total"] == 0
    assert api.get(f"/api/v1/tasks?case_id={jc.id}", as_="cw_jc").get_json()["total"] == 1
    two = api.get("/api/v1/tasks?per_page=1&page=2", as_="cw_soz").get_json()
    assert two["total"] == 2 and [t["case_id"] for t in two["items"]] == [soz_later.id]


def test_inbox_scope_mine_and_overdue(api: Api, api_engine: Staffel) -> None:
    first = start_basic(api_engine)
    start_basic(api_engine, "2222222-222")
    api.post(f"/api/v1/tasks/{task_of(first)}/claim", as_="cw_soz")
    mine = api.get("/api/v1/tasks?scope=mine", as_="cw_soz").get_json()
    assert [t["id"] for t in mine["items"]] == [task_of(first)]
    assert mine["items"][0]["assignee"] == "cw_soz"
    assert api.get("/api/v1/tasks?scope=mine", as_="cw_soz2").get_json()["total"] == 0
    assert api.get("/api/v1/tasks?overdue=true", as_="cw_soz").get_json()["total"] == 0
    api_engine.clock.advance(to=START + timedelta(days=4))
    overdue = api.get("/api/v1/tasks?overdue=true", as_="cw_soz").get_json()
    assert overdue["total"] == 2 and all(t["overdue"] for t in overdue["items"])
    assert api.get("/api/v1/tasks?overdue=false", as_="cw_soz").get_json()["total"] == 0


@pytest.mark.parametrize(("query", "fields"), [
    ("scope=all", {"scope"}), ("team=nope", {"team"}), ("sort=name", {"sort"}),
    ("overdue=maybe", {"overdue"}), ("per_page=201", {"per_page"}), ("page=-1", {"page"}),
    ("page=99999999999999999999", {"page"}),
])
def test_bad_inbox_filters_are_422(api: Api, query: str, fields: set[str]) -> None:
    assert_error(api.get(f"/api/v1/tasks?{query}"), 422, "invalid_input", fields)


def test_filtering_by_a_team_that_is_not_mine_is_403(api: Api) -> None:
    assert_error(api.get("/api/v1/tasks?team=jc_leistung", as_="cw_soz"), 403, "forbidden")


def test_get_task_with_form_schema_and_data(api: Api, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    body = api.get(f"/api/v1/tasks/{task_of(case)}", as_="cw_soz").get_json()
    assert body["name"] == "Task_register" and body["state"] == "open"
    assert body["form"]["required"] == ["interpreter_needed"]
    assert body["data"]["case_id"] == case.id and body["data"]["land"] == "NW"
    assert_error(api.get(f"/api/v1/tasks/{task_of(case)}", as_="cw_jc"), 404, "not_found")


@pytest.mark.parametrize("task_id", [UNKNOWN, "not-a-uuid", "x" * 400])
@pytest.mark.parametrize("action", ["", "/claim", "/unclaim", "/complete", "/assign"])
def test_unknown_tasks_are_404(api: Api, api_engine: Staffel, task_id: str,
                               action: str) -> None:
    before = snapshot(api_engine)
    path = f"/api/v1/tasks/{task_id}{action}"
    body = {"complete": {"data": {}}, "assign": {"username": "cw_soz"}}.get(action[1:])
    response = api.get(path) if not action else api.post(path, body, as_="sup_soz")
    assert_error(response, 404, "not_found")
    assert snapshot(api_engine) == before


def test_claim_unclaim_and_claimed_by_someone_else(api: Api, api_engine: Staffel) -> None:
    task_id = task_of(start_basic(api_engine))
    claimed = api.post(f"/api/v1/tasks/{task_id}/claim", as_="cw_soz")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "cw_soz"
    assert api.post(f"/api/v1/tasks/{task_id}/claim", as_="cw_soz").status_code == 200
    before = snapshot(api_engine)
    assert_error(api.post(f"/api/v1/tasks/{task_id}/claim", as_="cw_soz2"), 409, "conflict")
    assert_error(api.post(f"/api/v1/tasks/{task_id}/unclaim", as_="cw_soz2"), 403)
    assert_error(api.post(f"/api/v1/tasks/{task_id}/complete",
                          {"data": {"interpreter_needed": True}}, as_="cw_soz2"), 409)
    assert snapshot(api_engine) == before
    back = api.post(f"/api/v1/tasks/{task_id}/unclaim", as_="cw_soz")
    assert back.status_code == 200 and back.get_json()["assignee"] is None
    assert api.post(f"/api/v1/tasks/{task_id}/claim", as_="cw_soz2").status_code == 200
    # a supervisor of the team may take it back and complete it
    assert api.post(f"/api/v1/tasks/{task_id}/unclaim", as_="sup_soz").status_code == 200


def test_complete_runs_the_process_and_a_second_completion_is_409(api: Api,
                                                                  api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    task_id = task_of(case)
    done = api.post(f"/api/v1/tasks/{task_id}/complete",
                    {"data": {"interpreter_needed": True, "language": "ar"}}, as_="cw_soz")
    assert done.status_code == 200
    assert done.get_json()["state"] == "completed"
    assert done.get_json()["completed_by"] == "cw_soz"
    before = snapshot(api_engine)
    for action, body in (("complete", {"data": {"interpreter_needed": True}}), ("claim", None),
                         ("unclaim", None)):
        assert_error(api.post(f"/api/v1/tasks/{task_id}/{action}", body, as_="cw_soz"),
                     409, "conflict")
    assert_error(api.post(f"/api/v1/tasks/{task_id}/assign", {"username": "cw_soz"},
                          as_="sup_soz"), 409)
    assert snapshot(api_engine) == before
    assert api.get(f"/api/v1/tasks/{task_id}", as_="cw_soz").get_json()["data"] == {}


@pytest.mark.parametrize(("body", "fields"), [
    ({"data": {}}, {"interpreter_needed"}),
    ({"data": {"interpreter_needed": "yes"}}, {"interpreter_needed"}),
    ({"data": {"interpreter_needed": True, "language": "xx"}}, {"language"}),
    ({"data": {"interpreter_needed": True, "reason_for_flight": "x"}}, {"(root)"}),
    ({"data": []}, {"data"}),
    ({"data": {"interpreter_needed": True}, "extra": 1}, {"extra"}),
    ({"data": {"note": "a\x00b"}}, {"data"}),
    ({}, {"interpreter_needed"}),
])
def test_invalid_form_data_is_422_and_nothing_changes(api: Api, api_engine: Staffel,
                                                      body: dict[str, object],
                                                      fields: set[str]) -> None:
    task_id = task_of(start_basic(api_engine))
    before = snapshot(api_engine)
    assert_error(api.post(f"/api/v1/tasks/{task_id}/complete", body, as_="cw_soz"),
                 422, "invalid_input", fields)
    assert snapshot(api_engine) == before


def test_assign_by_a_supervisor_to_a_team_member(api: Api, api_engine: Staffel) -> None:
    task_id = task_of(start_basic(api_engine))
    api.post(f"/api/v1/tasks/{task_id}/claim", as_="cw_soz")
    moved = api.post(f"/api/v1/tasks/{task_id}/assign", {"username": "cw_soz2"}, as_="sup_soz")
    assert moved.status_code == 200 and moved.get_json()["assignee"] == "cw_soz2"
    assert api.post(f"/api/v1/tasks/{task_id}/assign", {"username": "sup_soz"},
                    as_="sup_soz").get_json()["assignee"] == "sup_soz"
    events = api_engine.audit.events()
    assert [e.details["assignee"] for e in events if e.action == "task_assigned"] == [
        "cw_soz2", "sup_soz"]


@pytest.mark.parametrize(("body", "fields"), [
    ({"username": "cw_jc"}, {"username"}),        # not in the task's team
    ({"username": "nobody"}, {"username"}),       # no such user
    ({"username": "admin"}, {"username"}),        # no team at all
    ({}, {"username"}),
    ({"username": ""}, {"username"}),
    ({"username": ["cw_soz"]}, {"username"}),
])
def test_assign_to_a_non_member_is_422_and_nothing_changes(api: Api, api_engine: Staffel,
                                                           body: dict[str, object],
                                                           fields: set[str]) -> None:
    task_id = task_of(start_basic(api_engine))
    before = snapshot(api_engine)
    assert_error(api.post(f"/api/v1/tasks/{task_id}/assign", body, as_="sup_soz"), 422,
                 "invalid_input", fields)
    assert snapshot(api_engine) == before


def test_only_supervisors_of_the_team_assign(api: Api, api_engine: Staffel) -> None:
    task_id = task_of(start_basic(api_engine))
    before = snapshot(api_engine)
    assert_error(api.post(f"/api/v1/tasks/{task_id}/assign", {"username": "cw_soz2"},
                          as_="cw_soz"), 403, "forbidden")
    assert_error(api.post(f"/api/v1/tasks/{task_id}/assign", {"username": "cw_soz2"},
                          as_="admin"), 403, "forbidden")
    assert_error(api.post(f"/api/v1/tasks/{task_id}/assign", {"username": "cw_soz2"},
                          as_="sup_jc"), 404, "not_found")
    assert snapshot(api_engine) == before


def test_escalation_team_belongs_to_every_supervisor(api: Api, api_engine: Staffel) -> None:
    api_engine.people.add("boss", "a long password", ["supervisor"], ["jc_regel"])
    from web.auth import actor_from_user
    user = api_engine.people.get("boss")
    assert user is not None
    assert actor_from_user(user).teams == {"jc_regel", "supervisor"}


def test_completing_over_http_stays_within_the_statement_budget(api: Api,
                                                                api_engine: Staffel) -> None:
    from sqlalchemy import event

    cases = [start_basic(api_engine, f"900000{i}-000") for i in range(2)]
    api.post(f"/api/v1/tasks/{task_of(cases[0])}/complete",
             {"data": {"interpreter_needed": True}}, as_="cw_soz")
    statements: list[str] = []
    event.listen(api_engine.db.engine, "before_cursor_execute",
                 lambda _c, _cur, stmt, *_a: statements.append(stmt))
    response = api.post(f"/api/v1/tasks/{task_of(cases[1])}/complete",
                        {"data": {"interpreter_needed": True}}, as_="cw_soz")
    assert response.status_code == 200
    # the engine's budget (13: with the task's drafts dropped and 'interpreter_needed' written
    # back into the person record) + token check (BEGIN, 1 joined read)
    # + task authorization (BEGIN, 1 task read, 1 clock read)
    assert len(statements) <= 18, "\n".join(statements)
