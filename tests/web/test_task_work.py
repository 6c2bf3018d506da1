"""Work on a task (issue 15, points 4 and 5) through the API and the engine: drafts private
per user, comments for the case's teams, the claim rule (409 naming the assignee), prefill
from the person record and earlier values, the person record written back and audited, and
every bad input a 422 that changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import Staffel, TaskQuery
from engine.persistence.task_work_models import TaskComment, TaskDraft
from tests.adapters.handover_cases import resettlement_handover
from tests.lifecycle.helpers import REGISTRATION_NO_CONSENT, find_open
from tests.web.conftest import Api, app_of, assert_error, bpmn_engine, snapshot, start_basic

UNKNOWN = "4c7e1f0e-0000-4000-8000-000000000000"


def work_rows(engine: Staffel) -> tuple[Any, ...]:
    """The drafts and comments as stored (what a failed request must leave as it was)."""
    with engine.db.read() as s:
        return (sorted((d.task_id, d.username, str(d.data)) for d in s.scalars(select(TaskDraft))),
                sorted((c.id, c.author, c.text) for c in s.scalars(select(TaskComment))))


def actions(engine: Staffel, case_id: str) -> list[str]:
    return [e.action for e in engine.audit.events(case_id)]


# -- drafts --------------------------------------------------------------------------------------
def test_a_draft_is_private_to_its_user_and_dropped_on_completion(api: Api,
                                                                   api_engine: Staffel) -> None:
    task_id = str(start_basic(api_engine).open_tasks[0].id)
    path = f"/api/v1/tasks/{task_id}/draft"
    assert_error(api.get(path, as_="cw_soz"), 404, "not_found")
    saved = api.client.put(path, json={"data": {"interpreter_needed": True, "language": "fa"}},
                           headers=api.headers("cw_soz"))
    assert saved.status_code == 200 and saved.get_json()["data"]["language"] == "fa"
    assert api.get(path, as_="cw_soz").get_json() == {
        "data": {"interpreter_needed": True, "language": "fa"}}
    assert_error(api.get(path, as_="cw_soz2"), 404)  # a colleague's draft is not mine
    api.client.put(path, json={"data": {"language": "ti"}}, headers=api.headers("cw_soz2"))
    assert api.get(path, as_="cw_soz").get_json()["data"]["language"] == "fa"
    assert api.get(path, as_="cw_soz2").get_json()["data"] == {"language": "ti"}
    # other teams: 404; administrators and process owners never work on tasks: 403
    assert_error(api.get(path, as_="cw_jc"), 404)
    assert_error(api.get(path, as_="admin"), 403)
    assert_error(api.get(path, as_="owner"), 403)
    done = api.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"interpreter_needed": False}},
                    as_="cw_soz")
    assert done.status_code == 200
    assert work_rows(api_engine)[0] == []  # both users' drafts went with the completion
    assert_error(api.client.put(path, json={"data": {"language": "fa"}},
                                headers=api.headers("cw_soz")), 409, "conflict")


def test_deleting_a_draft(api: Api, api_engine: Staffel) -> None:
    task_id = str(start_basic(api_engine).open_tasks[0].id)
    path = f"/api/v1/tasks/{task_id}/draft"
    api.client.put(path, json={"data": {"language": "fa"}}, headers=api.headers("cw_soz"))
    assert api.client.delete(path, headers=api.headers("cw_soz")).status_code == 204
    assert api.client.delete(path, headers=api.headers("cw_soz")).status_code == 204
    assert_error(api.get(path, as_="cw_soz"), 404)


@pytest.mark.parametrize(("body", "field"), [
    ({}, "data"), ({"data": []}, "data"), ({"data": {"nope": 1}}, "data.nope"),
    ({"data": {"language": "x" * 70_000}}, "data"), ({"data": "text"}, "data")])
def test_bad_drafts_are_422_and_change_nothing(api: Api, api_engine: Staffel,
                                               body: dict[str, Any], field: str) -> None:
    task_id = str(start_basic(api_engine).open_tasks[0].id)
    api.client.put(f"/api/v1/tasks/{task_id}/draft", json={"data": {"language": "fa"}},
                   headers=api.headers("cw_soz"))
    before, rows = snapshot(api_engine), work_rows(api_engine)
    answer = api.client.put(f"/api/v1/tasks/{task_id}/draft", json=body,
                            headers=api.headers("cw_soz"))
    assert_error(answer, 422, fields={field})
    assert snapshot(api_engine) == before and work_rows(api_engine) == rows


@pytest.mark.parametrize("task_id", [UNKNOWN, "not-a-uuid"])
def test_unknown_tasks_are_404_for_drafts_and_comments(api: Api, api_engine: Staffel,
                                                       task_id: str) -> None:
    before = snapshot(api_engine)
    for response in (api.get(f"/api/v1/tasks/{task_id}/draft", as_="cw_soz"),
                     api.client.put(f"/api/v1/tasks/{task_id}/draft", json={"data": {}},
                                    headers=api.headers("cw_soz")),
                     api.get(f"/api/v1/tasks/{task_id}/comments", as_="cw_soz"),
                     api.post(f"/api/v1/tasks/{task_id}/comments", {"text": "x"}, as_="cw_soz")):
        assert_error(response, 404, "not_found")
    assert snapshot(api_engine) == before


# -- the claim rule ------------------------------------------------------------------------------
def test_completing_a_task_someone_else_holds_is_409_naming_them(api: Api,
                                                                 api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    task_id = str(case.open_tasks[0].id)
    api_engine.tasks.claim(task_id, "cw_soz2")
    before, rows = snapshot(api_engine), work_rows(api_engine)
    person = api_engine.cases.get(case.id).person
    body = assert_error(api.post(f"/api/v1/tasks/{task_id}/complete",
                                 {"data": {"interpreter_needed": True}}, as_="cw_soz"),
                        409, "conflict")
    assert "cw_soz2" in body["message"]
    assert snapshot(api_engine) == before and work_rows(api_engine) == rows
    assert api_engine.tasks.info(task_id).state == "open"
    assert api_engine.cases.get(case.id).person == person
    # a team lead may complete over the holder
    assert api.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"interpreter_needed": True}},
                    as_="sup_soz").status_code == 200


# -- prefill and write-back ----------------------------------------------------------------------
def test_prefill_from_the_person_record_and_write_back_audited(api_engine: Staffel) -> None:
    person = {"family_name": "Haddad", "given_name": "Rana", "birth_date": "1990-04-12",
              "languages": ["ar"], "interpreter_needed": True}
    case = api_engine.cases.start(person, "NW", "asylum", "8123456-423", process_key="basic",
                                  actor="tester")
    task_id = str(case.open_tasks[0].id)
    _info, _form, data = api_engine.tasks.get(task_id)
    start = api_engine.task_work.start_values(task_id, data)
    assert start == {"interpreter_needed": True}  # the form has no 'languages' field
    api_engine.tasks.complete(task_id, {"interpreter_needed": False}, actor="cw_soz")
    assert api_engine.cases.get(case.id).person["interpreter_needed"] is False
    (event,) = [e for e in api_engine.audit.events(case.id) if e.action == "person_updated"]
    assert event.details["fields"] == ["interpreter_needed"] and event.actor == "cw_soz"
    assert "False" not in str(event.details) and "false" not in str(event.details)
    assert api_engine.audit.verify().ok


def test_an_unchanged_value_is_not_written_back(api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    api_engine.tasks.complete(str(case.open_tasks[0].id), {"language": "ar",
                                                          "interpreter_needed": True},
                              actor="cw_soz")
    assert api_engine.cases.get(case.id).person["interpreter_needed"] is True
    api_engine_case = api_engine.cases.get(case.id)
    assert "languages" in api_engine_case.person  # untouched: the form has no such field
    assert actions(api_engine, case.id).count("person_updated") == 1


def test_a_bad_completion_writes_nothing_back(api: Api, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    task_id = str(case.open_tasks[0].id)
    before = snapshot(api_engine)
    assert_error(api.post(f"/api/v1/tasks/{task_id}/complete",
                          {"data": {"interpreter_needed": "ja"}}, as_="cw_soz"), 422)
    assert snapshot(api_engine) == before
    assert "interpreter_needed" not in api_engine.cases.get(case.id).person


# -- on the real diagrams: handover, comments across teams, languages -----------------------------
USERS = {"cw_eingangszone": (["caseworker"], ["eingangszone"]),
         "cw_jc_leistung": (["caseworker"], ["jc_leistung"]),
         "cw_sozialamt": (["caseworker"], ["sozialamt"]),
         "owner": (["process_owner"], []), "admin": (["admin"], [])}


@pytest.fixture
def life(make_engine: Callable[..., Staffel]) -> Staffel:
    return bpmn_engine(make_engine, USERS)


@pytest.fixture
def life_api(life: Staffel) -> Api:
    return Api(app_of(life).test_client(), {n: life.people.issue_token(n).token for n in USERS})


def test_comments_are_for_the_case_teams_newest_last_and_audited(life_api: Api,
                                                                 life: Staffel) -> None:
    case_id, _hid = resettlement_handover(life, acknowledge=False)
    ack = find_open(life, case_id, "Task_handover_ack")
    path = f"/api/v1/tasks/{ack.id}/comments"
    first = life_api.post(path, {"text": "  Termin passt, Dolmetscher ist bestellt. "},
                          as_="cw_jc_leistung")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["text"] == "Termin passt, Dolmetscher ist bestellt."
    assert life_api.post(path, {"text": "Danke!"}, as_="cw_eingangszone").status_code == 201
    listed = life_api.get(path, as_="cw_eingangszone").get_json()  # the sending team too
    assert [(c["author"], c["text"]) for c in listed] == [
        ("cw_jc_leistung", "Termin passt, Dolmetscher ist bestellt."),
        ("cw_eingangszone", "Danke!")]
    assert listed[0]["at"]
    for user in ("cw_sozialamt", "admin"):  # no work on the case; admins see no person data
        assert_error(life_api.get(path, as_=user), 404)
        assert_error(life_api.post(path, {"text": "x"}, as_=user), 404)
    assert_error(life_api.get(path, as_="owner"), 403)
    events = [e for e in life.audit.events(case_id) if e.action == "task_comment_added"]
    assert [e.actor for e in events] == ["cw_jc_leistung", "cw_eingangszone"]
    assert "Dolmetscher" not in str([e.details for e in events])


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 2001},
                                  {"text": 5}, {"text": "a\x00b"}])
def test_bad_comments_are_422_and_change_nothing(life_api: Api, life: Staffel,
                                                 body: dict[str, Any]) -> None:
    case_id, _hid = resettlement_handover(life, acknowledge=False)
    ack = find_open(life, case_id, "Task_handover_ack")
    before, rows = snapshot(life), work_rows(life)
    assert_error(life_api.post(f"/api/v1/tasks/{ack.id}/comments", body, as_="cw_jc_leistung"),
                 422, fields={"text"})
    assert snapshot(life) == before and work_rows(life) == rows


def test_languages_prefilled_and_written_back_on_registration(life: Staffel) -> None:
    case = life.cases.start({"family_name": "Haddad", "given_name": "Rana",
                             "birth_date": "1990-04-12", "languages": ["ar", "ku"],
                             "interpreter_needed": True}, "NW", "resettlement",
                            actor="cw_eingangszone")
    register = find_open(life, case.id, "Task_register")
    _info, _form, data = life.tasks.get(register.id)
    start = life.task_work.start_values(register.id, data)
    assert start["languages"] == ["ar", "ku"] and start["interpreter_needed"] is True
    life.tasks.complete(register.id, REGISTRATION_NO_CONSENT, "cw_eingangszone")
    person = life.cases.get(case.id).person
    assert person["languages"] == ["fa"] and person["interpreter_needed"] is False
    (event,) = [e for e in life.audit.events(case.id) if e.action == "person_updated"]
    assert event.details["fields"] == ["interpreter_needed", "languages"]


def test_earlier_values_prefill_fields_of_the_same_name(life: Staffel) -> None:
    case_id, _hid = resettlement_handover(life, acknowledge=False)
    with life.db.read() as session:
        from engine.execution.task_work import earlier_values
        earlier = earlier_values(session, life.context.specs,
                                 life.context.runtime.script_engine, case_id)
    assert earlier["arrival_date"] == "2027-10-04"
    assert earlier["handover_appointment_mode"] == "in_person"


def test_the_ack_task_knows_its_handover(life: Staffel) -> None:
    case_id, hid = resettlement_handover(life, acknowledge=False)
    ack = find_open(life, case_id, "Task_handover_ack")
    record = life.task_work.handover(ack.id)
    assert record is not None and record.id == hid
    assert record.handover.from_team == "eingangszone"
    others = [t for t in life.tasks.list(TaskQuery(state=None, case_id=case_id)).items
              if t.name != "Task_handover_ack"]
    assert others and all(life.task_work.handover(t.id) is None for t in others)


# -- erasure ---------------------------------------------------------------------------------------
def test_erasure_removes_drafts_and_comment_texts(make_engine: Callable[..., Staffel]) -> None:
    from engine.persistence.crypto import KeyRing
    from tests.conftest import ENGINE_DIAGRAMS
    from tests.engine.privacy.erasure_scene import closed_case

    eng: Staffel = make_engine(keys=KeyRing.generate())
    eng.definitions.deploy_directory(ENGINE_DIAGRAMS, actor="tester")
    case_id = closed_case(eng)
    (task,) = eng.tasks.list(TaskQuery(state=None, case_id=case_id)).items
    eng.task_work.add_comment(task.id, "sup_jc", "Frau Qarawi ruft zurück")
    with eng.unit("tester") as uow:  # a draft left on the task (as on a cancelled one)
        uow.session.add(TaskDraft(task_id=task.id, case_id=case_id, username="cw_jc",
                                  data={"note": "Qarawi"}, saved_at=uow.now))
    req = eng.erasure.request(case_id, "Antrag nach Art. 17 DSGVO", actor="sup_jc")
    decided = eng.erasure.decide(req.id, True, actor="admin", note="geprüft")
    assert decided.counts is not None
    assert (decided.counts.task_drafts, decided.counts.comment_texts) == (1, 1)
    with eng.db.read() as s:
        assert s.scalar(select(func.count()).select_from(TaskDraft)) == 0
        (comment,) = s.scalars(select(TaskComment)).all()
        assert comment.text is None and comment.author == "sup_jc"
    assert [c.text for c in eng.task_work.comments(task.id)] == [None]
    assert eng.audit.verify().ok


def test_migration_0015_goes_down_and_up_again(api: Api, api_engine: Staffel) -> None:
    from sqlalchemy import inspect

    from tests.conftest import migrate_down

    task_id = str(start_basic(api_engine).open_tasks[0].id)
    api_engine.task_work.add_comment(task_id, "cw_soz", "Rückruf am Dienstag")
    migrate_down(api_engine.db, "0014_personal_data")
    tables = set(inspect(api_engine.db.engine).get_table_names())
    assert not {"task_drafts", "task_comments"} & tables and "human_tasks" in tables
    api_engine.db.migrate()
    assert {"task_drafts", "task_comments"} <= set(inspect(api_engine.db.engine)
                                                   .get_table_names())
    api_engine.task_work.save_draft(task_id, "cw_soz", {"language": "fa"})
    assert api_engine.task_work.draft(task_id, "cw_soz") == {"language": "fa"}
    assert api_engine.task_work.comments(task_id) == []


def test_the_access_report_lists_the_comments(life_api: Api, life: Staffel) -> None:
    case_id, _hid = resettlement_handover(life, acknowledge=False)
    ack = find_open(life, case_id, "Task_handover_ack")
    life.task_work.add_comment(ack.id, "cw_jc_leistung", "Frau Haddad ruft dienstags an")
    report = life.personal_data.access_report(case_id)
    assert [(c.author, c.text) for c in report.comments] == [
        ("cw_jc_leistung", "Frau Haddad ruft dienstags an")]
    body = life_api.get(f"/api/v1/cases/{case_id}/access-report",
                        as_="cw_jc_leistung").get_json()
    assert [c["text"] for c in body["comments"]] == ["Frau Haddad ruft dienstags an"]


def test_the_person_record_wins_and_earlier_values_fill_the_gaps() -> None:
    from engine.execution.task_work import prefill
    from engine.persistence.models import Case

    case = Case(person={"languages": ["ar", "fa"], "family_name": "Haddad"})
    task_data = {"languages": ["ar"], "note": "", "arrival_date": "2027-10-01"}
    earlier = {"note": "früher", "arrival_date": "2027-09-01", "other": 1}
    assert prefill(case, ["languages", "note", "arrival_date", "interpreter_needed"],
                   task_data, earlier) == {"languages": ["ar", "fa"], "note": "früher"}
