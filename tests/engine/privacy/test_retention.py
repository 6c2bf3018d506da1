"""Retention: a case ended longer ago than the period is erased by the run (the dry run only
lists it), an agency original older than its own period is emptied; the engine clock decides
"now" (the simulated clock moves, nothing sleeps); the scheduler's daily job runs it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine import (
    DEFAULT_IMPORT_ORIGINAL_DAYS,
    DEFAULT_RETENTION_DAYS,
    InvalidInput,
    NotFound,
    RetentionPeriods,
    Staffel,
    TimerScheduler,
)
from engine.persistence.crypto import KeyRing
from tests.conftest import ENGINE_DIAGRAMS
from tests.engine.privacy.erasure_scene import closed_case, ended_by_import, found, opened_dump
from tests.web.conftest import snapshot


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing.generate()


@pytest.fixture
def eng(make_engine: Any, ring: KeyRing) -> Staffel:
    engine: Staffel = make_engine(keys=ring, retention=RetentionPeriods(30, 7))
    engine.definitions.deploy_directory(ENGINE_DIAGRAMS, actor="tester")
    return engine


def test_the_run_erases_what_ended_longer_ago_than_the_period(
        eng: Staffel, database_url: str, ring: KeyRing) -> None:
    closed = closed_case(eng)
    running = eng.cases.start({"family_name": "Laufend", "given_name": "Fall",
                               "birth_date": "1980-01-01"}, "NW", "asylum", "1111111-111",
                              process_key="basic", actor="tester")
    eng.clock.advance(by=timedelta(days=29))
    assert eng.erasure.plan().cases == []
    before = snapshot(eng)
    assert eng.erasure.run(dry_run=True).cases == []
    eng.clock.advance(by=timedelta(days=2))

    dry = eng.erasure.run(dry_run=True)
    assert [c.case_id for c in dry.cases] == [closed] and dry.dry_run and dry.erased == 1
    assert snapshot(eng)[0] == before[0] and eng.cases.get(closed).person  # nothing written
    assert found(opened_dump(database_url, ring)) != []

    done = eng.erasure.run()
    assert [(c.case_id, c.skipped) for c in done.cases] == [(closed, None)]
    assert done.cases[0].counts is not None and done.cases[0].counts.person_fields == 5
    assert found(opened_dump(database_url, ring)) == []
    assert eng.cases.get(running.id).person == {  # still running: kept
        "family_name": "Laufend", "given_name": "Fall", "birth_date": "1980-01-01"}
    assert eng.audit.verify().ok
    assert eng.erasure.run().cases == []  # nothing twice
    assert [e.actor for e in eng.audit.events(closed) if e.action == "person_erased"] == [
        "retention"]


def test_a_process_that_completed_without_closing_counts_from_its_last_step(
        eng: Staffel) -> None:
    case_id, file_id = ended_by_import(eng)
    eng.clock.advance(by=timedelta(days=8))
    plan = eng.erasure.plan()
    assert plan.cases == [] and [f.file_id for f in plan.files] == [file_id]
    report = eng.erasure.run()
    assert [f.file_id for f in report.files] == [file_id]
    with pytest.raises(NotFound, match="erased after its retention period"):
        eng.imports.original(file_id)  # the download says so instead of an empty file
    assert eng.imports.file(file_id).counts  # the report stays
    assert eng.cases.get(case_id).person  # the case's own period is not over
    assert eng.erasure.plan().files == []
    eng.clock.advance(by=timedelta(days=23))
    assert [c.case_id for c in eng.erasure.run().cases] == [case_id]


def test_the_periods_default_parse_and_refuse_nonsense() -> None:
    assert RetentionPeriods() == RetentionPeriods(DEFAULT_RETENTION_DAYS,
                                                  DEFAULT_IMPORT_ORIGINAL_DAYS)
    assert DEFAULT_RETENTION_DAYS == 1095 and DEFAULT_IMPORT_ORIGINAL_DAYS == 90
    assert RetentionPeriods.parse("365", None) == RetentionPeriods(365, 90)
    assert RetentionPeriods.parse("", " 14 ") == RetentionPeriods(1095, 14)
    for bad in (("drei", None), ("-1", None), (None, "99999999"), ("1.5", None)):
        with pytest.raises(InvalidInput):
            RetentionPeriods.parse(*bad)
    with pytest.raises(InvalidInput):
        RetentionPeriods(case_days=True)


def test_the_scheduler_runs_the_retention_daily(eng: Staffel) -> None:
    hooks = eng.scheduler_hooks()
    assert hooks.retention is not None
    closed = closed_case(eng)
    eng.clock.advance(by=timedelta(days=31))
    runner = TimerScheduler(hooks, sweep_seconds=3600)
    runner.start()
    try:
        job = runner._scheduler.get_job("retention")
        assert job is not None and job.trigger.interval == timedelta(days=1)
    finally:
        runner.shutdown()
    assert runner.retain() == 1  # what the daily job calls
    assert eng.cases.get(closed).person == {}
    assert runner.retain() == 0
