"""Timer benchmark with real ``staffel scheduler`` processes.

1. Latency (system clock): N timers due at spread-out instants a few seconds ahead; one
   scheduler process fires them; latency = fired_at - due_at (p50, p99, max).
2. Drain: M timers all due at once (simulated clock moved past them without firing); time
   until all are fired with 1 and with 2 scheduler processes on copies of the same SQLite file.

Usage: .venv/bin/python -m bench.timer_bench [--latency-n 200] [--drain-n 10000]

The drain on PostgreSQL (100,000 timers, 1 and 2 schedulers, one killed mid-batch, each
firing checked): ``bench/timer_drain_pg.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench._common import ENGINE_DIAGRAMS, PERSON, stats_ms, temp_engine
from engine import Staffel
from engine.persistence.crypto import default_key_file
from engine.persistence.models import Timer

STAFFEL = str(Path(sys.executable).with_name("staffel"))


def scheduler(url: str) -> subprocess.Popen[bytes]:
    """Start one scheduler process."""
    return subprocess.Popen([STAFFEL, "scheduler", "--database-url", url, "--sweep", "1.0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fired_count(engine: Staffel) -> int:
    """How many timers have fired."""
    with engine.db.read() as s:
        return s.scalar(select(func.count()).select_from(Timer)
                        .where(Timer.status == "fired")) or 0


def wait_all(engine: Staffel, n: int, limit: float) -> float:
    """Poll until n timers fired; return the seconds it took."""
    t0 = time.monotonic()
    while fired_count(engine) < n:
        if time.monotonic() - t0 > limit:
            raise SystemExit(f"only {fired_count(engine)} of {n} fired within {limit}s")
        time.sleep(0.05)
    return time.monotonic() - t0


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Stop scheduler processes (SIGKILL for one still in a long sweep after 20 s)."""
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def latency(n: int) -> None:
    """Measure due-to-fired latency with the system clock."""
    engine = temp_engine(clock="system")
    engine.definitions.deploy_directory(ENGINE_DIAGRAMS)
    start = datetime.now(UTC) + timedelta(seconds=3 + n * 0.004)
    for i in range(n):
        due = start + timedelta(milliseconds=37 * i)
        engine.cases.start(PERSON, "NW", process_key="wake", data={"wake_at": due.isoformat()})
    procs = [scheduler(engine.db.url)]
    try:
        wait_all(engine, n, 120)
    finally:
        stop(procs)
    with engine.db.read() as s:
        rows = s.execute(select(Timer.due_at, Timer.fired_at)
                         .where(Timer.status == "fired")).all()
    lat = [(fired - due).total_seconds() for due, fired in rows]
    st = stats_ms(lat)
    p99 = sorted(lat)[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))] * 1000
    print(f"latency due->fired, {n} timers, 1 scheduler: median {st['median']:.0f} ms, "
          f"p95 {st['p95']:.0f} ms, p99 {p99:.0f} ms, max {max(lat) * 1000:.0f} ms")


def prepare_drain(n: int) -> Path:
    """A SQLite file with n timers due at once (clock moved past them, nothing fired)."""
    directory = Path(tempfile.mkdtemp(prefix="staffel-drain-"))
    url = f"sqlite:///{directory}/drain.db"
    engine = temp_engine(url, clock="simulated")
    engine.definitions.deploy_directory(ENGINE_DIAGRAMS)
    wake = (engine.clock.now() + timedelta(hours=1)).isoformat()
    t0 = time.monotonic()
    for _ in range(n):
        engine.cases.start(PERSON, "NW", process_key="wake", data={"wake_at": wake})
    print(f"created {n} waiting timers in {time.monotonic() - t0:.1f} s")
    with engine.unit("bench") as uow:
        engine.context.time.set(uow.session, engine.clock.now() + timedelta(hours=2))
    engine.close()
    return directory / "drain.db"


def drain(template: Path, processes: int, n: int) -> float:
    """Copy the prepared file and drain it with the given number of schedulers."""
    directory = Path(tempfile.mkdtemp(prefix="staffel-drain-run-"))
    path = directory / "drain.db"
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    keys = default_key_file(f"sqlite:///{template}")
    if keys is not None and keys.exists() and not os.environ.get("STAFFEL_KEYS_FILE"):
        shutil.copy(keys, f"{path}.keys")  # the copy needs the keys of its data
    engine = Staffel(url, clock="auto")
    procs = [scheduler(url) for _ in range(processes)]
    try:
        seconds = wait_all(engine, n, 600)
    finally:
        stop(procs)
    engine.close()
    print(f"drain {n} due timers with {processes} scheduler(s): {seconds:.1f} s "
          f"({n / seconds:.0f} timers/s)")
    return seconds


def main(argv: list[str] | None = None) -> None:
    """Run both parts and print the figures (PostgreSQL, 2 schedulers, a kill:
    ``bench/timer_drain_pg.py``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-n", type=int, default=200)
    parser.add_argument("--drain-n", type=int, default=10_000)
    args = parser.parse_args(argv)
    os.environ.setdefault("STAFFEL_CLAIM_LEASE_SECONDS", "60")
    latency(args.latency_n)
    template = prepare_drain(args.drain_n)
    one = drain(template, 1, args.drain_n)
    two = drain(template, 2, args.drain_n)
    print(f"ratio 2 schedulers / 1 scheduler (time): {two / one:.2f}")


if __name__ == "__main__":
    main()
