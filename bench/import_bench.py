"""Import benchmark (issue 7): a permit list of 50,000 rows into a database with real cases.

Set-up (once): a SQLite database with ``bpmn/`` deployed and ``--cases`` cases of the real
lifecycle waiting for ``permit_issued`` (asylum granted, permit prepared); a CSV of ``--rows``
rows whose first ``--cases`` rows name those cases (by Aktenzeichen) and the rest persons
nobody has a case for (they become clarifications; every 1000th row is invalid).

Each run imports the file into a fresh copy of that database and measures:

* the whole import (rows/s),
* the time inside ``Staffel.messages.correlate`` (correlations/s; each one loads, runs and saves a
  real instance in its own transaction together with its import row),
* the rest: reading, checking, matching and bookkeeping (rows/s),
* the baseline in the same run: decoding the same file and splitting it with ``csv.reader``
  (no checks, no database). The ratio says what the import costs on top of plain parsing.

Usage: .venv/bin/python -m bench.import_bench [--rows 50000] [--cases 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.imports import Importer
from adapters.imports.permits import parse as parse_permits
from engine import Staffel
from tests.data.imports.make_large import write
from tests.lifecycle.helpers import BPMN_DIR, PERMIT_PREPARE, register_asylum

START = datetime(2027, 3, 1, 8, tzinfo=UTC)


def prepare(folder: Path, cases: int) -> tuple[Path, list[tuple[str, str, str, str]]]:
    """The template database with ``cases`` cases waiting for ``permit_issued``."""
    path = folder / "template.db"
    eng = Staffel(f"sqlite:///{path}", clock="simulated", clock_start=START)
    eng.init_db()
    eng.definitions.deploy_directory(BPMN_DIR, actor="bench")
    people = []
    for i in range(cases):
        az = f"6{i:06d}-{i % 1000:03d}"
        person = {"family_name": f"Bench{i}", "given_name": "Rana", "birth_date": "1990-04-12"}
        case = eng.cases.start(person, "NW", "asylum", az, actor="bench")
        register_asylum(eng, case.id)
        eng.messages.correlate("bamf_decision", {"outcome": "asylum", "decision_date": "2027-03-01",
                                        "served_on": "2027-03-01"}, case_id=case.id)
        task = next(t for t in eng.cases.get(case.id).open_tasks
                    if t.name == "Task_permit_prepare")
        eng.tasks.complete(task.id, PERMIT_PREPARE, actor="bench")
        people.append((az, person["family_name"], "Rana", "12.04.1990"))
    eng.close()
    return path, people


def baseline(data: bytes) -> float:
    """Seconds to decode the file and split every row with ``csv.reader``."""
    started = time.perf_counter()
    rows = sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";"))
    assert rows > 1
    return time.perf_counter() - started


def one_run(template: Path, folder: Path, n: int, data: bytes) -> dict[str, Any]:
    """Import the file into a fresh copy of the template database."""
    db = folder / f"run{n}.db"
    shutil.copy(template, db)
    eng = Staffel(f"sqlite:///{db}", clock="simulated", clock_start=START)
    eng.init_db()
    spent: list[float] = []
    deliver = eng.imports.deliver_row  # one delivery + its import row, one transaction

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return deliver(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    eng.imports.deliver_row = timed  # type: ignore[method-assign]
    base = baseline(data)
    started = time.perf_counter()
    parse_permits(data, "large.csv")
    parse_only = time.perf_counter() - started
    started = time.perf_counter()
    result = Importer(eng).import_file("permits", "large.csv", data, "bench")
    total = time.perf_counter() - started
    eng.close()
    counts = result.report["counts"]
    rest = total - sum(spent)
    return {"total": total, "correlate": sum(spent), "rest": rest, "baseline": base,
            "parse": parse_only, "latencies": spent, "counts": counts}


def fmt(values: list[float], unit: str = "s") -> str:
    """Median and p95 of a list."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):9.3f} {unit}   p95 {p95:9.3f} {unit}"


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="staffel-import-bench-"))
    started = time.perf_counter()
    template, people = prepare(folder, args.cases)
    print(f"set-up: {args.cases} cases waiting for permit_issued in "
          f"{time.perf_counter() - started:.1f} s")
    data = write(folder / "large.csv", args.rows, people).read_bytes()
    print(f"file: {args.rows} rows, {len(data) / 2**20:.1f} MiB")
    runs = [one_run(template, folder, n, data) for n in range(args.runs)]
    print(f"outcomes: {runs[0]['counts']}")
    rows = args.rows
    print(f"whole import          {fmt([r['total'] for r in runs])}   "
          f"-> {rows / statistics.median(r['total'] for r in runs):8.0f} rows/s")
    print(f"read+match+bookkeeping{fmt([r['rest'] for r in runs])}   "
          f"-> {rows / statistics.median(r['rest'] for r in runs):8.0f} rows/s")
    print(f"  of which parsing    {fmt([r['parse'] for r in runs])}")
    correlated = runs[0]["counts"]["correlated"]
    print(f"correlations ({correlated}) {fmt([r['correlate'] for r in runs])}   "
          f"-> {correlated / statistics.median(r['correlate'] for r in runs):8.1f} "
          "correlations/s")
    latencies = [x * 1000 for r in runs for x in r["latencies"]]
    print(f"one correlation       {fmt(latencies, 'ms')}")
    print(f"baseline csv.reader   {fmt([r['baseline'] for r in runs])}   "
          f"-> {rows / statistics.median(r['baseline'] for r in runs):8.0f} rows/s")
    ratios = [r["rest"] / r["baseline"] for r in runs]
    print(f"ratio (read+match+bookkeeping) / baseline: median {statistics.median(ratios):.1f}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
