"""Several writers and several timer pollers on one database: no lost update, no double firing."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from engine import Staffel
from engine.errors import Conflict
from engine.execution import timers
from engine.execution.clock import SimulatedClock
from engine.persistence.models import AuditEvent, HumanTask, Timer
from tests.conftest import ENGINE_DIAGRAMS, PERSON, START


def run_threads(n: int, target) -> None:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(n)

    def go(i: int) -> None:
        barrier.wait()
        target(i)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)


def test_racing_completions_one_wins_the_rest_conflict(make_engine) -> None:  # type: ignore[no-untyped-def]
    workers = [make_engine() for _ in range(6)]
    workers[0].definitions.deploy_directory(ENGINE_DIAGRAMS)
    case = workers[0].cases.start(PERSON, "NW", process_key="basic")
    task_id = case.open_tasks[0].id
    results: list[str] = []

    def complete(i: int) -> None:
        try:
            workers[i].tasks.complete(task_id, {"interpreter_needed": i % 2 == 0},
                                     actor=f"user{i}")
            results.append("ok")
        except Conflict:
            results.append("conflict")

    run_threads(len(workers), complete)
    assert sorted(results) == ["conflict"] * 5 + ["ok"]
    with workers[0].db.read() as s:
        completed = s.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "task_completed"))
    assert completed == 1
    assert workers[0].audit.verify().ok


def test_concurrent_pollers_fire_every_timer_exactly_once(make_engine) -> None:  # type: ignore[no-untyped-def]
    pollers = [make_engine(worker_id=f"poller-{i}") for i in range(4)]
    main: Staffel = pollers[0]
    main.definitions.deploy_directory(ENGINE_DIAGRAMS)
    cases = [main.cases.start(PERSON, "NW", process_key="basic", bamf_aktenzeichen=f"AZ-{i}")
             for i in range(40)]
    with main.unit("test") as uow:  # move time without firing: the pollers must do it
        main.context.time.set(uow.session, START + timedelta(days=11))

    def poll(i: int) -> None:
        for _ in range(10):
            pollers[i].timers.fire_due(limit=7)

    run_threads(len(pollers), poll)
    with main.db.read() as s:
        fired = s.scalar(select(func.count()).select_from(AuditEvent)
                         .where(AuditEvent.action == "timer_fired"))
        statuses = set(s.scalars(select(Timer.status)))
        reminders = s.scalar(select(func.count()).select_from(HumanTask)
                             .where(HumanTask.element_id == "Task_reminder"))
    assert fired == len(cases) and reminders == len(cases)
    assert statuses == {"fired"}
    assert main.audit.verify().ok


def test_a_claim_whose_lease_expired_is_claimed_again(make_engine) -> None:  # type: ignore[no-untyped-def]
    crashed = make_engine(worker_id="crashed")
    crashed.definitions.deploy_directory(ENGINE_DIAGRAMS)
    case = crashed.cases.start(PERSON, "NW", process_key="basic")
    with crashed.unit("test") as uow:
        now = crashed.context.time.set(uow.session, START + timedelta(days=11))
        ids = timers.claim_due(uow.session, now, "crashed", 10)
    assert len(ids) == 1  # claimed, then the process "died" before firing
    survivor = make_engine(worker_id="survivor")
    assert survivor.timers.fire_due().fired == 0  # the lease still holds
    later = SimulatedClock(crashed.context.wall_clock.now() + timedelta(minutes=2))
    survivor.context.wall_clock = later
    assert survivor.timers.fire_due().fired == 1
    names = sorted(t.name for t in survivor.cases.get(case.id).open_tasks)
    assert names == ["Task_register", "Task_reminder"]
    assert survivor.timers.fire_due().fired == 0
