"""The hot path stays small: completing a task is one transaction of a handful of statements."""

from __future__ import annotations

from sqlalchemy import event

from tests.conftest import PERSON

# BEGIN, 1 joined read, 2 updates, timer changes (the cancelled reminder, the new follow-up
# timer that watches the wait the case now enters), 1 wait, 3 audit statements; the drafts of
# the task dropped (1 delete) and, as here where the form records 'interpreter_needed' the
# person record lacked, the person record written back (1 update; issue 15, point 4)
BUDGET = 13


def test_completing_a_task_stays_within_the_statement_budget(engine) -> None:  # type: ignore[no-untyped-def]
    cases = [engine.cases.start(PERSON, "NW", process_key="basic") for _ in range(2)]
    engine.tasks.complete(cases[0].open_tasks[0].id, {"interpreter_needed": True}, actor="a")
    statements: list[str] = []
    event.listen(engine.db.engine, "before_cursor_execute",
                 lambda _c, _cur, stmt, *_a: statements.append(stmt))
    engine.tasks.complete(cases[1].open_tasks[0].id, {"interpreter_needed": True}, actor="a")
    assert len(statements) <= BUDGET, "\n".join(statements)
    writes = [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert len(writes) <= 9, "\n".join(writes)  # incl. the follow-up timer of the new wait
