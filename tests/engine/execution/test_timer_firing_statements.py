"""The round trips of firing due timers (issue 16: 100,000 timers drained on PostgreSQL are
bound by round trips): per timer one locking read (timer, instance and case in one query),
the instance's state and the timer row written; per batch the clock and the audit chain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select

from engine import Staffel
from engine.persistence.models import AuditEvent, ProcessInstance, Timer
from tests.conftest import PERSON

N = 4


def test_firing_a_timer_costs_three_statements_and_fires_it_once(engine: Staffel) -> None:
    wake = (engine.clock.now() + timedelta(hours=1)).isoformat()
    for _ in range(N):
        engine.cases.start(PERSON, "NW", process_key="wake", data={"wake_at": wake})
    with engine.unit("test") as uow:
        engine.context.time.set(uow.session, engine.clock.now() + timedelta(hours=2))
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(engine.db.engine, "before_cursor_execute", count)
    try:
        report = engine.timers.fire_due(limit=50, batch=20)
    finally:
        event.remove(engine.db.engine, "before_cursor_execute", count)
    assert (report.fired, report.failed, report.released) == (N, 0, 0)
    # the case comes with the locking read: no query of its own
    assert not [s for s in statements if s.lstrip().startswith("SELECT cases")], statements
    # claim: clock, select, update; firing batch: clock, 3 per timer, audit head/insert/move;
    # the kept-message sweep: clock and one select
    assert len(statements) <= 3 * N + 9, "\n".join(s.split("\n")[0] for s in statements)
    with engine.db.read() as session:
        fired = session.scalar(select(func.count()).select_from(Timer)
                               .where(Timer.status == "fired"))
        events = session.scalar(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.action == "timer_fired"))
        done = session.scalar(select(func.count()).select_from(ProcessInstance)
                              .where(ProcessInstance.status == "completed"))
    assert (fired, events, done) == (N, N, N)
