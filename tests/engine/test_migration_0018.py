"""Migration 0018 (issue 16, lean case state): real S3b cases of bpmn/ in both state forms go
down (every state in the old form) and up again (every state lean); the case view is the
same all the way, the states decrypt with the database's keys, and the cases still take
their next message afterwards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bench.delivery_bench import PERMIT, prepare
from engine import Staffel
from engine.execution import spiff
from engine.execution.state_format import LEAN_FORMAT, OLD_FORMAT, is_lean, merge, parse
from engine.persistence.models import ProcessInstance
from tests.conftest import migrate_down
from tests.lifecycle.helpers import BPMN_DIR
from tests.lifecycle.test_lean_state import view

START = datetime(2027, 6, 6, 7, tzinfo=UTC)


def _states(eng: Staffel) -> dict[str, tuple[str, bytes]]:
    with eng.db.read() as s:
        return {r.id: (r.serializer_version, r.state)
                for r in s.scalars(select(ProcessInstance))}


def test_the_0018_migration_converts_real_states_down_and_up(
        make_engine: Callable[..., Any]) -> None:
    eng: Staffel = make_engine(clock_start=START)
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    cases = prepare(eng, 2)  # 4 cases: old form, lean form, old, lean
    before = _states(eng)
    assert {v for v, _ in before.values()} == {OLD_FORMAT, LEAN_FORMAT}
    views = {case_id: view(eng, case_id) for case_id, _ in cases}
    whole = {i: merge(*parse(state)) for i, (_, state) in before.items()}

    migrate_down(eng.db, "0017_saved_filters")
    down = _states(eng)
    assert {v for v, _ in down.values()} == {OLD_FORMAT}
    assert not any(is_lean(state) for _, state in down.values())
    assert {i: merge(*parse(state)) for i, (_, state) in down.items()} == whole
    assert {case_id: view(eng, case_id) for case_id, _ in cases} == views

    eng.db.migrate()
    up = _states(eng)
    assert {v for v, _ in up.values()} == {LEAN_FORMAT}
    assert all(is_lean(state) for _, state in up.values())
    assert {i: merge(*parse(state)) for i, (_, state) in up.items()} == whole
    assert any(parse(state)[1] for _, state in up.values())  # finished processes set apart
    assert {case_id: view(eng, case_id) for case_id, _ in cases} == views
    for case_id, _ in cases:
        info = eng.messages.correlate("permit_issued", PERMIT, case_id=case_id)
        assert info.stage == "S3b"


def test_the_0018_migration_leaves_empty_and_lean_states_alone(
        make_engine: Callable[..., Any]) -> None:
    from tests.engine.test_states import seed

    eng: Staffel = make_engine()
    seed(eng.db)  # an instance row being created: empty state, version "1"
    migrate_down(eng.db, "0017_saved_filters")
    assert _states(eng) == {"i1": (OLD_FORMAT, b"")}
    eng.db.migrate()
    assert _states(eng) == {"i1": (LEAN_FORMAT, b"")}


def test_the_0018_conversion_can_be_left_for_later(make_engine: Callable[..., Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    eng: Staffel = make_engine(clock_start=START)
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    with spiff.writing_format(OLD_FORMAT):
        cases = prepare(eng, 1)
    migrate_down(eng.db, "0017_saved_filters")
    monkeypatch.setenv("STAFFEL_STATE_CONVERSION", "later")
    eng.db.migrate()
    assert {v for v, _ in _states(eng).values()} == {OLD_FORMAT}
    for case_id, _ in cases:  # an old state takes its next step and is saved lean
        eng.messages.correlate("permit_issued", PERMIT, case_id=case_id)
    assert {v for v, _ in _states(eng).values()} == {LEAN_FORMAT}
