"""Message waits of engine.execution.messages: the (message, element) keys a real waiting case
has, the rows kept in step with them, and which definition a task catches."""

from __future__ import annotations

from sqlalchemy import delete, select

from engine import Staffel
from engine.execution.messages import (
    find_waits,
    message_definition,
    message_definitions,
    sync_waits,
    wait_keys,
    waiting_message_tasks,
)
from engine.model import CaseInfo
from engine.persistence.models import MessageWait
from tests.conftest import PERSON

DECISION = ("bamf_decision", "Gw_decision_wait")  # the event-based gateway holds the wait


def waiting_case(engine: Staffel) -> CaseInfo:
    """A ``basic`` case past registration: it waits for ``bamf_decision``."""
    case = engine.cases.start(PERSON, "NW", "asylum", "8123456-423", process_key="basic",
                              actor="tester")
    engine.tasks.complete(case.open_tasks[0].id, {"interpreter_needed": False}, actor="cw")
    return case


def instance_of(case: CaseInfo) -> str:
    return case.open_tasks[0].instance_id


def waits(engine: Staffel, case_id: str, name: str) -> list[tuple[str, str, str]]:
    with engine.db.read() as session:
        return [(w.message_name, w.element_id, w.instance_id)
                for w in find_waits(session, case_id, name)]


def test_a_case_before_its_message_task_waits_for_nothing(engine: Staffel) -> None:
    case = engine.cases.start(PERSON, "NW", process_key="basic", actor="tester")
    assert waits(engine, case.id, "bamf_decision") == []
    with engine.unit("test") as uow:
        run = engine.context.runtime.load(uow, instance_of(case))
        assert wait_keys(run.workflow) == set()
        assert waiting_message_tasks(run.workflow) == []


def test_a_waiting_case_has_its_wait_key_and_row(engine: Staffel) -> None:
    case = waiting_case(engine)
    instance = instance_of(case)
    assert waits(engine, case.id, "bamf_decision") == [(*DECISION, instance)]
    assert waits(engine, case.id, "permit_issued") == []
    with engine.unit("test") as uow:
        run = engine.context.runtime.load(uow, instance)
        assert wait_keys(run.workflow) == {DECISION}
        (task,) = waiting_message_tasks(run.workflow)
        assert task.task_spec.bpmn_id == "Gw_decision_wait"
        assert [d.name for d in message_definitions(task)] == ["bamf_decision"]
        found = message_definition(task, "bamf_decision")
        assert found is not None and found.name == "bamf_decision"
        assert message_definition(task, "permit_issued") is None


def test_waits_are_per_case(engine: Staffel) -> None:
    first = waiting_case(engine)
    second = waiting_case(engine)
    assert waits(engine, first.id, "bamf_decision") == [(*DECISION, instance_of(first))]
    assert waits(engine, second.id, "bamf_decision") == [(*DECISION, instance_of(second))]
    assert waits(engine, "0" * 32, "bamf_decision") == []


def test_the_wait_goes_when_the_message_is_delivered(engine: Staffel) -> None:
    case = waiting_case(engine)
    engine.messages.correlate("bamf_decision", {"outcome": "refugee"}, case_id=case.id)
    assert waits(engine, case.id, "bamf_decision") == []
    with engine.db.read() as session:
        assert session.scalars(select(MessageWait)).all() == []


def test_sync_writes_only_the_difference(engine: Staffel) -> None:
    case = waiting_case(engine)
    instance = instance_of(case)
    with engine.unit("test") as uow:  # a stale row the workflow no longer has
        uow.session.add(MessageWait(instance_id=instance, case_id=case.id,
                                    message_name="permit_issued", element_id="Wait_old"))
    with engine.unit("test") as uow:
        run = engine.context.runtime.load(uow, instance)
        before = wait_keys(run.workflow) | {("permit_issued", "Wait_old")}
        sync_waits(uow.session, instance, case.id, run.workflow, before, uow.now)
    assert waits(engine, case.id, "permit_issued") == []
    assert waits(engine, case.id, "bamf_decision") == [(*DECISION, instance)]  # not doubled


def test_sync_adds_a_missing_wait(engine: Staffel) -> None:
    case = waiting_case(engine)
    instance = instance_of(case)
    with engine.unit("test") as uow:
        uow.session.execute(delete(MessageWait))
    assert waits(engine, case.id, "bamf_decision") == []
    with engine.unit("test") as uow:
        run = engine.context.runtime.load(uow, instance)
        sync_waits(uow.session, instance, case.id, run.workflow, set(), uow.now)
    assert waits(engine, case.id, "bamf_decision") == [(*DECISION, instance)]
