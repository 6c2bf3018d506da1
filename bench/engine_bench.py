"""Engine overhead: raw SpiffWorkflow cycle in memory vs. the same step through the engine.

(a) raw: load an instance from JSON around a cached spec, complete one user task, run engine
    steps, dump to JSON (SpiffWorkflow only, same sandboxed script engine).
(b) engine: ``Staffel.tasks.complete`` on a real database: load the row, deserialize, validate
    the form, complete, engine steps, serialize, update projection/timers/waits, audit, commit.

Two workloads: ``basic`` (a tiny test diagram: the first user task, then a message wait)
and ``lifecycle`` (the real ``refugee_lifecycle`` from bpmn/: completing the Eingangszone's
registration task of a new asylum case, which runs into the called AsylbLG process).

Prints median, p95 and the ratio b/a of the medians. Usage:
    .venv/bin/python -m bench.engine_bench [--n 300] [--workload basic|lifecycle|both]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, select

from bench._common import ENGINE_DIAGRAMS, PERSON, ROOT, fmt, stats_ms, temp_engine
from engine.execution.effects import CaseEffects, collecting
from engine.execution.spiff import dump_state, load_state
from engine.persistence.models import ProcessInstance

REGISTRATION = {"interpreter_needed": True, "languages": ["ar"],
                "identity_documents": "arrival_certificate", "consent_given": True,
                "consent_purpose": "Integrationskurs und Beratung",
                "consent_recipients": ["kurstraeger", "beratungsstelle"],
                "consent_date": date.today().isoformat()}  # not in the future (x-rules)
WORKLOADS = {
    # name: (directory to deploy, process key, completion data)
    "basic": (ENGINE_DIAGRAMS, "basic", {"interpreter_needed": True, "language": "ar"}),
    "lifecycle": (ROOT / "bpmn", "refugee_lifecycle", REGISTRATION),
}


def run(workload: str, n: int, database_url: str | None) -> None:
    """Measure one workload and print its figures."""
    directory, process_key, data = WORKLOADS[workload]
    engine = temp_engine(database_url)
    engine.definitions.deploy_directory(directory)
    cases = [engine.cases.start(PERSON, "NW", "asylum", f"AZ-{i}", process_key=process_key)
             for i in range(n + 20)]

    # (a) and (b) alternate, so that both see the same machine (CPU frequency, other load)
    with engine.db.read() as session:
        row = session.scalars(select(ProcessInstance).where(
            ProcessInstance.case_id == cases[0].id)).one()
        state, bundle = row.state, engine.context.specs.get(session, row.process_version_id)
    script_engine = engine.context.runtime.script_engine
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    raw, full = [], []
    for i, case in enumerate(cases):
        t0 = time.perf_counter()
        # the scripts' case helpers need a context to record into, as in the engine
        with collecting(CaseEffects(cases[0].id, "NW")):
            wf = load_state(state, bundle, script_engine)
            task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update(data)
            task.run()
            wf.do_engine_steps()
            dump_state(wf)
        t1 = time.perf_counter()
        event.listen(engine.db.engine, "before_cursor_execute", count)
        engine.tasks.complete(case.open_tasks[0].id, data, actor="bench")
        t2 = time.perf_counter()
        event.remove(engine.db.engine, "before_cursor_execute", count)
        if i >= 20:  # warm-up
            raw.append(t1 - t0)
            full.append(t2 - t1)

    a, b = stats_ms(raw), stats_ms(full)
    print(f"workload {workload} ({process_key}), database {engine.db.url.split('://')[0]}")
    print(fmt("  (a) raw SpiffWorkflow cycle (in memory)", a))
    print(fmt("  (b) Staffel.tasks.complete (database)", b))
    print(f"  ratio b/a (medians): {b['median'] / a['median']:.2f}   "
          f"ratio b/a (p95): {b['p95'] / a['p95']:.2f}   "
          f"SQL statements per completion: {statements / len(cases):.1f}")
    engine.close()


def main() -> None:
    """Run the chosen workloads and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workload", choices=["basic", "lifecycle", "both"], default="both")
    args = parser.parse_args()
    for workload in (["basic", "lifecycle"] if args.workload == "both" else [args.workload]):
        run(workload, args.n, args.database_url)


if __name__ == "__main__":
    main()
