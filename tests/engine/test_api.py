"""The engine façade end to end on a real database, moving the simulated clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine import Staffel
from engine.errors import Conflict, InvalidInput, NotFound
from engine.execution.tasks import TaskQuery
from engine.persistence.models import AuditEvent, HumanTask, ProcessInstance, Timer
from tests.conftest import ENGINE_DIAGRAMS, PERSON, START


def start_basic(engine: Staffel, **kw: object) -> object:
    return engine.cases.start(PERSON, "NW", "asylum", kw.pop("az", "8123456-423"),
                             process_key="basic", actor="cw_eingangszone", **kw)


def snapshot(engine: Staffel) -> tuple:
    with engine.db.read() as s:
        return (
            [(r.id, r.state, r.lock_version) for r in s.scalars(select(ProcessInstance))],
            [(r.id, r.state, r.assignee) for r in s.scalars(select(HumanTask))],
            [(r.id, r.status) for r in s.scalars(select(Timer))],
            s.scalar(select(func.count()).select_from(AuditEvent)),
        )


def test_deploy_is_versioned_by_content(engine: Staffel) -> None:
    versions = {v.key: v.version for v in engine.definitions.versions()}
    assert versions == {"basic": 1, "timers": 1, "parent": 1, "child": 1, "wake": 1}
    again = engine.definitions.deploy_directory(ENGINE_DIAGRAMS)
    assert again.new_versions == []
    changed = (ENGINE_DIAGRAMS / "basic.bpmn").read_text().replace("Register person",
                                                                   "Register the person")
    result = engine.definitions.deploy({"basic.bpmn": changed})
    assert [(v.key, v.version) for v in result.new_versions] == [("basic", 2)]
    assert "Register the person" in engine.definitions.xml("basic", 2)
    assert "Register the person" not in engine.definitions.xml("basic", 1)


def test_start_case_projects_the_first_task_with_team_and_due_date(engine: Staffel) -> None:
    case = start_basic(engine)
    assert case.stage == "S1" and case.benefit_system == "asylblg"
    (task,) = case.open_tasks
    assert task.name == "Task_register" and task.team == "sozialamt"
    # created Monday 2027-03-01, 3 working days -> due by the end of Thursday 2027-03-04 (Berlin)
    assert task.due_at == datetime(2027, 3, 4, 23, 0, tzinfo=UTC)
    assert not task.overdue
    page = engine.tasks.list(TaskQuery(teams=["sozialamt"]))
    assert page.total == 1 and page.items[0].id == task.id
    assert engine.tasks.list(TaskQuery(teams=["jc_leistung"])).total == 0


def test_unknown_process_is_not_found_and_nothing_is_stored(engine: Staffel) -> None:
    before = snapshot(engine)
    with pytest.raises(NotFound, match="not deployed"):
        engine.cases.start(PERSON, "NW", process_key="nope")
    assert snapshot(engine) == before
    assert engine.cases.list().total == 0


def test_invalid_form_data_is_rejected_and_nothing_changes(engine: Staffel) -> None:
    case = start_basic(engine)
    task_id = case.open_tasks[0].id
    before = snapshot(engine)
    with pytest.raises(InvalidInput, match=r"^the form data is not valid$") as err:
        engine.tasks.complete(task_id, {"language": "xx"}, actor="cw_sozialamt")
    fields = {e["field"] for e in err.value.errors}
    assert fields == {"interpreter_needed", "language"}
    assert snapshot(engine) == before


def test_data_that_is_not_json_is_rejected(engine: Staffel) -> None:
    case = start_basic(engine)
    before = snapshot(engine)
    with pytest.raises(InvalidInput, match="JSON"):
        engine.tasks.complete(case.open_tasks[0].id, {"interpreter_needed": {1, 2}}, actor="x")
    with pytest.raises(InvalidInput, match="JSON"):
        engine.tasks.complete(case.open_tasks[0].id, {"interpreter_needed": float("nan")}, "x")
    assert snapshot(engine) == before


def test_complete_then_correlate_by_aktenzeichen(engine: Staffel) -> None:
    case = start_basic(engine)
    task_id = case.open_tasks[0].id
    done = engine.tasks.complete(task_id, {"interpreter_needed": True, "language": "ar"},
                                actor="cw_sozialamt")
    assert done.state == "completed" and done.completed_by == "cw_sozialamt"
    with pytest.raises(Conflict, match=f"^task {task_id} is already completed$"):
        engine.tasks.complete(task_id, {"interpreter_needed": True}, actor="cw_sozialamt")
    with pytest.raises(NotFound,
                       match=r"^task 4c7e1f0e-0000-4000-8000-000000000000 does not exist$"):
        engine.tasks.complete("4c7e1f0e-0000-4000-8000-000000000000", {}, actor="x")
    with pytest.raises(NotFound, match=r"^task not-a-uuid does not exist$"):
        engine.tasks.complete("not-a-uuid", {}, actor="x")
    before = snapshot(engine)
    with pytest.raises(NotFound, match="not waiting"):
        engine.messages.correlate("permit_issued", {}, case_id=case.id)
    with pytest.raises(NotFound, match=r"^no such case$"):
        engine.messages.correlate("bamf_decision", {},
                                  correlation={"bamf_aktenzeichen": "0000000-000"})
    assert snapshot(engine) == before
    after = engine.messages.correlate("bamf_decision", {"outcome": "refugee"},
                             correlation={"bamf_aktenzeichen": "8123456-423"})
    assert after.status == "completed"
    actions = [e.action for e in engine.audit.events(case.id)]
    assert actions[:3] == ["case_created", "instance_started", "task_created"]
    assert "message_correlated" in actions and actions[-1] == "instance_completed"


def test_non_interrupting_boundary_timer_fires_once_when_the_clock_passes(engine: Staffel) -> None:
    case = start_basic(engine)
    engine.clock.advance(to=START + timedelta(days=9, hours=23))
    assert len(engine.cases.get(case.id).open_tasks) == 1
    _, fired = engine.clock.advance(to=START + timedelta(days=10, minutes=1))
    assert fired == 1
    names = sorted(t.name for t in engine.cases.get(case.id).open_tasks)
    assert names == ["Task_register", "Task_reminder"]
    _, fired = engine.clock.advance(by=timedelta(days=30))
    assert fired == 0


def test_timer_date_duration_cycle_and_interrupting(engine: Staffel) -> None:
    case = engine.cases.start(PERSON, "NW", process_key="timers",
                             data={"review_on": "2027-03-10"})
    assert case.open_tasks == []
    engine.clock.advance(to=datetime(2027, 3, 10, 5, 59, tzinfo=UTC))
    assert engine.cases.get(case.id).open_tasks == []
    engine.clock.advance(to=datetime(2027, 3, 10, 6, 0, tzinfo=UTC))
    (review,) = engine.cases.get(case.id).open_tasks
    assert review.name == "Task_review"
    # cycle R2/P7D: two pings, on day 7 and day 14
    engine.clock.advance(by=timedelta(days=15))
    names = sorted(t.name for t in engine.cases.get(case.id).open_tasks)
    assert names == ["Task_ping", "Task_ping", "Task_review"]
    # interrupting P20D: review is cancelled, escalation appears
    engine.clock.advance(by=timedelta(days=6))
    names = sorted(t.name for t in engine.cases.get(case.id).open_tasks)
    assert names == ["Task_escalate", "Task_ping", "Task_ping"]
    with engine.db.read() as s:
        assert s.scalar(select(HumanTask.state).where(HumanTask.id == review.id)) == "cancelled"
        statuses = sorted(s.scalars(select(Timer.status)))
    # date, two cycle occurrences and the interrupting duration fired; the cycle's
    # pending occurrence was cancelled with the interrupted task
    assert statuses == ["cancelled"] + ["fired"] * 4


def test_call_activity_dmn_and_case_effects(engine: Staffel) -> None:
    case = engine.cases.start(PERSON, "NW", "resettlement", process_key="parent",
                             data={"decision_date": "2027-01-31"})
    (ack,) = case.open_tasks
    assert ack.name == "Task_ack" and ack.team == "jc_leistung"
    assert ack.process_key == "child"
    engine.tasks.complete(ack.id, {"note": "ok"}, actor="cw_jc_leistung")
    view = engine.cases.get(case.id)
    assert (view.stage, view.benefit_system, view.status) == ("S5", "sgb2", "completed")
    assert view.deadlines["sgb2_start"].date == date(2027, 2, 1)
    assert view.deadlines["sgb2_start"].land == "NW"
    assert view.closed_at is not None


def test_dmn_default_path_for_asylum(engine: Staffel) -> None:
    case = engine.cases.start(PERSON, "NW", "asylum", process_key="parent",
                             data={"decision_date": "2027-05-14"})
    view = engine.cases.get(case.id)
    assert view.open_tasks == [] and view.stage == "S5"
    assert view.deadlines["sgb2_start"].date == date(2027, 6, 1)


def test_audit_chain_detects_edit_and_delete(engine: Staffel) -> None:
    start_basic(engine)
    assert engine.audit.verify().ok
    with engine.db.write() as s:
        row = s.scalars(select(AuditEvent).order_by(AuditEvent.seq).offset(2).limit(1)).one()
        row.actor = "someone else"
    bad = engine.audit.verify()
    assert not bad.ok and bad.first_bad_seq == 3 and "changed" in (bad.reason or "")


def test_audit_chain_detects_deleted_rows(engine: Staffel) -> None:
    start_basic(engine)
    with engine.db.write() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        s.delete(last)
    assert not engine.audit.verify().ok
    start_basic(engine, az="999")
    with engine.db.write() as s:
        s.delete(s.get(AuditEvent, 2))
    result = engine.audit.verify()
    assert not result.ok and result.first_bad_seq == 2


def test_a_changed_message_schema_makes_a_new_version(engine: Staffel) -> None:
    schema = '{"type": "object", "required": ["outcome"]}'
    result = engine.definitions.deploy({"messages/bamf_decision.schema.json": schema})
    assert ("basic", 2) in [(v.key, v.version) for v in result.new_versions]
    case = start_basic(engine)
    engine.tasks.complete(case.open_tasks[0].id, {"interpreter_needed": True}, actor="x")
    before = snapshot(engine)
    with pytest.raises(InvalidInput,
                       match=r"^the payload of message 'bamf_decision' is not valid$") as err:
        engine.messages.correlate("bamf_decision", {}, case_id=case.id)
    assert err.value.errors == [{"field": "payload.outcome", "message": "is required"}]
    assert snapshot(engine) == before
    again = engine.definitions.deploy({"messages/bamf_decision.schema.json": schema})
    assert again.new_versions == []
