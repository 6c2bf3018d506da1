"""Smoke test of the timer benchmarks (issue 16): tiny runs, so that they cannot rot.

SQLite: ``bench/timer_bench.py`` (latency and a drain with 1 and 2 scheduler processes).
PostgreSQL (only when ``STAFFEL_TEST_DATABASE_URL`` is a PostgreSQL URL):
``bench/timer_drain_pg.py`` with a few hundred timers, 2 schedulers and one killed mid-batch;
it must report 0 double firings and 0 lost timers.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest

from bench import timer_bench, timer_drain_pg

PG_URL = os.environ.get("STAFFEL_TEST_DATABASE_URL", "")


def test_timer_bench_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    timer_bench.main(["--latency-n", "5", "--drain-n", "40"])
    out = capsys.readouterr().out
    assert "latency due->fired, 5 timers" in out
    assert "drain 40 due timers with 1 scheduler(s)" in out
    assert "drain 40 due timers with 2 scheduler(s)" in out
    assert "ratio 2 schedulers / 1 scheduler" in out


@pytest.mark.skipif(not PG_URL.startswith(("postgresql", "postgres:")),
                    reason="the drain benchmark runs on PostgreSQL only")
def test_timer_drain_on_postgresql_fires_each_timer_once(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFFEL_CLAIM_LEASE_SECONDS", "2")  # the kill run waits for it
    template = f"staffel_drain_smoke_{uuid.uuid4().hex[:8]}"
    timer_drain_pg.main(["--pg-url", PG_URL, "--n", "300", "--creators", "1",
                         "--kill-at", "0.05", "--baseline-share", "0.3", "--template", template,
                         "--drop-template"])
    out = capsys.readouterr().out
    assert "created 300 cases waiting at a timer" in out
    runs = re.findall(r"double firings (\d+), lost (\d+), audit chain ok (\d)", out)
    assert runs == [("0", "0", "1")] * 2, out
    assert re.search(r"drain the first \d+ of 300 due timers, 1 scheduler\(s\)", out), out
    assert "drain 300 due timers, 2 scheduler(s):" in out
    assert "drain 300 due timers, 2 scheduler(s), one SIGKILLed" in out \
        or "no scheduler was killed" in out
