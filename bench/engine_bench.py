"""Engine overhead: raw SpiffWorkflow cycle in memory vs. the same step through the engine.

(a) raw: load an instance from JSON around a cached spec, complete one user task, run engine
    steps, dump to JSON (SpiffWorkflow only, same sandboxed script engine).
(b) engine: ``Staffel.complete_task`` on a real database: load the row, deserialize, validate
    the form, complete, engine steps, serialize, update projection/timers/waits, audit, commit.

Prints median, p95 and the ratio b/a of the medians. Usage:
    .venv/bin/python bench/engine_bench.py [--n 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import time

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, select

from bench._common import ENGINE_DIAGRAMS, PERSON, fmt, stats_ms, temp_engine
from engine.persistence.models import ProcessInstance
from engine.spiff import dump_state, load_state


def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    engine = temp_engine(args.database_url)
    engine.deploy_directory(ENGINE_DIAGRAMS)
    cases = [engine.start_case(PERSON, "NW", process_key="basic") for _ in range(args.n + 20)]
    data = {"interpreter_needed": True, "language": "ar"}

    # (a) raw cycle, from the stored state of the first case
    with engine.db.read() as session:
        row = session.scalars(select(ProcessInstance).where(
            ProcessInstance.case_id == cases[0].id)).one()
        state, bundle = row.state, engine.specs.get(session, row.process_version_id)
    script_engine = engine.runtime.script_engine
    raw = []
    for i in range(args.n + 20):
        t0 = time.perf_counter()
        wf = load_state(state, bundle, script_engine)
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(data)
        task.run()
        wf.do_engine_steps()
        dump_state(wf)
        if i >= 20:
            raw.append(time.perf_counter() - t0)

    # (b) through the engine, one fresh case per completion
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.db.engine, "before_cursor_execute", count)
    full = []
    for i, case in enumerate(cases):
        task_id = case.open_tasks[0].id
        t0 = time.perf_counter()
        engine.complete_task(task_id, data, actor="bench")
        if i >= 20:
            full.append(time.perf_counter() - t0)
    event.remove(engine.db.engine, "before_cursor_execute", count)

    a, b = stats_ms(raw), stats_ms(full)
    print(f"database: {engine.db.url.split('://')[0]}")
    print(fmt("(a) raw SpiffWorkflow cycle (in memory)", a))
    print(fmt("(b) Staffel.complete_task (database, commit)", b))
    print(f"ratio b/a (medians): {b['median'] / a['median']:.2f}   "
          f"ratio b/a (p95): {b['p95'] / a['p95']:.2f}")
    print(f"SQL statements per completion: {statements / len(cases):.1f}")


if __name__ == "__main__":
    main()
