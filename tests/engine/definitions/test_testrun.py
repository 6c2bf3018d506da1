"""Test runs of drafts: a synthetic case walks the deployed lifecycle overlaid with a draft in a
throwaway engine; the real database stays exactly as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import Staffel
from engine.errors import InvalidInput
from engine.persistence.models import (
    AuditEvent,
    Case,
    CaseDeadline,
    ClockState,
    DefinitionFile,
    HumanTask,
    MessageWait,
    ProcessInstance,
    ProcessVersion,
    Timer,
)
from tests.lifecycle.helpers import BPMN_DIR, PERSON

MAIN = "refugee_lifecycle.bpmn"
COUNTED = (Case, ProcessInstance, AuditEvent, HumanTask, Timer, MessageWait, CaseDeadline,
           DefinitionFile, ProcessVersion)


@pytest.fixture
def real(make_engine: Any) -> Staffel:
    """The 'real' engine: bpmn/ deployed and one running case."""
    eng: Staffel = make_engine()
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    eng.cases.start(PERSON, "NW", "asylum", "8123456-423", actor="cw_eingangszone")
    return eng


def counts(eng: Staffel) -> dict[str, Any]:
    with eng.db.read() as session:
        found: dict[str, Any] = {model.__tablename__: session.scalar(
            select(func.count()).select_from(model)) for model in COUNTED}
        found["audit_head"] = session.scalar(select(func.max(AuditEvent.seq)))
        clock = session.get(ClockState, 1)
        found["clock"] = clock.now if clock else None
    return found


def main_xml() -> str:
    return (BPMN_DIR / MAIN).read_text(encoding="utf-8")


def kinds(result: Any) -> list[tuple[str, str | None]]:
    return [(s.kind, s.element_id) for s in result.steps]


def test_refugee_run_reaches_the_end_and_leaves_the_real_database_alone(real: Staffel) -> None:
    before = counts(real)
    draft = main_xml().replace('name="Person registrieren', 'name="Person aufnehmen')
    assert draft != main_xml()
    result = real.testruns.run({MAIN: draft}, outcome="refugee")
    assert counts(real) == before
    assert result.valid and result.problems == []
    assert (result.completed, result.stop_reason, result.final_stage) == (True, "completed", "S6")
    assert result.started_at == real.clock.now()
    register = next(s for s in result.steps if s.element_id == "Task_register")
    assert register.name.startswith("Person aufnehmen")  # the draft, not the deployed version
    assert register.team == "eingangszone" and register.process == "refugee_lifecycle"
    assert register.data["consent_given"] is False and register.data["languages"]
    decision = next(s for s in result.steps if s.kind == "message"
                    and s.name == "bamf_decision")
    assert decision.data["outcome"] == "refugee" and decision.stage == "S3b"
    assert {"served_on", "lawsuit_deadline", "decision_final_on"} <= set(decision.deadlines)
    assert any(s.kind == "timer" for s in result.steps)
    times = [s.at for s in result.steps]
    assert times == sorted(times) and times[-1] > times[0] + timedelta(days=300)
    deadlines = {d.key: d for d in result.deadlines}
    assert deadlines["lawsuit_deadline"].legal_basis.startswith("§74(1) Hs. 1")
    assert deadlines["asylblg_end"].land == "NW" and "sgb2_start" in deadlines
    assert "duldung" not in result.path and "Task_register" in result.path["refugee_lifecycle"]
    assert result.waiting == {}


def test_rejected_takes_another_path(real: Staffel) -> None:
    refugee = real.testruns.run({MAIN: main_xml()}, outcome="refugee")
    rejected = real.testruns.run({MAIN: main_xml()}, outcome="rejected")
    assert rejected.valid and rejected.completed
    stages = [s.stage for s in rejected.steps]
    assert "S4" in stages and "S3b" not in stages
    assert "duldung" in rejected.path and "duldung" not in refugee.path
    assert set(rejected.path["refugee_lifecycle"]) != set(refugee.path["refugee_lifecycle"])
    assert "Task_duldung_check" in {s.element_id for s in rejected.steps}
    decision = next(s for s in rejected.steps if s.name == "bamf_decision")
    assert decision.data["outcome"] == "rejected" and "asylblg_end" not in decision.deadlines


def test_withheld_message_lets_the_timer_decide(real: Staffel) -> None:
    """Without a training contract, the 18-month review timer fires (S4 review path)."""
    result = real.testruns.run({MAIN: main_xml()}, outcome="rejected",
                                 withhold=["training_contract"],
                                 choices={"review_decision": "exit"})
    assert result.completed and result.final_stage == "S4"
    assert "training_contract" not in {s.name for s in result.steps}
    review = next(s for s in result.steps if s.element_id == "Task_duldung_review")
    assert review.data == {"review_decision": "exit"}
    assert "duldung_review" in {d.key for d in result.deadlines}


def test_a_withheld_message_is_followed_up_again_and_again(real: Staffel) -> None:
    before = counts(real)
    result = real.testruns.run({MAIN: main_xml()}, withhold=["bamf_decision"], max_steps=40)
    # no wait is silent: the follow-up timer fires, the Sozialamt asks the BAMF, the case
    # waits again, watched again, until the step limit
    assert (result.completed, result.stop_reason, result.final_stage) == (
        False, "step_limit", "S2")
    follow_ups = [s for s in result.steps if s.element_id == "Task_follow_up_bamf_decision"]
    assert len(follow_ups) >= 2 and all(s.team == "sozialamt" for s in follow_ups)
    assert counts(real) == before


def test_step_limit_stops_the_walk(real: Staffel) -> None:
    result = real.testruns.run({MAIN: main_xml()}, max_steps=3)
    assert (result.completed, result.stop_reason) == (False, "step_limit")
    assert "(3)" in result.message
    assert [s.kind for s in result.steps] == ["start", "user_task", "user_task", "user_task"]


def test_the_simulated_clock_starts_at_the_real_engine_time(real: Staffel) -> None:
    real.clock.advance(to=datetime(2027, 6, 7, 8, 0, tzinfo=UTC))
    result = real.testruns.run({MAIN: main_xml()}, max_steps=1)
    assert result.started_at == datetime(2027, 6, 7, 8, 0, tzinfo=UTC)
    assert result.steps[1].data == {"interpreter_needed": False, "languages": ["de"],
                                    "identity_documents": "passport", "consent_given": False}
    assert real.clock.now() == datetime(2027, 6, 7, 8, 0, tzinfo=UTC)


def test_an_invalid_draft_gives_the_deploy_problems(real: Staffel) -> None:
    before = counts(real)
    bad = main_xml().replace('name="Eingangszone', 'name="Geheimteam', 1)
    escape = main_xml().replace(
        "</bpmn:process>",
        '<bpmn:scriptTask id="Script_escape"><bpmn:script>x = ().__class__.__bases__'
        "</bpmn:script></bpmn:scriptTask></bpmn:process>", 1)
    for draft, element in ((bad, None), (escape, "Script_escape")):
        assert draft != main_xml()
        result = real.testruns.run({MAIN: draft})
        assert not result.valid and result.problems and result.steps == []
        assert result.stop_reason == "invalid"
        if element:
            assert any(p.element_id == element for p in result.problems), result.problems
    assert counts(real) == before


def test_a_runtime_failure_stops_with_the_reason(real: Staffel) -> None:
    draft = main_xml().replace("<bpmn:script>due = {}", "<bpmn:script>due = 1 / 0", 1)
    assert draft != main_xml()
    before = counts(real)
    result = real.testruns.run({MAIN: draft})
    assert result.valid and not result.completed
    assert result.stop_reason == "error" and "division by zero" in result.message
    assert counts(real) == before


@pytest.mark.parametrize(("settings", "field"), [
    ({"outcome": "granted"}, "outcome"), ({"land": "XX"}, "land"),
    ({"entry": "boat"}, "entry"), ({"max_steps": 0}, "max_steps"),
    ({"max_steps": 5000}, "max_steps"), ({"choices": {"x": float("nan")}}, "choices"),
    ({"withhold": [""]}, "withhold"), ({"process_key": "nope"}, "process_key"),
])
def test_bad_settings_are_rejected_and_change_nothing(real: Staffel, settings: dict[str, Any],
                                                     field: str) -> None:
    before = counts(real)
    message = ("the process to start is not deployed" if field == "process_key"
               else "the test run settings are not valid")
    with pytest.raises(InvalidInput, match=f"^{message}$") as caught:
        real.testruns.run({MAIN: main_xml()}, **settings)
    assert field in {e["field"] for e in caught.value.errors}
    assert counts(real) == before


def test_resettlement_entry(real: Staffel) -> None:
    result = real.testruns.run({MAIN: main_xml()}, entry="resettlement")
    assert result.valid and result.completed
    assert result.steps[0].stage == "S3e"
    assert "bamf_decision" not in {s.name for s in result.steps}
