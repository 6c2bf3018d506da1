"""Timer rows of engine.execution.timers on a real database: the rows mirror the waiting timer
events, claims are leases (two engines on one database), release and failure, next due."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine import Staffel
from engine.execution.timers import (
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    claim_due,
    lock_claimed,
    next_due,
    release,
    sync_timers,
    timer_elements,
)
from engine.persistence.models import Timer
from tests.conftest import ENGINE_DIAGRAMS, PERSON, START

DUE = START + timedelta(days=10)  # the basic process's P10D reminder
WALL = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)  # the wall clock leases are measured on
US = timedelta(microseconds=1)


def start_basic(engine: Staffel) -> str:
    return engine.cases.start(PERSON, "NW", process_key="basic", actor="tester").id


def timer_rows(engine: Staffel) -> list[Any]:
    """The timer rows as plain column values (Core rows outlive their session)."""
    with engine.db.read() as session:
        return list(session.execute(select(*Timer.__table__.c).order_by(Timer.id)))


def claim(engine: Staffel, worker: str, now: datetime = DUE, limit: int = 10,
          wall: datetime = WALL) -> list[int]:
    with engine.unit("test") as uow:
        return claim_due(uow.session, now, worker, limit, wall=wall)


def give_back(engine: Staffel, timer_id: int, worker: str, error: str | None) -> None:
    with engine.unit("test") as uow:
        release(uow.session, timer_id, worker, error)


def test_the_row_mirrors_the_waiting_timer(engine: Staffel) -> None:
    case_id = start_basic(engine)
    (row,) = timer_rows(engine)
    assert (row.case_id, row.element_id, row.due_at, row.status, row.attempts) == (
        case_id, "Timer_reminder", DUE, "waiting", 0)
    assert (row.claimed_by, row.claim_expires_at, row.fired_at) == (None, None, None)
    with engine.unit("test") as uow:
        run = engine.context.runtime.load(uow, row.instance_id)
        assert timer_elements(run.workflow) == {(row.task_id, DUE): "Timer_reminder"}


def test_a_timer_left_before_due_is_cancelled_one_passed_is_fired(engine: Staffel) -> None:
    start_basic(engine)
    second = start_basic(engine)
    task = engine.cases.get(second).open_tasks[0]
    engine.tasks.complete(task.id, {"interpreter_needed": False}, actor="cw")
    engine.clock.advance(to=DUE + timedelta(hours=1))
    statuses = {(r.case_id == second, r.element_id, r.status, r.fired_at)
                for r in timer_rows(engine)}
    # the second case's reminder was left before it was due; it now waits for the decision,
    # watched by its follow-up timer
    assert statuses == {(True, "Timer_reminder", "cancelled", None),
                        (True, "Gw_decision_wait", "waiting", None),  # the gateway holds it
                        (False, "Timer_reminder", "fired", DUE)}


def test_sync_classifies_what_left_by_due_time(engine: Staffel) -> None:
    start_basic(engine)
    (row,) = timer_rows(engine)
    with engine.unit("test") as uow:
        run = engine.context.runtime.load(uow, row.instance_id)
        current = timer_elements(run.workflow)
        assert sync_timers(uow.session, row.instance_id, row.case_id, run.workflow, uow.now,
                           current).created == []
        gone = {("gone-1", START - timedelta(days=1)): "Timer_past",
                ("gone-2", START): "Timer_now", ("gone-3", START + US): "Timer_future"}
        changes = sync_timers(uow.session, row.instance_id, row.case_id, run.workflow,
                              uow.now, {**current, **gone})
    assert changes.created == []
    assert changes.fired == [("Timer_past", START - timedelta(days=1)), ("Timer_now", START)]
    assert changes.cancelled == [("Timer_future", START + US)]
    assert [r.status for r in timer_rows(engine)] == ["waiting"]  # the real row untouched


def test_next_due_is_the_earliest_waiting_timer(engine: Staffel) -> None:
    with engine.db.read() as session:
        assert next_due(session) is None
    start_basic(engine)
    engine.clock.advance(by=timedelta(hours=2))
    start_basic(engine)
    with engine.db.read() as session:
        assert next_due(session) == DUE
        assert next_due(session, until=DUE) == DUE
        assert next_due(session, until=DUE - US) is None
    claim(engine, "w", limit=1)  # a claimed timer is no longer waiting
    with engine.db.read() as session:
        assert next_due(session) == DUE + timedelta(hours=2)


def test_only_due_rows_are_claimed_in_due_order(engine: Staffel) -> None:
    for _ in range(3):
        start_basic(engine)
        engine.clock.advance(by=timedelta(hours=1))
    first, second, third = (r.id for r in timer_rows(engine))
    assert claim(engine, "w", now=DUE - US) == []
    assert claim(engine, "w", now=DUE + timedelta(hours=5), limit=2) == [first, second]
    assert claim(engine, "w", now=DUE + timedelta(hours=5)) == [third]
    row = timer_rows(engine)[0]
    assert (row.status, row.claimed_by, row.attempts) == ("claimed", "w", 1)
    assert row.claim_expires_at == WALL + CLAIM_LEASE


def test_a_lease_holds_until_it_expires_across_two_engines(
        make_engine: Callable[..., Staffel]) -> None:
    a, b = make_engine(worker_id="a"), make_engine(worker_id="b")
    a.definitions.deploy_directory(ENGINE_DIAGRAMS)
    start_basic(a)
    (timer_id,) = claim(a, "a")
    assert claim(b, "b", wall=WALL + CLAIM_LEASE) == []  # not expired at the instant itself
    assert claim(b, "b", wall=WALL + CLAIM_LEASE + US) == [timer_id]
    (row,) = timer_rows(a)
    assert (row.claimed_by, row.attempts) == ("b", 2)
    assert row.claim_expires_at == WALL + CLAIM_LEASE + US + CLAIM_LEASE
    with a.unit("test") as uow:
        assert lock_claimed(uow.session, timer_id, "a") is None
    with b.unit("test") as uow:
        found = lock_claimed(uow.session, timer_id, "b")
        assert found is not None
        timer, instance = found
        assert (timer.id, instance.id, instance.case_id) == (timer_id, row.instance_id,
                                                             row.case_id)
    give_back(a, timer_id, "a", "too late")  # not a's claim any more: nothing changes
    (row,) = timer_rows(b)
    assert (row.status, row.claimed_by, row.last_error) == ("claimed", "b", None)


def test_release_gives_the_claim_back_with_the_error(engine: Staffel) -> None:
    start_basic(engine)
    (timer_id,) = claim(engine, "w")
    give_back(engine, timer_id, "w", "boom")
    (row,) = timer_rows(engine)
    assert (row.status, row.claimed_by, row.claim_expires_at) == ("waiting", None, None)
    assert (row.last_error, row.attempts) == ("boom", 1)
    give_back(engine, timer_id, "w", "again")  # not claimed: nothing changes
    assert timer_rows(engine)[0].last_error == "boom"
    give_back(engine, 999_999, "w", "no such timer")  # unknown id: nothing happens
    with engine.db.read() as session:
        assert next_due(session) == DUE


def test_after_too_many_attempts_the_timer_fails_for_good(engine: Staffel) -> None:
    start_basic(engine)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (timer_id,) = claim(engine, "w")
        give_back(engine, timer_id, "w", f"failure {attempt}")
        expected = "failed" if attempt == MAX_ATTEMPTS else "waiting"
        assert timer_rows(engine)[0].status == expected
    assert claim(engine, "w", now=DUE + timedelta(days=365),
                 wall=WALL + timedelta(days=365)) == []
    (row,) = timer_rows(engine)
    assert (row.attempts, row.last_error) == (MAX_ATTEMPTS, f"failure {MAX_ATTEMPTS}")
    with engine.db.read() as session:
        assert next_due(session) is None


@pytest.mark.parametrize("limit", [0, 1])
def test_the_limit_is_respected(engine: Staffel, limit: int) -> None:
    start_basic(engine)
    start_basic(engine)
    assert len(claim(engine, "w", limit=limit)) == limit
    assert sum(r.status == "claimed" for r in timer_rows(engine)) == limit


# An event-based gateway with two timers, the later one first in document order (like the
# course-start wait: the entitlement's end, then the follow-up). SpiffWorkflow 3.2 kept one
# due time per gateway task, the first timer's: the follow-up fired only at the deadline.
TWO_TIMERS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  id="Defs_two_timers" targetNamespace="http://staffel.example/bpmn">
  <bpmn:message id="Msg_started" name="course_started" />
  <bpmn:process id="two_timers" name="Two timers" isExecutable="true">
    <bpmn:startEvent id="Start_wait"><bpmn:outgoing>F0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:eventBasedGateway id="Gw_wait">
      <bpmn:incoming>F0</bpmn:incoming>
      <bpmn:outgoing>F1</bpmn:outgoing><bpmn:outgoing>F2</bpmn:outgoing>
      <bpmn:outgoing>F3</bpmn:outgoing>
    </bpmn:eventBasedGateway>
    <bpmn:intermediateCatchEvent id="Catch_started" name="Started">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F4</bpmn:outgoing>
      <bpmn:messageEventDefinition id="MED" messageRef="Msg_started" />
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Timer_deadline" name="Deadline">
      <bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F5</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TED_deadline"><bpmn:timeDate
        xsi:type="bpmn:tFormalExpression">'DEADLINE'</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Watch" name="Follow-up due">
      <bpmn:incoming>F3</bpmn:incoming><bpmn:outgoing>F6</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TED_watch"><bpmn:timeDate
        xsi:type="bpmn:tFormalExpression">'WATCH'</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="Script_started"><bpmn:incoming>F4</bpmn:incoming>
      <bpmn:outgoing>F7</bpmn:outgoing><bpmn:script>set_stage('S5')</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="Script_deadline"><bpmn:incoming>F5</bpmn:incoming>
      <bpmn:outgoing>F8</bpmn:outgoing><bpmn:script>set_stage('S4')</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="Script_watch"><bpmn:incoming>F6</bpmn:incoming>
      <bpmn:outgoing>F9</bpmn:outgoing><bpmn:script>set_stage('S2')</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="End_started"><bpmn:incoming>F7</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="End_deadline"><bpmn:incoming>F8</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="End_watch"><bpmn:incoming>F9</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F0" sourceRef="Start_wait" targetRef="Gw_wait" />
    <bpmn:sequenceFlow id="F1" sourceRef="Gw_wait" targetRef="Catch_started" />
    <bpmn:sequenceFlow id="F2" sourceRef="Gw_wait" targetRef="Timer_deadline" />
    <bpmn:sequenceFlow id="F3" sourceRef="Gw_wait" targetRef="Watch" />
    <bpmn:sequenceFlow id="F4" sourceRef="Catch_started" targetRef="Script_started" />
    <bpmn:sequenceFlow id="F5" sourceRef="Timer_deadline" targetRef="Script_deadline" />
    <bpmn:sequenceFlow id="F6" sourceRef="Watch" targetRef="Script_watch" />
    <bpmn:sequenceFlow id="F7" sourceRef="Script_started" targetRef="End_started" />
    <bpmn:sequenceFlow id="F8" sourceRef="Script_deadline" targetRef="End_deadline" />
    <bpmn:sequenceFlow id="F9" sourceRef="Script_watch" targetRef="End_watch" />
  </bpmn:process>
</bpmn:definitions>
"""
EARLY, LATE = START + timedelta(days=9), START + timedelta(days=90)


