"""The engine's event port (issue 16): observers hear every committed audit event, ids only,
and nothing of a rolled-back unit; ``tasks.complete(authorize=…)`` checks inside the
completing transaction and changes nothing when it refuses."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from engine import EngineEvent, Forbidden, Staffel
from engine.errors import Conflict, InvalidInput
from engine.persistence.models import AuditEvent, HumanTask
from tests.conftest import PERSON

DATA = {"interpreter_needed": True, "language": "ar"}


def start(engine: Staffel) -> str:
    case = engine.cases.start(PERSON, "NW", "asylum", "8123456-423", process_key="basic",
                              actor="tester")
    return str(case.open_tasks[0].id)


def counts(engine: Staffel) -> tuple[int, int]:
    with engine.db.read() as s:
        return (int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0),
                int(s.scalar(select(func.count()).select_from(HumanTask)
                             .where(HumanTask.state == "open")) or 0))


def test_observers_hear_committed_events_with_ids_only(engine: Staffel) -> None:
    heard: list[EngineEvent] = []
    engine.observe(heard.append)
    engine.observe(heard.append)  # added twice, told once
    task_id = start(engine)
    engine.tasks.complete(task_id, DATA, actor="tester")
    actions = [e.action for e in heard]
    assert actions.count("case_created") == 1 and actions.count("task_completed") == 1
    done = next(e for e in heard if e.action == "task_completed")
    assert done.task_id == task_id and done.case_id and isinstance(done.at, datetime)
    assert done.simulated is True
    assert PERSON["family_name"] not in repr(heard)


def test_a_failing_observer_breaks_nothing_and_rollbacks_tell_nothing(
        engine: Staffel) -> None:
    heard: list[str] = []

    def broken(_event: EngineEvent) -> None:
        raise RuntimeError("observer down")

    engine.observe(broken)
    engine.observe(lambda e: heard.append(e.action))
    task_id = start(engine)
    before = len(heard)
    with pytest.raises(InvalidInput):
        engine.tasks.complete(task_id, {"interpreter_needed": "yes"}, actor="tester")
    assert len(heard) == before  # rolled back: not a word
    engine.tasks.complete(task_id, DATA, actor="tester")
    assert "task_completed" in heard


def test_complete_checks_the_callers_right_inside_its_transaction(engine: Staffel) -> None:
    task_id = start(engine)
    before = counts(engine)
    seen = []

    def refuse(task: object) -> bool:
        seen.append(task)
        raise Forbidden("not your team")

    with pytest.raises(Forbidden):
        engine.tasks.complete(task_id, DATA, actor="tester", authorize=refuse)
    # refused before the data is looked at: a bad value does not turn a 403 into a 422
    with pytest.raises(Forbidden):
        engine.tasks.complete(task_id, {"x": object()}, actor="tester", authorize=refuse)
    assert counts(engine) == before
    assert seen and seen[0].id == task_id  # type: ignore[attr-defined]
    engine.tasks.claim(task_id, "someone")
    with pytest.raises(Conflict, match="claimed by someone"):
        engine.tasks.complete(task_id, DATA, actor="tester", authorize=lambda _t: False)
    done = engine.tasks.complete(task_id, DATA, actor="tester", authorize=lambda _t: True)
    assert done.state == "completed"
