"""Delivery benchmark (issue 16, lean case state): one message delivered to a case deep in
the lifecycle.

Set-up: a SQLite database with ``bpmn/`` deployed and ``2 × --n`` asylum cases recognised as
refugees (S3b; the BAMF decision served on 16 June 2027) that have been through the warm
handover to the Sozialamt, the continuity check, the permit preparation and the stop of the
AsylbLG: each case's ``residence_permit`` process waits for ``permit_issued`` while the
benefit transfer runs on (the main process and six called processes, most of them finished).

Half of the cases are written in the lean state format (what the engine writes now), half in
the old one (``staffel-1``, forced with :func:`engine.execution.spiff.writing_format`): the
baseline, measured in the same run on the same database. The two kinds alternate, case by
case, so that both see the same machine load.

Timed: ``Staffel.messages.correlate("permit_issued", …, case_id=…)``, one delivery per case
and every case delivered once (cold: nothing of the case is cached in the engine between
deliveries; only the specs are, as in production). Printed: median, p95 and mean per format,
the ratio lean / old of the medians, SQL statements per delivery and the state size per case
(the stored column: compressed and encrypted; and the plain JSON). The pairs are delivered
in the order old-lean, lean-old, … (the second case of a pair finds the database pages its
neighbour used warm: with one fixed order, two identical groups differed by 10 %).

Usage: .venv/bin/python -m bench.delivery_bench [--n 40]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from bench._common import fmt, stats_ms
from engine import Staffel
from engine.execution import spiff
from engine.persistence.models import ProcessInstance
from tests.lifecycle.helpers import (
    ASYLBLG_STOP,
    BPMN_DIR,
    PERMIT_PREPARE,
    PERSON,
    REGISTRATION,
    advance_to,
    complete_open,
    register_asylum,
    warm_handover,
)

START = datetime(2027, 6, 6, 7, tzinfo=UTC)  # 9:00 Berlin, ten days before the decision
PERMIT = {"paragraph": "§25(2) Alt. 1", "valid_until": "2030-07-04", "issued_on": "2027-07-05"}
#: the old format (the baseline) and the one the engine writes now
FORMATS = (spiff.OLD_SERIALIZER_VERSION, spiff.SERIALIZER_VERSION)


def prepare(eng: Staffel, n: int) -> list[tuple[str, str]]:
    """``2 × n`` S3b cases waiting for ``permit_issued``, as (case id, format), alternating."""
    cases = []
    for i in range(2 * n):
        person = {**PERSON, "family_name": f"Bench{i}"}
        fmt_name = FORMATS[i % 2]
        with spiff.writing_format(fmt_name):
            case = eng.cases.start(person, "NW", "asylum", f"7{i:06d}-423",
                                   actor="cw_eingangszone")
            register_asylum(eng, case.id, {**REGISTRATION, "consent_date": "2027-06-06"})
        cases.append((case.id, fmt_name))
    advance_to(eng, "2027-06-16")
    decision = {"outcome": "refugee", "decision_date": "2027-06-13", "served_on": "2027-06-16"}
    for case_id, fmt_name in cases:
        with spiff.writing_format(fmt_name):
            eng.messages.correlate("bamf_decision", decision, case_id=case_id)
    with spiff.writing_format(spiff.OLD_SERIALIZER_VERSION):
        advance_to(eng, "2027-07-01")  # timers fire for every case (old format, rewritten below)
    for case_id, fmt_name in cases:
        with spiff.writing_format(fmt_name):
            warm_handover(eng, case_id, "2027-07-05T10:00:00+02:00", continuity=True)
            complete_open(eng, case_id, "Task_permit_prepare", PERMIT_PREPARE)
            complete_open(eng, case_id, "Task_asylblg_stop", ASYLBLG_STOP)
    return cases


def state_sizes(eng: Staffel, case_ids: list[str]) -> tuple[float, float]:
    """Mean bytes per case: the stored column (compressed, encrypted) and the plain state."""
    table = ProcessInstance.__table__
    with eng.db.read() as s:
        stored = s.execute(select(func.sum(func.length(table.c.state)))
                           .where(table.c.case_id.in_(case_ids))).scalar() or 0
        plain = sum(len(r.state) for r in s.scalars(
            select(ProcessInstance).where(ProcessInstance.case_id.in_(case_ids))))
    return stored / len(case_ids), plain / len(case_ids)


def deliver_all(eng: Staffel, cases: list[tuple[str, str]]) -> dict[str, Any]:
    """Deliver ``permit_issued`` once to every case; latencies and statements per format."""
    times: dict[str, list[float]] = {name: [] for name in FORMATS}
    statements: dict[str, list[int]] = {name: [] for name in FORMATS}
    counter = [0]

    def count(*_args: Any) -> None:
        counter[0] += 1

    # pairs in the order A B, B A, A B, …: a case's rows lie next to its neighbour's, and the
    # second of a pair finds its pages warm, so neither form may always go second
    ordered = [case for i in range(0, len(cases), 2)
               for case in (cases[i:i + 2] if i % 4 == 0 else cases[i:i + 2][::-1])]
    event.listen(eng.db.engine, "before_cursor_execute", count)
    try:
        for case_id, fmt_name in ordered:
            with spiff.writing_format(fmt_name):
                counter[0] = 0
                started = time.perf_counter()
                eng.messages.correlate("permit_issued", PERMIT, case_id=case_id)
                times[fmt_name].append(time.perf_counter() - started)
                statements[fmt_name].append(counter[0])
    finally:
        event.remove(eng.db.engine, "before_cursor_execute", count)
    return {"times": times, "statements": statements}


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=40, help="cases per format")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="staffel-delivery-bench-"))
    eng = Staffel(f"sqlite:///{folder / 'bench.db'}", clock="simulated", clock_start=START)
    try:
        eng.init_db()
        eng.definitions.deploy_directory(BPMN_DIR, actor="bench")
        started = time.perf_counter()
        cases = prepare(eng, args.n)
        print(f"set-up: {len(cases)} S3b cases waiting for permit_issued in "
              f"{time.perf_counter() - started:.1f} s; stage {eng.cases.get(cases[0][0]).stage}")
        for name in FORMATS:
            ids = [c for c, f in cases if f == name]
            stored, plain = state_sizes(eng, ids)
            print(f"state before delivery [{name}]: {stored:9.0f} bytes stored per case "
                  f"(compressed, encrypted), {plain:9.0f} bytes plain JSON")
        result = deliver_all(eng, cases)
        medians = {}
        for name in FORMATS:
            s = stats_ms(result["times"][name])
            medians[name] = s["median"]
            label = "baseline (old format)" if name == FORMATS[0] else "lean (current format)"
            print(fmt(f"delivery {label} [{name}]", s))
            print(f"  SQL statements per delivery: median "
                  f"{statistics.median(result['statements'][name]):.0f}, max "
                  f"{max(result['statements'][name])}")
        for name in FORMATS:
            ids = [c for c, f in cases if f == name]
            stored, plain = state_sizes(eng, ids)
            print(f"state after delivery [{name}]: {stored:9.0f} bytes stored per case, "
                  f"{plain:9.0f} bytes plain JSON")
        ratio = medians[FORMATS[1]] / medians[FORMATS[0]]
        print(f"ratio lean / old (median): {ratio:.2f}")
        print(f"stage after delivery: {eng.cases.get(cases[0][0]).stage}")
    finally:
        eng.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
