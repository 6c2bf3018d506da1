"""Cases waiting for outside events on the supervisor dashboard: age in working days of the
case's Land (public holidays count as none), buckets as the simulated clock moves on, the
follow-up date and when it is late, team scope, and one statement whatever the case count.

The simulated clock is moved; nothing is written into the database behind the engine's back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event

from engine import WAIT_BUCKETS, Staffel
from engine.execution.tasks import end_of_working_days
from engine.supervision.dashboard_model import wait_bucket_of
from tests.conftest import DATA, ENGINE_DIAGRAMS, PERSON, START

WAIT_DIAGRAMS = DATA / "waits"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def open_engine(make_engine: Callable[..., Staffel]) -> Staffel:
    eng = make_engine(clock_start=START)  # Monday 1 March 2027
    eng.definitions.deploy_directory(ENGINE_DIAGRAMS, actor="tester")
    eng.definitions.deploy_directory(WAIT_DIAGRAMS, actor="tester")
    return eng


def waiting_for_bamf(eng: Staffel, land: str = "NW") -> Any:
    """A ``basic`` case whose Sozialamt registration is done: it waits for the BAMF decision
    behind an event-based gateway watched by ``watch_due('bamf_decision')``."""
    case = eng.cases.start(PERSON, land, "asylum", process_key="basic", actor="tester")
    eng.tasks.complete(case.open_tasks[0].id, {"interpreter_needed": False}, actor="tester")
    return case


def waiting_for_permit(eng: Staffel) -> Any:
    """A ``permit_wait`` case: the permit is awaited on the ABH's open task (sla 5)."""
    return eng.cases.start(PERSON, "NW", "asylum", process_key="permit_wait", actor="tester")


def ages(eng: Staffel, **kw: Any) -> dict[str, tuple[int, str]]:
    return {w.case_id: (w.age_days, w.bucket) for w in eng.supervision.waits(**kw)}


def test_the_bucket_boundaries() -> None:
    assert [wait_bucket_of(n) for n in (0, 10, 11, 20, 21, 30, 31, 400)] == [
        "0-10", "0-10", "11-20", "11-20", "21-30", "21-30", ">30", ">30"]
    assert WAIT_BUCKETS == ("0-10", "11-20", "21-30", ">30")


def test_the_age_grows_by_working_days_as_the_clock_moves(
        make_engine: Callable[..., Staffel]) -> None:
    eng = open_engine(make_engine)
    case = waiting_for_bamf(eng)
    (wait,) = eng.supervision.waits()
    assert (wait.message, wait.label, wait.expected_team) == (
        "bamf_decision", "BAMF-Bescheid", "sozialamt")
    assert (wait.since, wait.since_on, wait.age_days, wait.bucket) == (
        START, date(2027, 3, 1), 0, "0-10")
    assert (wait.case_number, wait.stage, wait.land) == (case.case_number, "S1", "NW")
    # the gateway's follow-up timer: 60 working days of NW after the wait began
    assert wait.follow_up_due == end_of_working_days(START, 60, "NW")
    assert not wait.follow_up_overdue
    for day, expected in ((utc(2027, 3, 6, 12), (4, "0-10")),     # Saturday: Tue to Fri
                          (utc(2027, 3, 15, 12), (10, "0-10")),
                          (utc(2027, 3, 16, 12), (11, "11-20")),
                          # Good Friday (26th) and Easter Monday (29th) are no working days
                          (utc(2027, 3, 29, 12), (18, "11-20")),
                          (utc(2027, 4, 14, 12), (30, "21-30")),
                          (utc(2027, 4, 15, 12), (31, ">30"))):
        eng.clock.advance(to=day)
        assert ages(eng) == {case.id: expected}, day
    (group,) = eng.supervision.summary().waits
    assert (group.message, group.counts, group.total, group.follow_up_overdue) == (
        "bamf_decision", {"0-10": 0, "11-20": 0, "21-30": 0, ">30": 1}, 1, 0)


def test_the_lands_holidays_count_as_no_working_day(
        make_engine: Callable[..., Staffel]) -> None:
    eng = open_engine(make_engine)
    nw, be = waiting_for_bamf(eng, "NW"), waiting_for_bamf(eng, "BE")
    eng.clock.advance(to=utc(2027, 3, 16, 12))  # 8 March: Frauentag, a holiday in Berlin only
    assert ages(eng) == {nw.id: (11, "11-20"), be.id: (10, "0-10")}
    (group,) = eng.supervision.summary().waits
    assert group.counts == {"0-10": 1, "11-20": 1, "21-30": 0, ">30": 0}
    assert ages(eng, bucket="11-20") == {nw.id: (11, "11-20")}
    assert ages(eng, message="permit_issued") == {}


def test_a_wait_on_an_open_task_is_followed_up_at_its_due_date(
        make_engine: Callable[..., Staffel]) -> None:
    eng = open_engine(make_engine)
    bamf, permit = waiting_for_bamf(eng), waiting_for_permit(eng)
    due = permit.open_tasks[0].due_at  # end of Monday 8 March (5 working days)
    assert due == utc(2027, 3, 8, 23)
    eng.clock.advance(to=utc(2027, 3, 8, 12))
    assert [w.follow_up_overdue for w in eng.supervision.waits()] == [False, False]
    eng.clock.advance(to=utc(2027, 3, 9, 8))
    (late,) = eng.supervision.waits(follow_up_overdue=True)
    assert (late.case_id, late.message, late.follow_up_due, late.expected_team) == (
        permit.id, "permit_issued", due, "auslaenderbehoerde")
    groups = {g.message: g for g in eng.supervision.summary().waits}
    assert (groups["permit_issued"].total, groups["permit_issued"].follow_up_overdue) == (1, 1)
    assert (groups["bamf_decision"].total, groups["bamf_decision"].follow_up_overdue) == (1, 0)
    assert {w.case_id for w in eng.supervision.waits(message="bamf_decision")} == {bamf.id}
    # the report comes: the case no longer waits
    eng.messages.receive("permit_issued", {"paragraph": "§25(1)", "valid_until": "2030-03-08"},
                         case_id=permit.id, actor="abh")
    assert {w.case_id for w in eng.supervision.waits()} == {bamf.id}


def test_supervisors_see_the_waits_of_their_teams_cases(
        make_engine: Callable[..., Staffel]) -> None:
    eng = open_engine(make_engine)
    bamf, permit = waiting_for_bamf(eng), waiting_for_permit(eng)
    assert set(ages(eng)) == {bamf.id, permit.id}  # administrators: every team
    assert set(ages(eng, teams={"sozialamt"})) == {bamf.id}
    assert set(ages(eng, teams={"auslaenderbehoerde"})) == {permit.id}
    assert ages(eng, teams={"jc_leistung"}) == {} and ages(eng, teams=set()) == {}
    assert [g.message for g in eng.supervision.summary({"sozialamt"}).waits] == [
        "bamf_decision"]


def test_one_statement_whatever_the_number_of_waiting_cases(
        make_engine: Callable[..., Staffel]) -> None:
    eng = open_engine(make_engine)

    def statements() -> int:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        event.listen(eng.db.engine, "before_cursor_execute", count)
        try:
            eng.supervision.waits()
        finally:
            event.remove(eng.db.engine, "before_cursor_execute", count)
        return len([s for s in seen if "message_waits" in s])

    waiting_for_bamf(eng)
    waiting_for_permit(eng)
    assert statements() == 1
    for _ in range(4):
        waiting_for_bamf(eng, "BY")
    assert statements() == 1 and len(eng.supervision.waits()) == 6
