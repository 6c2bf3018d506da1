"""The audit trail of engine.audit: a SHA-256 hash chain over append-only events. ``verify``
accepts the chain the engine wrote and finds the first edited, relinked or deleted row."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from engine import Staffel
from engine.audit import GENESIS_HASH, AuditLog, PendingEvent, event_hash, list_events, verify
from engine.model import AuditVerification
from engine.persistence.models import AuditEvent, AuditHead
from tests.conftest import PERSON, START


@pytest.fixture
def trail(engine: Staffel) -> list[str]:
    """Two cases, a completed task and a moved clock: a chain of a dozen events."""
    first = engine.cases.start(PERSON, "NW", process_key="basic", actor="cw_ez")
    engine.tasks.complete(first.open_tasks[0].id, {"interpreter_needed": True}, actor="cw_soz")
    engine.clock.advance(by=timedelta(days=1))
    second = engine.cases.start(PERSON, "BE", process_key="basic", actor="cw_ez")
    return [first.id, second.id]


def check(engine: Staffel, batch: int = 5000) -> AuditVerification:
    with engine.db.read() as session:
        return verify(session, batch=batch)


def count(engine: Staffel) -> int:
    with engine.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def tamper(engine: Staffel, statement: Any) -> None:
    """Change the table behind the engine's back, as someone with database access could."""
    with engine.db.write() as session:
        session.execute(statement)


def test_the_chain_the_engine_writes_verifies(engine: Staffel, trail: list[str]) -> None:
    total = count(engine)
    assert total >= 10
    assert check(engine) == AuditVerification(True, total)
    assert check(engine, batch=3) == AuditVerification(True, total)  # across batches
    with engine.db.read() as session:
        rows = session.execute(select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash)
                                .order_by(AuditEvent.seq)).all()
        head = session.get(AuditHead, 1)
        assert head is not None and (head.last_seq, head.last_hash) == (total, rows[-1].hash)
    assert [r.seq for r in rows] == list(range(1, total + 1))
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in pairwise(rows))


def test_an_empty_trail_verifies(make_engine) -> None:  # type: ignore[no-untyped-def]
    assert check(make_engine()) == AuditVerification(True, 0)


def test_editing_details_is_detected(engine: Staffel, trail: list[str]) -> None:
    tamper(engine, update(AuditEvent).where(AuditEvent.seq == 3)
           .values(details={"forged": True}))
    assert check(engine) == AuditVerification(False, 2, 3, "event content was changed")


@pytest.mark.parametrize(("column", "value"), [
    ("actor", "someone_else"), ("action", "case_deleted"), ("case_id", "f" * 32),
    ("at", START + timedelta(seconds=1)),
])
def test_editing_any_column_is_detected(engine: Staffel, trail: list[str], column: str,
                                        value: Any) -> None:
    tamper(engine, update(AuditEvent).where(AuditEvent.seq == 5).values({column: value}))
    assert check(engine) == AuditVerification(False, 4, 5, "event content was changed")


def test_recomputing_one_hash_breaks_the_next_link(engine: Staffel, trail: list[str]) -> None:
    with engine.db.write() as session:
        row = session.get(AuditEvent, 4)
        assert row is not None
        details = {**row.details, "forged": True}
        forged = event_hash(row.prev_hash, row.seq, row.at, row.actor, row.action, row.case_id,
                            row.instance_id, row.element_id, details)
        session.execute(update(AuditEvent).where(AuditEvent.seq == 4)
                        .values(details=details, hash=forged))
    assert check(engine) == AuditVerification(False, 4, 5, "chain link broken")


def test_deleting_a_row_is_detected(engine: Staffel, trail: list[str]) -> None:
    tamper(engine, delete(AuditEvent).where(AuditEvent.seq == 6))
    assert check(engine) == AuditVerification(False, 5, 6, "event 6 is missing (deleted)")


def test_deleting_the_newest_rows_is_detected(engine: Staffel, trail: list[str]) -> None:
    total = count(engine)
    tamper(engine, delete(AuditEvent).where(AuditEvent.seq >= total - 1))
    assert check(engine) == AuditVerification(
        False, total - 2, total - 1, f"the newest events after {total - 2} are missing (deleted)")


def test_event_hash_covers_every_field() -> None:
    base = ("0" * 64, 7, START, "cw", "task_completed", "c1", "i1", "Task_a", {"b": 1, "a": 2})
    digest = event_hash(*base)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert event_hash(*base[:-1], {"a": 2, "b": 1}) == digest  # key order does not matter
    for index, other in enumerate(("1" * 64, 8, START + timedelta(microseconds=1), "cx",
                                   "task_claimed", "c2", "i2", "Task_b", {"b": 1, "a": 3})):
        changed = list(base)
        changed[index] = other
        assert event_hash(*changed) != digest, index


def test_a_log_appends_to_the_chain_in_one_go(engine: Staffel, trail: list[str]) -> None:
    before = count(engine)
    with engine.db.write() as session:
        log = AuditLog()
        log.flush(session)  # nothing queued: nothing written
        log.record(PendingEvent(START, "tester", "note", details={"n": 1}))
        log.record(PendingEvent(START, "tester", "note", case_id=trail[0],
                                details={"when": START}))
        log.flush(session)
        assert log.pending == []
    assert count(engine) == before + 2
    assert check(engine) == AuditVerification(True, before + 2)
    with engine.db.read() as session:
        newest = list_events(session, limit=2, offset=before)
    assert [(e.action, e.case_id, e.details) for e in newest] == [
        ("note", None, {"n": 1}), ("note", trail[0], {"when": str(START)})]


def test_list_events(engine: Staffel, trail: list[str]) -> None:
    with engine.db.read() as session:
        every = list_events(session)
        first_case = list_events(session, trail[0])
        page = list_events(session, limit=3, offset=2)
    assert [e.seq for e in every] == list(range(1, len(every) + 1))
    assert {e.case_id for e in first_case} == {trail[0]}
    assert [e.action for e in first_case][:3] == ["case_created", "instance_started",
                                                  "task_created"]
    assert "task_completed" in [e.action for e in first_case]
    assert [e.seq for e in page] == [3, 4, 5]
    assert every[0].hash != every[1].hash
