"""Smoke test of ``bench/http_bench.py`` (issue 16, serving): a tiny run of the lifecycle on
gunicorn (as ``staffel serve`` runs it) and of the basic workload on Werkzeug, so that the
benchmark cannot rot."""

from __future__ import annotations

import pytest

from bench import http_bench


def test_http_bench_prints_its_figures(capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_bench, "WARMUP", 1)
    monkeypatch.setattr(http_bench, "BLOCK", 2)
    # each server and each workload once (a gunicorn start is the slow part)
    http_bench.main(["--n", "3", "--workload", "lifecycle", "--server", "gunicorn"])
    http_bench.main(["--n", "3", "--workload", "basic", "--server", "werkzeug"])
    out = capsys.readouterr().out
    for workload in ("workload basic (basic)", "workload lifecycle (refugee_lifecycle)"):
        assert workload in out
    assert out.count("POST .../complete over HTTP, gunicorn") == 1
    assert out.count("POST .../complete over HTTP, werkzeug") == 1
    assert out.count("in-process (in turn with") == 2
    assert out.count("ratio HTTP / in-process (medians)") == 2
    assert out.count("HTTP adds (medians)") == 2
    assert out.count("GET /health/live round trip") == 2
