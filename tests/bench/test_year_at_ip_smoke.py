"""Smoke test of ``bench/year_at_ip.py`` (issue 16): a handful of cases through the whole
lifecycle, on SQLite, and on PostgreSQL with two client processes when
``STAFFEL_TEST_DATABASE_URL`` is a PostgreSQL URL."""

from __future__ import annotations

import os
import re

import pytest

from bench import year_at_ip

PG_URL = os.environ.get("STAFFEL_TEST_DATABASE_URL", "")


def check(out: str, cases: int, baseline: bool) -> None:
    """The figures were printed and nothing stalled."""
    assert f"{cases} cases, " in out and "cases per stage at the end:" in out
    assert re.search(r"S1\s+completion\s+\d+", out), out
    assert set(re.findall(r"stalled cases found: (\d+)", out)) == {"0"}, out
    assert "total wall time" in out and ("per-case time" in out) == baseline


def test_year_at_ip_on_sqlite(capsys: pytest.CaptureFixture[str]) -> None:
    year_at_ip.main(["--cases", "3", "--baseline", "2", "--intake-days", "3",
                     "--check-every", "60"])
    check(capsys.readouterr().out, 3, baseline=True)


@pytest.mark.skipif(not PG_URL.startswith(("postgresql", "postgres:")),
                    reason="several clients only on PostgreSQL")
def test_year_at_ip_on_postgresql_with_two_clients(capsys: pytest.CaptureFixture[str]) -> None:
    year_at_ip.main(["--cases", "4", "--baseline", "0", "--intake-days", "3",
                     "--database-url", PG_URL, "--clients", "2", "--check-every", "60"])
    check(capsys.readouterr().out, 4, baseline=False)
