"""Issue 16, lean case state: finished subprocesses stored apart (engine/execution/state_format).

Real routes through bpmn/, checked after every step: the stored state is lean, restoring it
whole and writing it again gives the same state in either form, a load for engine steps
(finished subprocesses left out) writes back the same, and the case view (position: pending
and completed elements; open tasks, stage) is the same whether the row holds the lean or the
old form. Steps alternate between writing the old form and the lean one, so every step also
loads a state the other form wrote.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from sqlalchemy import select

from engine import Staffel
from engine.execution import spiff
from engine.execution.state_format import (
    LEAN_FORMAT,
    OLD_FORMAT,
    is_lean,
    join_objects,
    lean_text,
    merge,
    parse,
    parse_live,
    to_lean,
    to_old,
)
from engine.execution.task_work import earlier_values
from engine.persistence.models import ProcessInstance
from tests.lifecycle.helpers import new_engine
from tests.lifecycle.routes import Step, run_route
from tests.lifecycle.test_routes import MANIFESTLY_UNFOUNDED, REFUGEE, RESETTLEMENT

ROUTES = {"refugee": REFUGEE, "manifestly unfounded": MANIFESTLY_UNFOUNDED,
          "resettlement": RESETTLEMENT}


@dataclasses.dataclass(frozen=True)
class Row:
    """What a test needs of an instance row, read in one go."""

    id: str
    process_version_id: int
    state: bytes
    serializer_version: str


def _rows(eng: Staffel, case_id: str) -> list[Row]:
    with eng.db.read() as s:
        return [Row(r.id, r.process_version_id, r.state, r.serializer_version)
                for r in s.scalars(select(ProcessInstance)
                                   .where(ProcessInstance.case_id == case_id)
                                   .order_by(ProcessInstance.created_at, ProcessInstance.id))]


def _set_state(eng: Staffel, row_id: str, state: bytes, version: str) -> None:
    with eng.db.write() as s:
        row = s.get(ProcessInstance, row_id)
        assert row is not None
        row.state, row.serializer_version = state, version


def view(eng: Staffel, case_id: str) -> tuple[Any, ...]:
    """What the case view shows: position (pending and completed elements), open tasks,
    stage, benefit system; and the earlier form values a form is pre-filled with."""
    position = eng.timers.pending(case_id)
    info = eng.cases.get(case_id)
    ctx = eng.context
    with eng.db.read() as s:
        known = earlier_values(s, ctx.specs, ctx.runtime.script_engine, case_id)
    return (repr(position), sorted((t.name, t.team) for t in info.open_tasks), info.stage,
            info.benefit_system, json.dumps(known, sort_keys=True, default=str))


def check_round_trip(eng: Staffel, case_id: str) -> None:
    """The stored states of the case survive both loads and both forms unchanged."""
    ctx = eng.context
    for row in _rows(eng, case_id):
        state = row.state
        with eng.db.read() as s:
            bundle = ctx.specs.get(s, row.process_version_id)
        engine = ctx.runtime.script_engine
        whole = spiff.load_state(state, bundle, engine)
        again = spiff.dump_state(whole)
        assert is_lean(again)
        with spiff.writing_format(OLD_FORMAT):
            old = spiff.dump_state(whole)
        assert not is_lean(old)
        assert json.loads(to_old(again)) == json.loads(old)
        assert json.loads(to_lean(old)) == json.loads(again)
        assert merge(*parse(state)) == json.loads(old)
        lean = spiff.load_state(state, bundle, engine, finished=False)
        assert json.loads(spiff.dump_state(lean)) == json.loads(again)
        live, finished = parse(again)
        assert set(finished).isdisjoint(live.get("subprocesses", {}))
        # a load for engine steps restores the live processes only, the reader's load all
        assert {str(k) for k in lean.subprocesses} == set(live.get("subprocesses", {}))
        assert {str(k) for k in whole.subprocesses} == set(live.get("subprocesses", {})) | set(
            finished)


def check_view_in_both_forms(eng: Staffel, case_id: str) -> None:
    """The case view reads the same from the lean and from the old form."""
    rows = _rows(eng, case_id)
    lean_view = view(eng, case_id)
    for row in rows:
        _set_state(eng, row.id, to_old(row.state), OLD_FORMAT)
    assert view(eng, case_id) == lean_view
    for row in rows:
        _set_state(eng, row.id, row.state, row.serializer_version)


def checked(steps: list[Step]) -> list[Step]:
    """The route's steps, alternately written in the old and the lean form, each followed
    by the round-trip and view checks."""
    result = []
    for number, step in enumerate(steps):
        form = OLD_FORMAT if number % 2 else LEAN_FORMAT

        def do(eng: Staffel, case: str | None, step: Step = step, form: str = form
               ) -> str | None:
            before = {r.id: r.state for r in _rows(eng, case)} if case else {}
            with spiff.writing_format(form):
                case = step.do(eng, case) or case
            assert case is not None
            rows = _rows(eng, case)
            assert all(spiff.state_version(r.state) == r.serializer_version for r in rows)
            written = {r.serializer_version for r in rows if before.get(r.id) != r.state}
            assert written <= {form}, (step.label, written)
            check_round_trip(eng, case)
            check_view_in_both_forms(eng, case)
            return case

        result.append(dataclasses.replace(step, do=do))
    return result


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_step_of_a_route_round_trips_in_both_forms(make_engine: Any, route: str) -> None:
    eng = new_engine(make_engine)
    case_id = run_route(eng, route, checked(ROUTES[route]))
    rows = _rows(eng, case_id)
    finished = [parse(r.state)[1] for r in rows if r.state]
    assert any(finished), "a whole route finishes called processes"


def test_an_old_row_is_read_and_saved_lean(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    steps = REFUGEE[:4]
    with spiff.writing_format(OLD_FORMAT):
        case_id = run_route(eng, "refugee (old form)", steps)
    rows = _rows(eng, case_id)
    assert {r.serializer_version for r in rows} == {OLD_FORMAT}
    assert not any(is_lean(r.state) for r in rows)
    before = view(eng, case_id)
    REFUGEE[4].do(eng, case_id)
    touched = [r for r in _rows(eng, case_id) if r.serializer_version == LEAN_FORMAT]
    assert touched and all(is_lean(r.state) for r in touched)
    assert view(eng, case_id) != before  # the step moved the case on …
    check_round_trip(eng, case_id)  # … and what it wrote reads back whole


def test_the_lean_text_is_read_without_its_finished_part_and_odd_texts_in_full() -> None:
    lean = lean_text('{"tasks":{},"subprocesses":{}}', '{"a":{"tasks":{}}}')
    assert parse_live(lean) == ({"tasks": {}, "subprocesses": {}}, '{"a":{"tasks":{}}}')
    spaced = lean.replace(b',"finished":', b', "finished": ')
    assert parse_live(spaced) is None and parse(spaced) == parse(lean)
    assert parse_live(b'{"tasks":{}}') is None
    assert join_objects("{}", '{"b":1}') == '{"b":1}' == join_objects('{"b":1}', "{}")
    assert json.loads(join_objects('{"a":1}', '{"b":2}')) == {"a": 1, "b": 2}
