"""Smoke test of ``bench/delivery_bench.py`` (issue 16, lean case state): a tiny run, so that
the benchmark cannot rot. It must print the three kinds' figures (old form, lean, lean
without the case summary) with wall-clock and CPU time, the ratios, the SQL statements and
the state sizes."""

from __future__ import annotations

import pytest

from bench import delivery_bench


def test_delivery_bench_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    delivery_bench.main(["--n", "2"])
    out = capsys.readouterr().out
    assert "set-up: 6 S3b cases waiting for permit_issued" in out
    assert "stage S3b" in out
    assert "delivery baseline (old format) [staffel-1/spiff-3.2]" in out
    assert "delivery lean (current format) [staffel-2/spiff-3.2]" in out
    assert "delivery lean, no case summary [staffel-2/spiff-3.2]" in out
    assert out.count("SQL statements per delivery") == 3
    assert out.count("CPU time per delivery: median") == 3
    assert "bytes stored per case" in out
    assert "ratio lean / old (median):" in out
    assert "ratio lean no summary / old (median):" in out
