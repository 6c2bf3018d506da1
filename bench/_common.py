"""Small helpers shared by the benchmarks: timing statistics and a throw-away engine."""

from __future__ import annotations

import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from engine import Staffel

ROOT = Path(__file__).resolve().parent.parent
ENGINE_DIAGRAMS = ROOT / "tests" / "data" / "engine"
PERSON = {"family_name": "Muster", "given_name": "Bench", "birth_date": "1990-01-01"}


def stats_ms(samples: list[float]) -> dict[str, float]:
    """Median, p95 and mean of samples given in seconds, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered) * 1000, "p95": p95 * 1000,
            "mean": statistics.fmean(ordered) * 1000, "n": float(len(ordered))}


def fmt(name: str, s: dict[str, float]) -> str:
    """One line of figures."""
    return (f"{name:<44} median {s['median']:7.3f} ms   p95 {s['p95']:7.3f} ms   "
            f"mean {s['mean']:7.3f} ms   n={int(s['n'])}")


def temp_engine(url: str | None = None, clock: str = "system") -> Staffel:
    """An engine on a new SQLite file (or the given URL), system clock as in production."""
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='staffel-bench-')}/bench.db"
    engine = Staffel(url, clock=clock, clock_start=datetime(2027, 3, 1, 8, tzinfo=UTC))
    engine.init_db()
    return engine
