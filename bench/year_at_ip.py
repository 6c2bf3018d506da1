"""One year at a large Integration Point (issue 16): N cases through the whole lifecycle.

The random world of the 200-case test (``tests/lifecycle/test_random_order.py``: ``World``,
scenarios from ``tests/lifecycle/random_world.py``) with more cases: they enter over
``--intake-days`` (a year by default, on working days), then every simulated day the clock
moves on (timers fire), the outside offices send what is due in random order (early, late,
never, twice) and the teams complete their open tasks with their forms' data — the generic
client. The run ends when every case is closed or waits, watched, for a report never sent.

Printed: total wall time, cases per stage at the end, per stage (the case's stage on the
morning of the day) the completions and message deliveries (count, median, p95, total s),
where the rest of the time went (clock and timers, case starts, the daily read of open tasks),
the stalled-case check (``--check-every`` days and at the end: must find 0), and a baseline
in the same run: the same world with ``--baseline`` cases (same intake per day), per-case
time ratio (1.0 = linear scaling).

On PostgreSQL ``--clients K`` runs K client processes, each with its share of the cases (one
of them moves the clock; they meet at a barrier every day), like several caseworkers; SQLite
has one writer, so one client there.

Usage: .venv/bin/python -m bench.year_at_ip [--cases 3500] [--baseline 200]
       [--database-url postgresql://...] [--clients 2] [--profile FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import random
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench._common import stats_ms
from bench.timer_drain_pg import admin, database_url
from engine import Staffel
from engine.execution.tasks import TaskQuery
from engine.law.calendar import is_working_day
from engine.model import TaskInfo
from engine.persistence.models import Case
from tests.lifecycle.helpers import BPMN_DIR, PERSON, berlin
from tests.lifecycle.random_world import make_plan, seed_from_env
from tests.lifecycle.test_random_order import FIRST_DAY, Track, World

CLOCK_START = datetime(2027, 3, 1, 6, tzinfo=UTC)
LAST_DAY = FIRST_DAY + timedelta(days=7 * 365)  # a cap only


class Sync:
    """The daily meeting point of the client processes (nothing to wait for with one)."""

    def __init__(self, barrier: Any = None, flags: Any = None, index: int = 0) -> None:
        self.barrier, self.flags, self.index = barrier, flags, index

    def wait(self) -> None:
        """Wait until every client got here."""
        if self.barrier is not None:
            self.barrier.wait()

    def all_done(self, mine: bool) -> bool:
        """True when every client says it is done."""
        if self.flags is None:
            return mine
        self.flags[self.index] = int(mine)
        self.wait()
        result = all(self.flags)
        self.wait()  # nobody overwrites a flag before everyone has read them
        return result


class YearWorld(World):
    """The 200-case test's world with any number of cases, timed per stage; one client's
    share (``part``: this client's index and the number of clients)."""

    def __init__(self, eng: Staffel, seed: int, cases: int, intake_days: int,
                 part: tuple[int, int] = (0, 1), sync: Sync | None = None,
                 check_every: int = 30) -> None:
        super().__init__(eng, seed)  # builds the test's 210 plans: replaced below
        self.rng = random.Random(seed)
        starts = [d for d in (FIRST_DAY + timedelta(days=i) for i in range(intake_days))
                  if is_working_day(d, "NW")]
        tracks = [Track(make_plan(self.rng, i, self.rng.choice(starts))) for i in range(cases)]
        self.tracks = tracks[part[0]::part[1]]
        self.rng = random.Random(seed * 100 + part[0])  # each client draws its own
        self.leader, self.sync, self.check_every = part[0] == 0, sync or Sync(), check_every
        self.last_start = max(starts)
        self.stage_of: dict[str, str] = {}
        self.case_of_task: dict[str, str] = {}
        self.case_of_az = {t.plan.az: t for t in self.tracks if t.plan.az}
        self.samples: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.phases: Counter[str] = Counter()
        self.stalled_checks, self.stalled_found = 0, 0
        self._timed(eng)

    def _timed(self, eng: Staffel) -> None:
        """Time every completion and every message by the stage of its case."""
        complete, receive = eng.tasks.complete, eng.messages.receive

        def timed_complete(task_id: str, data: Any, actor: str, **kwargs: Any) -> Any:
            stage = self.stage_of.get(self.case_of_task.get(task_id, ""), "?")
            t0 = time.perf_counter()
            result = complete(task_id, data, actor, **kwargs)
            self.samples[("completion", stage)].append(time.perf_counter() - t0)
            return result

        def timed_receive(name: str, body: Any, **kwargs: Any) -> Any:
            case_id = kwargs.get("case_id")
            if case_id is None:
                track = self.case_of_az.get(kwargs["correlation"]["bamf_aktenzeichen"])
                case_id = track.case_id if track else ""
            stage = self.stage_of.get(case_id, "?")
            t0 = time.perf_counter()
            receipt = receive(name, body, **kwargs)
            kind = "delivery" if receipt.outcome == "delivered" else "message kept/duplicate"
            self.samples[(kind, stage)].append(time.perf_counter() - t0)
            return receipt

        setattr(eng.tasks, "complete", timed_complete)  # noqa: B010 - on this engine only
        setattr(eng.messages, "receive", timed_receive)  # noqa: B010

    def start(self, track: Track) -> None:
        """Start the case (birth dates spread over 60 years: many cases stay in the past)."""
        plan = track.plan
        born = date(1960, 1, 1) + timedelta(days=(97 * plan.index) % (60 * 365))
        person = {**PERSON, "given_name": f"Person{plan.index}", "birth_date": born.isoformat()}
        info = self.eng.cases.start(person, "NW", plan.entry, plan.az, actor="cw_eingangszone")
        track.case_id, track.number = info.id, info.case_number

    def snapshot(self) -> tuple[dict[str, list[TaskInfo]], dict[str, set[str]]]:
        """The test's snapshot, plus each case's stage and each open task's case."""
        tasks, waits = super().snapshot()
        with self.eng.db.read() as session:
            self.stage_of = {case: stage for case, stage in
                             session.execute(select(Case.id, Case.stage))}
        self.case_of_task = {t.id: case for case, ts in tasks.items() for t in ts}
        return tasks, waits

    def _phase(self, name: str, t0: float) -> float:
        now = time.perf_counter()
        self.phases[name] += now - t0
        return now

    def run(self) -> date:
        """Day by day until every client's cases are done (or the cap)."""
        today = FIRST_DAY
        while today <= LAST_DAY:
            self.day(today)
            if today >= self.last_start and self.sync.all_done(self.done()):
                return today
            today += timedelta(days=1)
        raise SystemExit(f"not done by {LAST_DAY}")

    def day(self, today: date) -> None:
        """One simulated day: clock (leader), starts, outside world, office, the check."""
        self.days += 1
        t = time.perf_counter()
        if self.leader:
            self.eng.clock.advance(to=berlin(today, self.rng.randint(9, 17),
                                             self.rng.randrange(60)))
            t = self._phase("clock and timers (one client)", t)
        self.sync.wait()
        t = self._phase("waiting for the other clients", t)
        for track in self.tracks:
            if track.plan.start == today:
                self.start(track)
        t = self._phase("case starts", t)
        tasks, waits = self.snapshot()
        t = self._phase("daily read of open tasks and waits", t)
        for track in self.tracks:
            if track.case_id:
                self.outside_world(track, today, tasks[track.case_id], waits[track.case_id])
        t = self._phase("outside world (messages)", t)
        if is_working_day(today, "NW"):
            self.office(today, [task for track in self.tracks
                                for task in tasks.get(track.case_id, [])])
        t = self._phase("office (completions)", t)
        self.sync.wait()
        t = self._phase("waiting for the other clients", t)
        if self.leader and self.days % self.check_every == 0:
            self.check_stalled()
            self._phase("stalled-case check", t)

    def check_stalled(self) -> None:
        """``staffel check``'s stalled cases (the goal: none)."""
        self.stalled_checks += 1
        self.stalled_found += len(self.eng.supervision.stalled())

    def done(self) -> bool:
        """This client's cases closed or blocked by a withheld report; only follow-ups open."""
        if not all(t.closed or t.plan.blocked for t in self.tracks):
            return False
        mine = {t.case_id for t in self.tracks}
        return all(t.name.startswith("Task_follow_up")
                   for t in self.eng.tasks.list(TaskQuery(per_page=100_000)).items
                   if t.case_id in mine)

    def result(self) -> dict[str, Any]:
        """What the main process sums up."""
        return {"samples": dict(self.samples), "phases": dict(self.phases), "days": self.days,
                "stalled_checks": self.stalled_checks, "stalled_found": self.stalled_found,
                "tasks": sum(self.completed.values())}


def client(url: str, seed: int, cases: int, intake_days: int, part: tuple[int, int],
           sync: Sync, check_every: int, profile: str | None = None) -> dict[str, Any]:
    """Run one client's share of the world; returns its figures."""
    eng = Staffel(url, clock="auto")
    world = YearWorld(eng, seed, cases, intake_days, part, sync, check_every)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    world.run()
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{part[0]}")
    if world.leader:
        world.check_stalled()
    eng.close()
    return world.result()


def _client_process(queue: Any, *args: Any) -> None:
    queue.put(client(*args))


def new_database(url: str | None, label: str) -> str:
    """A fresh database with bpmn/ deployed: a SQLite file, or one on the PostgreSQL server."""
    if url is None or url.startswith("sqlite"):
        url = f"sqlite:///{tempfile.mkdtemp(prefix='staffel-year-')}/{label}.db"
    else:
        name = f"staffel_year_{label}_{uuid.uuid4().hex[:8]}"
        admin(url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
        url = database_url(url, name)
    eng = Staffel(url, clock="simulated", clock_start=CLOCK_START)
    eng.init_db()
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    with eng.unit("bench") as uow:  # stored: the clients read the simulated time
        eng.context.time.set(uow.session, eng.clock.now())
    eng.close()
    return url


def simulate(url: str | None, cases: int, intake_days: int, clients: int, seed: int,
             check_every: int, profile: str | None) -> dict[str, Any]:
    """One whole run on a new database; returns the merged figures and the wall time."""
    url = new_database(url, f"c{cases}")
    t0 = time.perf_counter()
    if clients == 1:
        results = [client(url, seed, cases, intake_days, (0, 1), Sync(), check_every,
                          profile)]
    else:
        ctx = multiprocessing.get_context("spawn")
        barrier, flags, queue = ctx.Barrier(clients), ctx.Array("i", clients), ctx.Queue()
        procs = [ctx.Process(target=_client_process,
                             args=(queue, url, seed, cases, intake_days, (i, clients),
                                   Sync(barrier, flags, i), check_every, profile))
                 for i in range(clients)]
        for p in procs:
            p.start()
        results = [queue.get() for _ in procs]
        for p in procs:
            p.join()
    wall = time.perf_counter() - t0
    eng = Staffel(url, clock="auto")
    with eng.db.read() as session:
        stages = Counter({f"{stage} {'closed' if closed else 'open'}": n for stage, closed, n in
                          session.execute(select(Case.stage, Case.closed_at.is_not(None),
                                                 func.count()).group_by(Case.stage,
                                                 Case.closed_at.is_not(None)))})
    eng.close()
    if url.startswith("postgresql"):
        admin(url, f"DROP DATABASE IF EXISTS {make_url(url).database}")
    merged: dict[str, Any] = {"wall": wall, "stages": stages, "cases": cases,
                              "samples": defaultdict(list), "phases": Counter(),
                              "days": results[0]["days"], "clients": clients}
    for r in results:
        for key, values in r["samples"].items():
            merged["samples"][key].extend(values)
        merged["phases"].update(r["phases"])
        for name in ("stalled_checks", "stalled_found", "tasks"):
            merged[name] = merged.get(name, 0) + r[name]
    return merged


def report(run: dict[str, Any]) -> None:
    """Print one run's figures."""
    print(f"\n{run['cases']} cases, {run['clients']} client(s): {run['wall']:.1f} s wall, "
          f"{run['days']} simulated days, {run['tasks']} tasks completed, "
          f"{run['wall'] / run['cases'] * 1000:.0f} ms per case")
    print("cases per stage at the end: " + ", ".join(
        f"{k} {v}" for k, v in sorted(run["stages"].items())))
    print(f"{'stage':<6} {'kind':<24} {'count':>7} {'median ms':>10} {'p95 ms':>8} "
          f"{'total s':>8}")
    for (kind, stage), values in sorted(run["samples"].items(), key=lambda kv: kv[0][::-1]):
        st = stats_ms(values)
        print(f"{stage:<6} {kind:<24} {len(values):>7} {st['median']:>10.2f} "
              f"{st['p95']:>8.2f} {sum(values):>8.1f}")
    print("time per phase (summed over clients): " + ", ".join(
        f"{k} {v:.1f} s" for k, v in sorted(run["phases"].items(), key=lambda kv: -kv[1])))
    print(f"stalled-case checks: {run['stalled_checks']}, stalled cases found: "
          f"{run['stalled_found']} (must be 0)")


def main(argv: list[str] | None = None) -> None:
    """Run the baseline and the full world; print both and the per-case ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=3500)
    parser.add_argument("--baseline", type=int, default=200, help="0: no baseline run")
    parser.add_argument("--intake-days", type=int, default=365)
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server URL (default: a new SQLite file)")
    parser.add_argument("--clients", type=int, default=1, help="client processes (PostgreSQL)")
    parser.add_argument("--check-every", type=int, default=30,
                        help="simulated days between stalled-case checks")
    parser.add_argument("--seed", type=int, default=seed_from_env())
    parser.add_argument("--profile", default=None, help="cProfile output file prefix")
    args = parser.parse_args(argv)
    postgres = bool(args.database_url and args.database_url.startswith("postgresql"))
    if args.clients > 1 and not postgres:
        raise SystemExit("several clients only on PostgreSQL (SQLite has one writer)")
    if postgres and not os.environ.get("STAFFEL_KEYS_FILE"):
        os.environ["STAFFEL_KEYS_FILE"] = os.path.join(tempfile.mkdtemp(), "year.keys")
    print(f"seed {args.seed}, {'PostgreSQL' if postgres else 'SQLite'}")
    base = None
    if args.baseline:
        # the same intake per day: the baseline's cases enter over proportionally fewer days
        days = max(5, round(args.intake_days * args.baseline / args.cases))
        base = simulate(args.database_url, args.baseline, days, args.clients, args.seed,
                        args.check_every, None)
        report(base)
    full = simulate(args.database_url, args.cases, args.intake_days, args.clients,
                    args.seed, args.check_every, args.profile)
    report(full)
    print(f"\ntotal wall time {full['wall']:.1f} s for {args.cases} cases "
          f"({full['wall'] / 60:.1f} min)")
    if base is not None:
        ratio = (full["wall"] / args.cases) / (base["wall"] / args.baseline)
        print(f"per-case time {args.cases} cases / {args.baseline} cases: {ratio:.2f} "
              "(1.0 = linear scaling)")


if __name__ == "__main__":
    main()
