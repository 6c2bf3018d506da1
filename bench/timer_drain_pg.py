"""Timer drain on PostgreSQL with real ``staffel scheduler`` processes (issue 16).

N cases of ``tests/data/engine/wake.bpmn`` are started through the engine (each waits at one
timer, all due at the same instant), the simulated clock is moved past them without firing,
and the database becomes a template. Each run drains a fresh copy (``CREATE DATABASE ...
TEMPLATE``) with real scheduler processes:

1. one scheduler (the baseline), 2. two schedulers, 3. two schedulers of which one is SIGKILLed
mid-batch (while it holds claimed timers); its claims come back when their lease
(``STAFFEL_CLAIM_LEASE_SECONDS``, default 60 s, wall clock) has expired.

After each run every timer is checked: its row ``fired`` once (``timers.status``/``fired_at``),
exactly one ``timer_fired`` audit event for its instance, the instance ``completed``, and the
audit chain intact. Double firings and lost timers are printed (both must be 0).

Usage: PG_URL=$(scripts/postgres.sh start)
       .venv/bin/python -m bench.timer_drain_pg --pg-url $PG_URL [--n 100000] [--creators 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import socket
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench._common import ENGINE_DIAGRAMS, PERSON, temp_engine
from bench.timer_bench import scheduler, stop
from engine import Staffel
from engine.audit import verify
from engine.persistence.db import normalise_url
from engine.persistence.models import AuditEvent, ProcessInstance, Timer
from engine.states import InstanceStatus, TimerStatus


def database_url(server: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server`` (psycopg 3 driver)."""
    return make_url(normalise_url(server)).set(database=name).render_as_string(
        hide_password=False)


