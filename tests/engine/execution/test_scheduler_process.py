"""Real scheduler processes: a killed scheduler loses no timer, and none fires twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Staffel
from engine.persistence.models import AuditEvent, Timer
from tests.conftest import ENGINE_DIAGRAMS, PERSON, START

STAFFEL = Path(sys.executable).with_name("staffel")


def start_scheduler(url: str, lease: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "STAFFEL_CLAIM_LEASE_SECONDS": lease}
    return subprocess.Popen([str(STAFFEL), "scheduler", "--database-url", url, "--sweep", "0.2"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)  # polling a real process, not simulating time
    return False


def counts(engine: Staffel) -> tuple[int, int, int]:
    with engine.db.read() as s:
        fired = s.scalar(select(func.count()).select_from(Timer).where(Timer.status == "fired"))
        claimed = s.scalar(select(func.count()).select_from(Timer)
                           .where(Timer.status == "claimed"))
        events = s.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "timer_fired"))
    return fired or 0, claimed or 0, events or 0


@pytest.mark.skipif(not STAFFEL.exists(), reason="console script not installed")
def test_killed_scheduler_loses_nothing_and_fires_nothing_twice(database_url: str) -> None:
    engine = Staffel(database_url, clock="simulated", clock_start=START)
    engine.init_db()
    engine.definitions.deploy_directory(ENGINE_DIAGRAMS)
    n = 300
    wake = (START + timedelta(hours=1)).isoformat()
    for _ in range(n):
        engine.cases.start(PERSON, "NW", process_key="wake", data={"wake_at": wake})
    with engine.unit("test") as uow:  # all due at once; the scheduler processes fire them
        engine.context.time.set(uow.session, START + timedelta(hours=2))
    first = start_scheduler(database_url, lease="1")
    try:
        assert wait_for(lambda: counts(engine)[0] >= 20, 60), "first scheduler fired nothing"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    fired_at_kill = counts(engine)[0]
    assert fired_at_kill < n, "the scheduler finished before it could be killed"
    second = start_scheduler(database_url, lease="1")
    try:
        assert wait_for(lambda: counts(engine)[0] == n, 120), counts(engine)
    finally:
        second.terminate()
        second.wait(10)
    fired, claimed, events = counts(engine)
    assert (fired, claimed, events) == (n, 0, n)
    assert engine.audit.verify().ok
    engine.close()
