"""The hot path stays small: completing a task is one transaction of a handful of statements."""

from __future__ import annotations

from sqlalchemy import event

from tests.conftest import PERSON

BUDGET = 10  # BEGIN, 1 joined read, 2 updates, timer + wait changes, 3 audit statements


def test_completing_a_task_stays_within_the_statement_budget(engine) -> None:  # type: ignore[no-untyped-def]
    cases = [engine.cases.start(PERSON, "NW", process_key="basic") for _ in range(2)]
    engine.tasks.complete(cases[0].open_tasks[0].id, {"interpreter_needed": True}, actor="a")
    statements: list[str] = []
    event.listen(engine.db.engine, "before_cursor_execute",
                 lambda _c, _cur, stmt, *_a: statements.append(stmt))
    engine.tasks.complete(cases[1].open_tasks[0].id, {"interpreter_needed": True}, actor="a")
    assert len(statements) <= BUDGET, "\n".join(statements)
    writes = [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert len(writes) <= 6, "\n".join(writes)
