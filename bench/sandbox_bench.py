"""Cost of the sandbox: the real expressions and scripts of bpmn/ through the sandbox vs. plain
``eval``/``exec`` with the same globals, alternating in one run.

Workloads (taken from the diagrams, not written here):
- ``expression``: every gateway condition of bpmn/ (e.g. ``bamf['outcome'] == 'asylum'``),
- ``script``: the script tasks of bpmn/ that need no case context (data assignments such as
  ``Script_handover_proposed``, ``Script_course_evaluate`` with ``rule(...)``).

Plain eval/exec runs the same source with the same helpers and data, compiled once, no
guards, no time or memory checks: the ratio is what the sandbox costs. Prints median, p95 and
the ratio of the medians. Usage:
    .venv/bin/python -m bench.sandbox_bench [--n 3000]
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Callable
from typing import Any

from lxml import etree

from bench._common import ROOT, stats_ms
from engine.definitions.expressions import Expression, collect_bpmn_expressions
from engine.execution.sandbox import Sandbox
from engine.execution.scripting import helper_functions
from engine.law.rules import LegalRules

#: task data under which every condition and the chosen scripts of bpmn/ run
DATA: dict[str, Any] = {
    "bamf": {"outcome": "refugee", "served_on": "2027-05-06"}, "review_decision": "grant_25_5",
    "course_planned": True, "due": {"sgb2_start": "2027-06-01"}, "course_passed": True,
    "course_repeat": False, "course_outcome": "passed", "entry": "asylum",
    "outcome_path": "recognition", "duldung_outcome": "exit", "handover_continuity_check": True,
    "consent_given": True, "consent_recipients": ["jc_leistung"], "handover_to": "jc_leistung",
    "course_result": {"dtz_level": "B1", "lid_passed": True}, "handover_consent_required": True,
    "handover_data_package": ["family_name", "languages"], "consent_date": "2027-03-01",
    "handover_legal_basis": "§67d SGB X", "handover_key": "asylblg_to_sgb2",
    "handover_from": "sozialamt", "handover_purpose": "Rechtskreiswechsel",
    "handover_appointment_at": None,
}
#: scripts of bpmn/ that run without a case (no record_deadline / set_stage / handover rows)
SCRIPTS = ("Script_handover_proposed", "Script_course_evaluate", "Script_transfer_handover",
           "Script_course_handover", "Script_training_done", "Script_init")


def record_nothing(*args: Any, **kwargs: Any) -> None:
    """Stands in for a case helper that would write a row (same in both runs)."""


def bpmn_sources() -> tuple[list[str], list[str]]:
    """The gateway conditions and the chosen scripts of bpmn/."""
    found: list[Expression] = []
    for path in sorted((ROOT / "bpmn").glob("*.bpmn")):
        found += collect_bpmn_expressions(etree.parse(str(path)).getroot(), path.name)[0]
    conditions = [e.source.strip() for e in found if e.label.startswith("condition")]
    scripts = [e.source for e in found if e.mode == "exec" and e.element_id in SCRIPTS]
    return conditions, scripts


def measure(n: int, run_sandboxed: Callable[[], None], run_plain: Callable[[], None]
            ) -> tuple[list[float], list[float]]:
    """Alternate the two runs ``n`` times; return the sandboxed and the plain samples."""
    boxed: list[float] = []
    plain: list[float] = []
    for _ in range(n):
        start = time.perf_counter()
        run_sandboxed()
        boxed.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_plain()
        plain.append(time.perf_counter() - start)
    return boxed, plain


def fmt_us(name: str, s: dict[str, float]) -> str:
    """One line of figures in microseconds (``stats_ms`` gives milliseconds)."""
    return (f"{name:<36} median {s['median'] * 1000:8.2f} µs   p95 {s['p95'] * 1000:8.2f} µs"
            f"   mean {s['mean'] * 1000:8.2f} µs   n={int(s['n'])}")


def main() -> None:
    """Measure both workloads and print their figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    helpers = helper_functions(LegalRules())
    helpers["handover_proposed"] = record_nothing  # writes a handover row: needs a case
    sandbox = Sandbox(helpers)
    conditions, scripts = bpmn_sources()
    compiled_conditions = [compile(c, "<plain>", "eval") for c in conditions]
    compiled_scripts = [compile(s, "<plain>", "exec") for s in scripts]

    def boxed_expressions() -> None:
        for source in conditions:
            sandbox.evaluate(source, DATA)

    def plain_expressions() -> None:
        for code in compiled_conditions:
            eval(code, {**helpers, **DATA})

    def boxed_scripts() -> None:
        for source in scripts:
            sandbox.execute(source, dict(DATA))

    def plain_scripts() -> None:
        for code in compiled_scripts:
            exec(code, {**helpers, **copy.deepcopy(DATA)})

    print(f"{len(conditions)} conditions, {len(scripts)} scripts of bpmn/ per sample "
          "(figures per single expression/script)")
    for name, boxed_run, plain_run, count in (
            ("expression", boxed_expressions, plain_expressions, len(conditions)),
            ("script", boxed_scripts, plain_scripts, len(scripts))):
        boxed, plain = measure(args.n, boxed_run, plain_run)
        boxed_stats = stats_ms([s / count for s in boxed])
        plain_stats = stats_ms([s / count for s in plain])
        print(fmt_us(f"{name}: sandbox", boxed_stats))
        print(fmt_us(f"{name}: plain eval/exec", plain_stats))
        print(f"{name}: ratio of medians sandbox/plain = "
              f"{boxed_stats['median'] / plain_stats['median']:.1f}")


if __name__ == "__main__":
    main()