def admin(server: str, *statements: str) -> None:
    """Run statements outside a transaction on the server's maintenance database."""
    engine = create_engine(database_url(server, "postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def _create(url: str, count: int, wake: str) -> None:
    """Start ``count`` wake cases (one creator process)."""
    engine = Staffel(url, clock="auto")
    for _ in range(count):
        engine.cases.start(PERSON, "NW", process_key="wake", data={"wake_at": wake})
    engine.close()


def status_counts(url: str) -> dict[str, int]:
    """Timer rows per status."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(Timer.status, func.count()).group_by(Timer.status))
        found = {str(getattr(status, "value", status)): int(n) for status, n in rows}
    engine.dispose()
    return found


def prepare(server: str, template: str, n: int, creators: int) -> None:
    """A template database with ``n`` timers due at once (clock past them, none fired)."""
    url = database_url(server, template)
    if status_counts_or_none(url) == {"waiting": n}:
        print(f"template {template}: {n} waiting timers (reused)")
        return
    admin(server, f"DROP DATABASE IF EXISTS {template}", f"CREATE DATABASE {template}")
    engine = temp_engine(url, clock="simulated")
    engine.definitions.deploy_directory(ENGINE_DIAGRAMS)
    with engine.unit("bench") as uow:  # stored, so that the creators see the simulated time
        engine.context.time.set(uow.session, engine.clock.now())
    wake = (engine.clock.now() + timedelta(hours=1)).isoformat()
    t0 = time.monotonic()
    shares = [n // creators + (1 if i < n % creators else 0) for i in range(creators)]
    with multiprocessing.get_context("spawn").Pool(creators) as pool:
        pool.starmap(_create, [(url, share, wake) for share in shares])
    print(f"created {n} cases waiting at a timer in {time.monotonic() - t0:.0f} s "
          f"({creators} creator processes)")
    with engine.unit("bench") as uow:
        engine.context.time.set(uow.session, engine.clock.now() + timedelta(hours=2))
    engine.close()


def status_counts_or_none(url: str) -> dict[str, int] | None:
    """Timer rows per status, or None when the database or its tables do not exist."""
    try:
        return status_counts(url)
    except Exception:  # no such database yet
        return None


def fired_rows(engine: Staffel) -> int:
    """How many timer rows are fired."""
    with engine.db.read() as s:
        return s.scalar(select(func.count()).select_from(Timer)
                        .where(Timer.status == TimerStatus.FIRED)) or 0


def claimed_by(engine: Staffel, worker: str) -> int:
    """How many timers ``worker`` holds claimed right now."""
    with engine.db.read() as s:
        return s.scalar(select(func.count()).select_from(Timer)
                        .where(Timer.status == TimerStatus.CLAIMED,
                               Timer.claimed_by == worker)) or 0


def check(engine: Staffel, n: int) -> dict[str, int]:
    """Prove each timer fired exactly once: rows, audit events, instances, the chain."""
    with engine.db.read() as s:
        per_instance = (select(AuditEvent.instance_id, func.count().label("k"))
                        .where(AuditEvent.action == "timer_fired")
                        .group_by(AuditEvent.instance_id).subquery())
        figures = {
            "timer rows fired": s.scalar(select(func.count()).select_from(Timer)
                                         .where(Timer.status == TimerStatus.FIRED,
                                                Timer.fired_at.is_not(None))) or 0,
            "timer_fired audit events": s.scalar(
                select(func.count()).select_from(AuditEvent)
                .where(AuditEvent.action == "timer_fired")) or 0,
            "instances fired twice or more": s.scalar(
                select(func.count()).select_from(per_instance)
                .where(per_instance.c.k > 1)) or 0,
            "instances completed": s.scalar(
                select(func.count()).select_from(ProcessInstance)
                .where(ProcessInstance.status == InstanceStatus.COMPLETED)) or 0,
            "timers claimed more than once": s.scalar(
                select(func.count()).select_from(Timer).where(Timer.attempts > 1)) or 0,
        }
        chain = verify(s)
    figures["double firings"] = (figures["instances fired twice or more"]
                                 + max(0, figures["timer_fired audit events"] - n))
    figures["lost"] = n - min(figures["timer rows fired"], figures["instances completed"])
    figures["audit chain ok"] = int(chain.ok)
    return figures


def run(server: str, template: str, n: int, processes: int, kill_at: float | None,
        lease: float, until: int | None = None, limit: float = 1800) -> float:
    """Drain a copy of the template with ``processes`` schedulers (stop once ``until`` have
    fired, if given); returns the rate in timers per second."""
    name = f"{template}_run{processes}{'k' if kill_at is not None else ''}"
    admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
          f"CREATE DATABASE {name} TEMPLATE {template}")
    url = database_url(server, name)
    engine = Staffel(url, clock="auto")
    procs = [scheduler(url) for _ in range(processes)]
    t0 = time.monotonic()
    killed_at = None
    label = f"{processes} scheduler(s)"
    try:
        while (done := fired_rows(engine)) < (until or n):
            if time.monotonic() - t0 > limit:
                raise SystemExit(f"only {done} of {n} fired within {limit} s")
            if kill_at is not None and killed_at is None and done >= kill_at * n:
                # mid-batch: the first scheduler that holds claims right now
                holding = [(p, claimed_by(engine, f"{socket.gethostname()}:{p.pid}"))
                           for p in procs]
                victim, held = max(holding, key=lambda ph: ph[1])
                if held > 0:
                    victim.send_signal(signal.SIGKILL)
                    victim.wait()
                    killed_at = time.monotonic() - t0
                    label += (f", one SIGKILLed at {killed_at:.1f} s holding {held} claims "
                              f"({done} fired)")
            time.sleep(0.05)
        seconds = time.monotonic() - t0
    finally:
        stop([p for p in procs if p.poll() is None])
    if until is not None:  # a partial baseline: only the rate (and no timer fired twice)
        figures = {k: v for k, v in check(engine, n).items() if "twice" in k}
        print(f"drain the first {done} of {n} due timers, {label}: {seconds:.1f} s "
              f"({done / seconds:.0f} timers/s)")
    else:
        figures = check(engine, n)
        print(f"drain {n} due timers, {label}: {seconds:.1f} s ({n / seconds:.0f} timers/s)")
    engine.close()
    admin(server, f"DROP DATABASE IF EXISTS {name}")
    print("  " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    if kill_at is not None and killed_at is None:
        print("  no scheduler was killed: none held claims after the given share fired")
    if killed_at is not None:
        after = seconds - killed_at
        print(f"  claim lease {lease:.0f} s (wall clock): the killed scheduler's claims were "
              f"free again {lease:.0f} s after its last claim, at the latest; the drain ended "
              f"{after:.1f} s after the kill")
    return (done if until is not None else n) / seconds


def main(argv: list[str] | None = None) -> None:
    """Prepare the template, drain it with 1, 2 and 2-with-a-kill schedulers, print figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-url", default=os.environ.get("PG_URL"),
                        help="a PostgreSQL server URL (any database; default $PG_URL)")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--creators", type=int, default=2, help="processes creating cases")
    parser.add_argument("--kill-at", type=float, default=0.3,
                        help="kill one scheduler once this share has fired")
    parser.add_argument("--template", default=None, help="template database name")
    parser.add_argument("--skip-baseline", action="store_true",
                        help="no 1-scheduler run (saves time at full size)")
    parser.add_argument("--baseline-share", type=float, default=1.0,
                        help="the 1-scheduler baseline stops once this share has fired")
    parser.add_argument("--runs", default="baseline,two,kill",
                        help="which runs (comma-separated): baseline, two, kill")
    parser.add_argument("--limit", type=float, default=1800, help="seconds per drain at most")
    parser.add_argument("--drop-template", action="store_true",
                        help="drop the template database at the end (kept for re-runs)")
    args = parser.parse_args(argv)
    if not args.pg_url or not args.pg_url.startswith("postgresql"):
        raise SystemExit("give --pg-url postgresql://... (scripts/postgres.sh start)")
    template = args.template or f"staffel_drain_{args.n}"
    saved = {k: os.environ.get(k) for k in ("STAFFEL_KEYS_FILE", "STAFFEL_CLAIM_LEASE_SECONDS")}
    # one key ring for the template and all its copies (and the scheduler processes)
    os.environ["STAFFEL_KEYS_FILE"] = str(Path(tempfile.gettempdir()) / f"{template}.keys")
    lease = float(os.environ.setdefault("STAFFEL_CLAIM_LEASE_SECONDS", "60"))
    try:
        prepare(args.pg_url, template, args.n, args.creators)
        share = round(args.n * args.baseline_share) if args.baseline_share < 1 else None
        runs = set(args.runs.split(","))
        one = None if args.skip_baseline or "baseline" not in runs else run(
            args.pg_url, template, args.n, 1, None, lease, share, args.limit)
        two = run(args.pg_url, template, args.n, 2, None, lease,
                  limit=args.limit) if "two" in runs else None
        if one is not None and two is not None:
            print(f"ratio 2 schedulers / 1 scheduler (timers/s): {two / one:.2f}")
        if "kill" in runs:
            run(args.pg_url, template, args.n, 2, args.kill_at, lease, limit=args.limit)
        if args.drop_template:
            admin(args.pg_url, f"DROP DATABASE IF EXISTS {template}")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


if __name__ == "__main__":
    main()