@pytest.mark.parametrize(("deadline", "watch", "stage"), [
    (LATE, EARLY, "S2"),  # the follow-up comes first although the deadline is listed first
    (EARLY, LATE, "S4"),  # the deadline comes first
])
def test_each_timer_of_an_event_based_gateway_fires_at_its_own_time(
        make_engine: Callable[..., Staffel], deadline: datetime, watch: datetime,
        stage: str) -> None:
    engine = make_engine()
    engine.definitions.deploy({"two_timers.bpmn": TWO_TIMERS.replace(
        "DEADLINE", deadline.isoformat()).replace("WATCH", watch.isoformat())})
    case_id = engine.cases.start(PERSON, "NW", process_key="two_timers", actor="tester").id
    (row,) = timer_rows(engine)  # one row for the gateway, due at the earlier timer
    assert (row.element_id, row.due_at, row.status) == ("Gw_wait", EARLY, "waiting")
    (wait,) = engine.cases.get(case_id).waiting_for
    assert (wait.message, wait.watchdog_due) == ("course_started", EARLY)
    engine.clock.advance(to=EARLY - timedelta(minutes=1))
    assert engine.cases.get(case_id).status == "running"
    engine.clock.advance(to=EARLY)
    view = engine.cases.get(case_id)
    assert (view.status, view.stage) == ("completed", stage)  # that branch alone, once
    assert [r.status for r in timer_rows(engine)] == ["fired"]


def test_a_message_still_wins_over_both_timers(make_engine: Callable[..., Staffel]) -> None:
    engine = make_engine()
    engine.definitions.deploy({"two_timers.bpmn": TWO_TIMERS.replace(
        "DEADLINE", LATE.isoformat()).replace("WATCH", EARLY.isoformat())})
    case_id = engine.cases.start(PERSON, "NW", process_key="two_timers", actor="tester").id
    engine.messages.correlate("course_started", {}, case_id=case_id)
    view = engine.cases.get(case_id)
    assert (view.status, view.stage) == ("completed", "S5")
    assert [r.status for r in timer_rows(engine)] == ["cancelled"]
