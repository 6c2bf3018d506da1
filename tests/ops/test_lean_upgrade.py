"""Migration 0018 (issue 16, lean case state) on the previous release's real rows: the
release fixture (schema 0017, states written by release bd4537a) upgraded in-process with its
keys; every instance state becomes lean and restores to the same workflow state it held, on
SQLite or, with ``STAFFEL_TEST_DATABASE_URL``, PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select

from engine import Staffel, read_key_file
from engine.execution import spiff
from engine.execution.state_format import LEAN_FORMAT, OLD_FORMAT, is_lean, merge, parse
from engine.persistence.models import ProcessInstance
from tests.ops.release_fixture import RELEASE_0017, load_release


def _states(eng: Staffel) -> dict[str, tuple[str, bytes]]:
    with eng.db.read() as s:
        return {r.id: (r.serializer_version, r.state)
                for r in s.scalars(select(ProcessInstance))}


def test_the_release_states_become_lean_and_mean_the_same(empty_database_url: str) -> None:
    assert load_release(empty_database_url) == "0017_saved_filters"
    keys = read_key_file(RELEASE_0017 / "test-keys.toml")
    eng = Staffel(empty_database_url, keys=keys)
    try:
        old = _states(eng)  # still at 0017 (0018 changes no column): the old states
        assert old and {v for v, _ in old.values()} == {OLD_FORMAT}
        eng.init_db()  # 0018 and later
        new = _states(eng)
        assert set(new) == set(old)
        assert {v for v, _ in new.values()} == {LEAN_FORMAT}
        assert all(is_lean(state) for _, state in new.values() if state)
        assert any(parse(state)[1] for _, state in new.values() if state)
        for row_id, (_, state) in new.items():
            assert merge(*parse(state)) == json.loads(old[row_id][1]), row_id
        ctx = eng.context
        with eng.db.read() as s:
            for row in s.scalars(select(ProcessInstance)):
                bundle = ctx.specs.get(s, row.process_version_id)
                whole = spiff.load_state(row.state, bundle, ctx.runtime.script_engine)
                assert json.loads(spiff.dump_state(whole)) == json.loads(row.state)
    finally:
        eng.close()

