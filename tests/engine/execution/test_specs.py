"""The per-version spec cache of engine.execution.specs: each version's spec is restored from
the database once, the same bundle comes back after that, unknown versions are NotFound."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import Staffel
from engine.errors import NotFound
from engine.execution.specs import SpecCache
from engine.persistence.models import ProcessVersion
from tests.conftest import PERSON


def version_ids(engine: Staffel) -> dict[str, int]:
    with engine.db.read() as session:
        return {key: vid for key, vid in session.execute(
            select(ProcessVersion.key, ProcessVersion.id))}


def test_a_version_is_restored_once_and_the_same_bundle_returned(engine: Staffel) -> None:
    ids = version_ids(engine)
    cache = SpecCache()
    with engine.db.read() as session:
        first = cache.get(session, ids["basic"])
    with engine.db.read() as session:
        again = cache.get(session, ids["basic"])
    assert again is first
    spec, subprocesses = first
    assert (spec.name, subprocesses) == ("basic", {})
    assert "Task_register" in spec.task_specs


def test_the_cache_serves_without_the_database_row(engine: Staffel) -> None:
    ids = version_ids(engine)
    cache = SpecCache()
    with engine.db.read() as session:
        bundle = cache.get(session, ids["timers"])
        session.delete(session.get(ProcessVersion, ids["timers"]))  # rolled back at the end
        session.flush()
        assert session.get(ProcessVersion, ids["timers"]) is None
        assert cache.get(session, ids["timers"]) is bundle


def test_each_version_has_its_own_bundle(engine: Staffel) -> None:
    ids = version_ids(engine)
    cache = SpecCache()
    with engine.db.read() as session:
        parent, child = cache.get(session, ids["parent"]), cache.get(session, ids["child"])
    assert parent is not child
    assert parent[0].name == "parent" and child[0].name == "child"
    assert set(parent[1]) == {"child"}  # the called process travels with its caller


def test_an_unknown_version_is_not_found(engine: Staffel) -> None:
    cache = SpecCache()
    with engine.db.read() as session, \
            pytest.raises(NotFound, match="process version 987654 does not exist"):
        cache.get(session, 987654)


def test_clear_forgets_every_bundle(engine: Staffel) -> None:
    ids = version_ids(engine)
    cache = SpecCache()
    with engine.db.read() as session:
        before = cache.get(session, ids["basic"])
        cache.clear()
        after = cache.get(session, ids["basic"])
    assert after is not before
    assert after[0].name == before[0].name == "basic"
    assert sorted(after[0].task_specs) == sorted(before[0].task_specs)


def test_the_engine_loads_cases_around_its_cached_spec(engine: Staffel) -> None:
    case = engine.cases.start(PERSON, "NW", process_key="basic", actor="tester")
    with engine.db.read() as session:
        cached = engine.context.specs.get(session, version_ids(engine)["basic"])
    with engine.unit("test") as uow:
        run = engine.context.runtime.load(uow, case.open_tasks[0].instance_id)
    assert run.workflow.spec is cached[0]
