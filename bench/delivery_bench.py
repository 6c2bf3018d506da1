"""Delivery benchmark (issue 16, lean case state): one message delivered to a case deep in
the lifecycle.

Set-up: a SQLite database with ``bpmn/`` deployed and ``2 × --n`` asylum cases recognised as
refugees (S3b; the BAMF decision served on 16 June 2027) that have been through the warm
handover to the Sozialamt, the continuity check, the permit preparation and the stop of the
AsylbLG: each case's ``residence_permit`` process waits for ``permit_issued`` while the
benefit transfer runs on (the main process and six called processes, most of them finished).

Three kinds of case, ``--n`` each, in one run on the same database: the baseline is written
in the old state format (``staffel-1``, forced with
:func:`engine.execution.spiff.writing_format`: full restore, old form written, i.e. the
state handling before issue 16) and delivered with the case summary (``correlate`` returns
the case view, as before issue 16); "lean" is written in the lean format (what the engine
writes now) and delivered the same way; "lean, no case summary" is the lean format delivered
with ``correlate(..., summary=False)`` (the engine call that the import path makes: the case
view is not assembled). The delivery path's statement cuts (issue 16, lean2: the waiting
instance read with its wait, the deadlines written in one statement) apply to all three
kinds, the baseline included.

Timed: ``Staffel.messages.correlate("permit_issued", …, case_id=…)``, one delivery per case
and every case delivered once (cold: nothing of the case is cached in the engine between
deliveries; only the specs are, as in production). Printed per kind: wall-clock median, p95
and mean, the CPU time (``time.process_time``) median and p95 (less disturbed by other
processes on a shared machine than wall-clock), SQL statements per delivery; the ratios of
the medians against the baseline; the state size per case (the stored column: compressed and
encrypted; and the plain JSON). The kinds are delivered in rotating order (old, lean, brief;
lean, brief, old; …): the later case of a group finds the database pages its neighbour used
warm, so no kind may always come last.

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
#: (label, state format, correlate returns the case summary)
KINDS = (("baseline (old format)", FORMATS[0], True),
         ("lean (current format)", FORMATS[1], True),
         ("lean, no case summary", FORMATS[1], False))


def prepare(eng: Staffel, n: int, kinds: int = 2) -> list[tuple[str, str]]:
    """``kinds × n`` S3b cases waiting for ``permit_issued``, as (case id, format), the
    formats of :data:`KINDS` in turn."""
    cases = []
    for i in range(kinds * n):
        person = {**PERSON, "family_name": f"Bench{i}"}
        fmt_name = KINDS[i % kinds][1]
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
    """Deliver ``permit_issued`` once to every case (``cases`` as :func:`prepare` made them
    for all :data:`KINDS`); wall-clock and CPU times and statements per kind."""
    k = len(KINDS)
    times: dict[str, list[float]] = {label: [] for label, _f, _s in KINDS}
    cpu: dict[str, list[float]] = {label: [] for label, _f, _s in KINDS}
    statements: dict[str, list[int]] = {label: [] for label, _f, _s in KINDS}
    counter = [0]

    def count(*_args: Any) -> None:
        counter[0] += 1

    # groups in rotating order (A B C, B C A, C A B, …): a case's rows lie next to its
    # neighbour's, and a later case of a group finds its pages warm
    ordered = []
    for g in range(0, len(cases) - k + 1, k):
        shift = (g // k) % k
        group = [(case_id, KINDS[j]) for j, (case_id, _f) in enumerate(cases[g:g + k])]
        ordered += group[shift:] + group[:shift]
    event.listen(eng.db.engine, "before_cursor_execute", count)
    try:
        for case_id, (label, fmt_name, summary) in ordered:
            with spiff.writing_format(fmt_name):
                counter[0] = 0
                started, started_cpu = time.perf_counter(), time.process_time()
                if summary:
                    eng.messages.correlate("permit_issued", PERMIT, case_id=case_id)
                else:
                    eng.messages.correlate("permit_issued", PERMIT, case_id=case_id,
                                           summary=False)
                cpu[label].append(time.process_time() - started_cpu)
                times[label].append(time.perf_counter() - started)
                statements[label].append(counter[0])
    finally:
        event.remove(eng.db.engine, "before_cursor_execute", count)
    return {"times": times, "cpu": cpu, "statements": statements}


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
        cases = prepare(eng, args.n, len(KINDS))
        print(f"set-up: {len(cases)} S3b cases waiting for permit_issued in "
              f"{time.perf_counter() - started:.1f} s; stage {eng.cases.get(cases[0][0]).stage}")
        for name in FORMATS:
            ids = [c for c, f in cases if f == name]
            stored, plain = state_sizes(eng, ids)
            print(f"state before delivery [{name}]: {stored:9.0f} bytes stored per case "
                  f"(compressed, encrypted), {plain:9.0f} bytes plain JSON")
        result = deliver_all(eng, cases)
        medians, cpu_medians = {}, {}
        for label, name, _summary in KINDS:
            s = stats_ms(result["times"][label])
            c = stats_ms(result["cpu"][label])
            medians[label], cpu_medians[label] = s["median"], c["median"]
            print(fmt(f"delivery {label} [{name}]", s))
            print(f"  CPU time per delivery: median {c['median']:7.3f} ms   "
                  f"p95 {c['p95']:7.3f} ms")
            print(f"  SQL statements per delivery: median "
                  f"{statistics.median(result['statements'][label]):.0f}, max "
                  f"{max(result['statements'][label])}")
        for name in FORMATS:
            ids = [c for c, f in cases if f == name]
            stored, plain = state_sizes(eng, ids)
            print(f"state after delivery [{name}]: {stored:9.0f} bytes stored per case, "
                  f"{plain:9.0f} bytes plain JSON")
        base = KINDS[0][0]
        for label, short in ((KINDS[1][0], "lean"), (KINDS[2][0], "lean no summary")):
            print(f"ratio {short} / old (median): {medians[label] / medians[base]:.2f} "
                  f"wall-clock, {cpu_medians[label] / cpu_medians[base]:.2f} CPU")
        print(f"stage after delivery: {eng.cases.get(cases[0][0]).stage}")
    finally:
        eng.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
