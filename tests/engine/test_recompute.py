"""Issue 13, "migration of running cases": ``staffel.recompute`` recomputes the legal dates of
open cases computed under older rules — dry run, apply (audited per case), timers that follow a
changed date, dates already passed, closed cases, a second run that changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text, update

from engine import Staffel
from engine.law.rules import DEFAULT_RULES
from engine.persistence.models import AuditEvent, Case, Timer
from engine.services.recompute import ALREADY_PASSED, DateChange
from engine.states import TimerStatus
from tests.lifecycle.helpers import (
    ASYLBLG_STOP,
    COURSE_PLANNED,
    FIRST_APPOINTMENT,
    PERMIT_PREPARE,
    PERSON,
    advance_to,
    berlin,
    complete_open,
    deadline_dates,
    new_engine,
    register_asylum,
    tasks_by_team,
    warm_handover,
)

OLD_PRACTICE = DEFAULT_RULES.with_overrides(asylblg_end_rule="month_final")


def decided_case(eng: Staffel, az: str, served_on: str = "2027-06-16") -> str:
    """A refugee case in NW whose decision was served on ``served_on`` (clock on that day)."""
    case = eng.cases.start(PERSON, "NW", "asylum", az, actor="cw_eingangszone")
    register_asylum(eng, case.id)
    advance_to(eng, served_on)
    eng.messages.correlate("bamf_decision", {"outcome": "refugee", "decision_date": "2027-06-11",
                                             "served_on": served_on},
                           correlation={"bamf_aktenzeichen": az})
    return case.id


def old_engine(make_engine: Any, rules: Any = OLD_PRACTICE) -> Staffel:
    """The engine before the rule change (its clock starts in June 2027)."""
    return new_engine(lambda: make_engine(clock_start=berlin("2027-06-01"), rules=rules))


def by_key(changes: list[DateChange], case_id: str) -> dict[str, tuple[date | None,
                                                                         date | None]]:
    return {c.key: (c.old, c.new) for c in changes if c.case_id == case_id}


def snapshot(eng: Staffel) -> dict[str, list[Any]]:
    """Every row the recomputation could touch."""
    with eng.db.read() as session:
        return {table: [tuple(row) for row in session.execute(text(
            f"SELECT * FROM {table} ORDER BY 1"))]
            for table in ("case_deadlines", "timers", "process_instances", "audit_events",
                          "cases")}


def waiting_timers(eng: Staffel, case_id: str) -> dict[str, datetime]:
    with eng.db.read() as session:
        rows = session.scalars(select(Timer).where(Timer.case_id == case_id,
                                                   Timer.status == TimerStatus.WAITING))
        return {row.element_id: row.due_at for row in rows}


def audits(eng: Staffel, case_id: str) -> list[dict[str, Any]]:
    with eng.db.read() as session:
        return [e.details for e in session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id,
                                     AuditEvent.action == "deadlines_recomputed"))]


def test_month_end_case_of_the_old_practice_is_recomputed(make_engine: Any) -> None:
    """Served 16.06.2027 (NW), last day to sue Wed 30.06.: computed with "month_final" the
    AsylbLG ends 31.07. and SGB II starts 01.08.; the law as specified gives 30.06. / 01.07.
    On 20.06. nothing has passed: the dates change, the process later uses them."""
    old = old_engine(make_engine)
    case_id = decided_case(old, "8000001-423")
    closed_id = decided_case(old, "8000002-423")
    with old.unit("tester") as uow:
        uow.session.execute(update(Case).where(Case.id == closed_id)
                            .values(closed_at=uow.now))
    advance_to(old, "2027-06-20")
    assert deadline_dates(old, case_id)["asylblg_end"] == date(2027, 7, 31)

    eng = make_engine()  # the same database, the rules as specified now
    before = snapshot(eng)
    planned = eng.recompute.plan()
    assert snapshot(eng) == before  # the dry run writes nothing
    assert by_key(planned, case_id) == {
        "asylblg_end": (date(2027, 7, 31), date(2027, 6, 30)),
        "sgb2_start": (date(2027, 8, 1), date(2027, 7, 1)),
    }
    assert by_key(planned, closed_id) == {}  # closed cases are never touched
    assert not any(c.applied or c.flags for c in planned)
    assert "Klagefrist abläuft" in next(c.legal_basis for c in planned
                                        if c.key == "asylblg_end")

    applied = eng.recompute.apply("admin")
    assert by_key(applied, case_id) == by_key(planned, case_id)
    assert all(c.applied for c in applied)
    dates = deadline_dates(eng, case_id)
    assert (dates["asylblg_end"], dates["sgb2_start"]) == (date(2027, 6, 30), date(2027, 7, 1))
    assert deadline_dates(eng, closed_id)["asylblg_end"] == date(2027, 7, 31)
    basis = eng.cases.get(case_id).deadlines["asylblg_end"].legal_basis
    assert "Klagefrist abläuft" in basis
    [event] = audits(eng, case_id)
    assert event["changes"] == {"asylblg_end": {"old": "2027-07-31", "new": "2027-06-30"},
                                "sgb2_start": {"old": "2027-08-01", "new": "2027-07-01"}}
    assert "Haddad" not in str(event)  # no personal data

    again = snapshot(eng)
    assert eng.recompute.apply("admin") == []  # a second run changes nothing
    assert snapshot(eng) == again

    # the process goes on with the new dates: the benefit transfer's timers follow them
    advance_to(eng, "2027-07-01")
    warm_handover(eng, case_id, "2027-07-05T10:00:00+02:00", continuity=True)
    view = eng.cases.get(case_id)
    assert view.deadlines["asylblg_end"].date == date(2027, 6, 30)
    assert view.deadlines["sgb2_application_deadline"].date == date(2027, 7, 30)
    assert view.benefit_system == "sgb2"  # SGB II from 01.07., not from 01.08.
    assert "Task_asylblg_stop" in tasks_by_team(eng, case_id)["sozialamt"]


def test_a_pending_timer_moves_with_its_date(make_engine: Any) -> None:
    """A case decided while a 3-week lawsuit deadline was in force (a settings file): last day
    07.07., final 08.07.; with 2 weeks: 30.06., final 01.07. The waiting "final" timer moves
    (in the workflow state and its row) and fires on the new day."""
    old = old_engine(make_engine, DEFAULT_RULES.with_overrides(lawsuit_weeks=3))
    case_id = decided_case(old, "8000003-423")
    advance_to(old, "2027-06-20")
    assert waiting_timers(old, case_id) == {"Timer_final": berlin("2027-07-08", 0)}

    eng = make_engine()
    planned = eng.recompute.plan()
    assert by_key(planned, case_id) == {
        "lawsuit_deadline": (date(2027, 7, 7), date(2027, 6, 30)),
        "decision_final_on": (date(2027, 7, 8), date(2027, 7, 1)),
        "asylblg_end": (date(2027, 7, 31), date(2027, 6, 30)),
        "sgb2_start": (date(2027, 8, 1), date(2027, 7, 1)),
    }
    final = next(c for c in planned if c.key == "decision_final_on")
    assert final.timers == ("Timer_final",) and final.flags == ("timer moves: Timer_final",)
    assert waiting_timers(eng, case_id) == {"Timer_final": berlin("2027-07-08", 0)}

    eng.recompute.apply("admin")
    assert waiting_timers(eng, case_id) == {"Timer_final": berlin("2027-07-01", 0)}
    basis = eng.cases.get(case_id).deadlines["lawsuit_deadline"].legal_basis
    assert basis.startswith("§74(1) Hs. 1 AsylG: 2 Wochen")  # names the value now used
    [event] = audits(eng, case_id)
    assert [t["element_id"] for t in event["timers_moved"]] == ["Timer_final"]
    assert eng.recompute.plan() == []

    advance_to(eng, "2027-06-30", 23)
    assert tasks_by_team(eng, case_id) == {}  # not final yet
    advance_to(eng, "2027-07-01")  # the moved timer fires on the new day
    assert "auslaenderbehoerde" in tasks_by_team(eng, case_id)


def test_a_date_already_passed_is_listed_not_changed(make_engine: Any) -> None:
    """On 05.07.2027 the AsylbLG end of the new reading (30.06.) lies in the past: benefits for
    July were paid; the case is listed ("already passed", its waiting timers "not moved") and
    stays as it was."""
    old = old_engine(make_engine)
    case_id = decided_case(old, "8000004-423")
    advance_to(old, "2027-07-01")
    warm_handover(old, case_id, "2027-07-05T10:00:00+02:00", continuity=True)
    advance_to(old, "2027-07-05")
    timers_before = waiting_timers(old, case_id)
    assert "Timer_asylblg_end" in timers_before

    eng = make_engine()
    before = snapshot(eng)
    planned = [c for c in eng.recompute.plan() if c.case_id == case_id]
    assert by_key(planned, case_id)["asylblg_end"] == (date(2027, 7, 31), date(2027, 6, 30))
    assert all(ALREADY_PASSED in c.flags for c in planned)
    asylblg = next(c for c in planned if c.key == "asylblg_end")
    assert "timer not moved: Timer_asylblg_end" in asylblg.flags
    applied = eng.recompute.apply("admin")
    assert not any(c.applied for c in applied)
    assert snapshot(eng) == before


def test_a_boundary_timer_deep_in_the_ip_process_moves(make_engine: Any) -> None:
    """The IP's months were 11 (a settings file) and are 12 now: the end of the special
    responsibility moves from 31.05.2028 to 30.06.2028, and with it the boundary timer on the
    running integration course (two call activities down)."""
    old = old_engine(make_engine, DEFAULT_RULES.with_overrides(ip_responsibility_months=11))
    case_id = decided_case(old, "8000005-423")
    advance_to(old, "2027-07-01")
    warm_handover(old, case_id, "2027-07-05T10:00:00+02:00", continuity=True)
    complete_open(old, case_id, "Task_permit_prepare", PERMIT_PREPARE)
    complete_open(old, case_id, "Task_asylblg_stop", ASYLBLG_STOP)
    old.messages.correlate("permit_issued", {"paragraph": "§25(2) Alt. 1",
                                             "valid_until": "2030-07-04",
                                             "issued_on": "2027-07-05"}, case_id=case_id)
    old.messages.correlate("sgb2_application_received", {"received_on": "2027-07-06"},
                           case_id=case_id)
    complete_open(old, case_id, "Task_sgb2_approve", {
        "sgb2_approved_from": "2027-07-01", "sgb2_approval_months": 12, "no_gap_confirmed": True})
    complete_open(old, case_id, "Task_first_appointment", FIRST_APPOINTMENT)
    complete_open(old, case_id, "Task_course_obligation", COURSE_PLANNED)
    assert waiting_timers(old, case_id)["Timer_ip_end_during_course"] == berlin("2028-06-01", 0)

    eng = make_engine()
    [change] = eng.recompute.plan()
    assert (change.key, change.old, change.new) == ("ip_responsibility_end", date(2028, 5, 31),
                                                    date(2028, 6, 30))
    assert change.flags == ("timer moves: Timer_ip_end_during_course",)
    [done] = eng.recompute.apply("admin")
    assert done.applied and done.flags == ("timer moved: Timer_ip_end_during_course",)
    assert waiting_timers(eng, case_id)["Timer_ip_end_during_course"] == berlin("2028-07-01", 0)
    assert "12 Monate" in eng.cases.get(case_id).deadlines["ip_responsibility_end"].legal_basis
    with eng.db.read() as session:  # the old row is cancelled, not fired
        statuses = {row.status for row in session.scalars(select(Timer).where(
            Timer.case_id == case_id, Timer.element_id == "Timer_ip_end_during_course"))}
    assert statuses == {TimerStatus.WAITING, TimerStatus.CANCELLED}
    assert eng.recompute.plan() == []
