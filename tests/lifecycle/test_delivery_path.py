"""The delivery path of a message (issue 16, lean2): ``correlate(..., summary=False)`` and
``receive(..., summary=False)`` skip the case view and nothing else; the waiting instance is
read with its wait; ended waits and the step's deadlines are written with prepared
statements (deadlines updated in place, a loaded deadline row sees the new values)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import event, select

from engine import Staffel
from engine.execution import messages
from engine.execution.effects import CaseEffects, RecordedDeadline
from engine.execution.runtime import write_deadlines
from engine.persistence.models import AuditEvent, Case, CaseDeadline, MessageWait
from tests.lifecycle.helpers import advance_to, new_engine, register_asylum, start_asylum

GOOD = {"outcome": "refugee", "decision_date": "2027-05-10", "served_on": "2027-05-12"}


def waiting_cases(eng: Staffel, n: int) -> list[str]:
    """``n`` registered asylum cases waiting for the BAMF decision on 12 May 2027."""
    ids = []
    for i in range(n):
        case = start_asylum(eng, f"81234{i:02d}-423")
        register_asylum(eng, case.id)
        ids.append(case.id)
    advance_to(eng, "2027-05-12")
    return ids


def what_changed(eng: Staffel, case_id: str) -> tuple[Any, ...]:
    """The case after a delivery, without ids and numbers (to compare two cases)."""
    view = eng.cases.get(case_id)
    with eng.db.read() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(
            AuditEvent.case_id == case_id).order_by(AuditEvent.seq))]
    return (view.stage, view.benefit_system, view.status, view.deadlines,
            sorted((t.element_id, t.team, t.due_at) for t in view.open_tasks),
            [(w.message, w.element_id, w.watched_until) for w in view.waiting_for], actions)


def counting(eng: Staffel) -> tuple[list[str], Any]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(eng.db.engine, "before_cursor_execute", count)
    return statements, count


def test_a_delivery_without_the_summary_does_the_same_with_fewer_statements(
        make_engine: Any) -> None:
    eng = new_engine(make_engine)
    warm, full, brief = waiting_cases(eng, 3)
    eng.messages.correlate("bamf_decision", GOOD, case_id=warm)  # the specs are cached now
    statements, count = counting(eng)
    try:
        info = eng.messages.correlate("bamf_decision", GOOD, case_id=full)
        with_view = len(statements)
        statements.clear()
        nothing = eng.messages.correlate("bamf_decision", GOOD, case_id=brief, summary=False)
        without_view = list(statements)
    finally:
        event.remove(eng.db.engine, "before_cursor_execute", count)
    assert nothing is None
    assert info == eng.cases.get(full)
    assert what_changed(eng, brief) == what_changed(eng, full)
    assert info.stage == "S3b" and "lawsuit_deadline" in info.deadlines
    # the case view's reads: deadlines, tasks, status, handovers, waits (and the timers
    # watching them when the case waits for something)
    assert with_view - len(without_view) == 5, "\n".join(without_view)
    # clock, case, wait with instance, state, timers (closed, new), waits, deadlines (read +
    # one insert), stage, audit (head, events, head): the waiting instance is no statement of
    # its own (and SQLite's BEGIN IMMEDIATE)
    assert len([s for s in without_view if not s.startswith("BEGIN")]) == 13, \
        "\n".join(without_view)
    assert not any(s.lstrip().upper().startswith("SELECT PROCESS_INSTANCES")
                   for s in without_view)
    assert sum("INSERT INTO case_deadlines" in s for s in without_view) == 1
    with eng.db.read() as s:
        assert s.scalars(select(MessageWait).where(MessageWait.case_id == brief,
                                                   MessageWait.message_name == "bamf_decision")
                         ).all() == []


def test_a_receipt_without_the_summary_has_the_case_brief(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    full, brief = waiting_cases(eng, 2)
    receipt = eng.messages.receive("bamf_decision", GOOD, case_id=full)
    short = eng.messages.receive("bamf_decision", GOOD, case_id=brief, summary=False)
    assert (short.outcome, short.state) == (receipt.outcome, receipt.state) == (
        "delivered", "delivered")
    assert (short.case.id, short.case.stage, short.case.status) == (brief, "S3b", "running")
    assert short.case == replace(eng.cases.get(brief), deadlines={}, open_tasks=[],
                                 handovers=[], waiting_for=[], buffered=[])
    assert receipt.case == eng.cases.get(full) and receipt.case.deadlines
    assert what_changed(eng, brief) == what_changed(eng, full)


def test_the_waiting_instance_comes_with_its_wait(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    (case_id,) = waiting_cases(eng, 1)
    with eng.db.read() as s:
        ((wait, instance),) = messages.find_waiting(s, case_id, "bamf_decision")
        assert wait.instance_id == instance.id and instance.case_id == case_id
        assert instance.state  # the whole row, state included
        assert messages.find_waiting(s, case_id, "permit_issued") == []


def test_deadlines_are_inserted_then_updated_in_place(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    (case_id,) = waiting_cases(eng, 1)
    first = {"a": RecordedDeadline("a", date(2027, 6, 1), "§1", "NW"),
             "b": RecordedDeadline("b", date(2027, 7, 1), "§2", "NW")}
    with eng.unit("test") as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None
        write_deadlines(uow, case, CaseEffects(case_id, "NW", deadlines=first))
    with eng.unit("test") as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None
        loaded = uow.session.scalars(select(CaseDeadline).where(
            CaseDeadline.case_id == case_id, CaseDeadline.key == "a")).one()
        write_deadlines(uow, case, CaseEffects(case_id, "NW", deadlines={
            "a": RecordedDeadline("a", date(2027, 6, 3), "§1a", "BE"),
            "c": RecordedDeadline("c", date(2027, 8, 1), "§3", "NW")}))
        assert (loaded.due_on, loaded.legal_basis, loaded.land) == (date(2027, 6, 3), "§1a",
                                                                    "BE")
    with eng.db.read() as s:
        rows = {d.key: (d.due_on, d.legal_basis, d.land) for d in s.scalars(
            select(CaseDeadline).where(CaseDeadline.case_id == case_id,
                                       CaseDeadline.key.in_(("a", "b", "c"))))}
        audited = [e.details["key"] for e in s.scalars(select(AuditEvent).where(
            AuditEvent.action == "deadline_computed", AuditEvent.case_id == case_id))]
    assert rows == {"a": (date(2027, 6, 3), "§1a", "BE"), "b": (date(2027, 7, 1), "§2", "NW"),
                    "c": (date(2027, 8, 1), "§3", "NW")}
    assert audited[-4:] == ["a", "b", "a", "c"]
