"""Smoke test of the Land-volume benchmark (issue 16): the whole chain, tiny, so that it cannot
rot — templates driven by the real engine, cloned into a new PostgreSQL database
(``bench/land_generate.py``), the audit chain verified, ``staffel serve`` measured with two
clients and the pages' SQL explained (``bench/land_scale.py``), completions per second
(``bench/throughput_bench.py``). PostgreSQL only (the benchmark's subject); CI runs the
PostgreSQL pass."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest

from bench import land_generate, land_scale, throughput_bench
from engine import Staffel

PG_URL = os.environ.get("STAFFEL_TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not PG_URL.startswith(("postgresql", "postgres:")),
    reason="the Land benchmark fills and measures a PostgreSQL database "
           "(set STAFFEL_TEST_DATABASE_URL to a PostgreSQL URL)")


def test_land_chain_generates_verifies_and_measures(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = f"staffel_land_smoke_{uuid.uuid4().hex[:8]}"
    url = land_generate.database_url(PG_URL, name)
    try:
        figures = land_generate.main([
            "--server-url", PG_URL, "--database", name, "--scale", "0.0002",
            "--templates", "8", "--template-days", "90", "--workdir", str(tmp_path),
            "--users-per-team", "2", "--supervisors-per-team", "1", "--jobs", "2"])
        out = capsys.readouterr().out
        assert figures["written"]["cases"] == 100
        assert figures["written"]["audit_events"] > 100
        assert "pg_database_size" in out and "rows written" in out
        eng = Staffel(url, clock="simulated")
        try:
            assert eng.audit.verify().ok  # the chain recomputed over the clones holds
        finally:
            eng.close()

        explained = tmp_path / "explain.md"
        land_scale.main(["--database-url", url, "--n", "2", "--clients", "2", "--workers", "1",
                         "--completions", "4", "--explain", str(explained)])
        out = capsys.readouterr().out
        for phase in ("baseline GET /health/live", "inbox page 1", "inbox page 200",
                      "case view", "search name", "supervisor overdue list"):
            assert phase in out, out
        assert "EXPLAIN (ANALYZE, BUFFERS)" in explained.read_text()

        throughput_bench.main(["--database-url", url, "--workers", "1", "--seconds", "2",
                               "--clients", "2", "--rss-requests", "20"])
        out = capsys.readouterr().out
        assert "completions/s with 1 worker" in out, out
        assert "RSS per worker after" in out, out
    finally:
        plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
