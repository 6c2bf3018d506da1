"""Supervisor dashboard queries: exact overdue instants across weekends and NW/BE holidays, age
buckets in working days, trend and weekly counts, deadlines, handovers, heatmap, team scope.

The simulated clock is moved; nothing is written into the database behind the engine's back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine import Staffel
from engine.execution.tasks import TaskQuery
from engine.supervision.dashboard_model import BUCKETS, bucket_of
from tests.conftest import DATA, ENGINE_DIAGRAMS, PERSON, START

DASH_DIAGRAMS = DATA / "dashboard"
US = timedelta(microseconds=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def open_engine(make_engine: Callable[..., Staffel], start: datetime = START) -> Staffel:
    eng = make_engine(clock_start=start)
    eng.definitions.deploy_directory(ENGINE_DIAGRAMS, actor="tester")
    eng.definitions.deploy_directory(DASH_DIAGRAMS, actor="tester")
    return eng


def basic(eng: Staffel, land: str = "NW") -> Any:
    """A case with an open sozialamt task (sla 3)."""
    return eng.cases.start(PERSON, land, "asylum", process_key="basic", actor="tester")


def jc(eng: Staffel) -> Any:
    """A case with an open jc_leistung task (sla 5) in the called process ``child``."""
    return eng.cases.start(PERSON, "NW", "resettlement", process_key="parent",
                          data={"decision_date": "2027-01-31"}, actor="tester")


def intake(eng: Staffel, lawsuit_on: str | None = None, permit_on: str | None = None,
           stage: str = "S2") -> Any:
    """An ``intake_flow`` case past registration: handover proposed, deadlines recorded."""
    case = eng.cases.start(PERSON, "NW", "asylum", process_key="intake_flow", actor="tester",
                          data={"stage": stage, "lawsuit_on": lawsuit_on,
                                "permit_reminder_on": permit_on})
    eng.tasks.complete(case.open_tasks[0].id, {}, actor="tester")
    return eng.cases.get(case.id)


def overdue_days(eng: Staffel, **kw: Any) -> dict[str, tuple[int, str]]:
    return {t.task_id: (t.days_overdue, t.bucket) for t in eng.supervision.overdue_tasks(**kw)}


@pytest.fixture
def dash(make_engine: Callable[..., Staffel]) -> Staffel:
    return open_engine(make_engine)


def test_buckets_are_working_day_ranges() -> None:
    assert [bucket_of(n) for n in (1, 2, 3, 5, 6, 10, 11, 40)] == [
        "1-2", "1-2", "3-5", "3-5", "6-10", "6-10", ">10", ">10"]
    assert BUCKETS == ("1-2", "3-5", "6-10", ">10")


@pytest.mark.parametrize(("created", "land", "due"), [
    pytest.param(utc(2027, 3, 1, 8), "NW", utc(2027, 3, 4, 23), id="mon+3=thu-cet"),
    pytest.param(utc(2027, 3, 1, 23, 30), "NW", utc(2027, 3, 5, 23), id="0030-berlin-is-tuesday"),
    pytest.param(utc(2027, 3, 24, 9), "NW", utc(2027, 3, 31, 22), id="karfreitag-ostermontag"),
    pytest.param(utc(2026, 4, 29, 9), "NW", utc(2026, 5, 5, 22), id="first-of-may-friday"),
    pytest.param(utc(2027, 5, 25, 9), "NW", utc(2027, 5, 31, 22), id="fronleichnam-nw"),
    pytest.param(utc(2027, 5, 25, 9), "BE", utc(2027, 5, 28, 22), id="no-fronleichnam-be"),
    pytest.param(utc(2027, 4, 29, 9), "NW", utc(2027, 5, 4, 22), id="first-of-may-saturday"),
])
def test_a_task_becomes_overdue_at_the_exact_instant(
        make_engine: Callable[..., Staffel], created: datetime, land: str,
        due: datetime) -> None:
    eng = open_engine(make_engine, created)
    task = basic(eng, land).open_tasks[0]
    assert task.due_at == due
    eng.clock.advance(to=due - US)
    assert eng.supervision.overdue_tasks() == []
    assert eng.tasks.list(TaskQuery(overdue=True)).total == 0
    assert eng.supervision.summary().overdue_total == 0
    eng.clock.advance(to=due)
    assert overdue_days(eng) == {task.id: (1, "1-2")}
    assert eng.tasks.info(task.id).overdue is True
    [late] = eng.supervision.overdue_tasks()
    last_day = (due - US).astimezone(ZoneInfo("Europe/Berlin")).date()
    assert (late.due_on, late.land, late.team) == (last_day, land, "sozialamt")


def test_age_buckets_count_working_days_over_easter(make_engine: Callable[..., Staffel]) -> None:
    eng = open_engine(make_engine, utc(2027, 3, 22, 8))  # Monday before Easter
    soz = basic(eng).open_tasks[0]  # due Thursday 25 March (3 working days)
    job = jc(eng).open_tasks[0]  # due Wednesday 31 March (5 working days, Easter skipped)
    assert (soz.due_at, job.due_at) == (utc(2027, 3, 25, 23), utc(2027, 3, 31, 22))
    checkpoints = [
        (utc(2027, 3, 25, 22, 59, 59), {}),
        (utc(2027, 3, 25, 23), {soz.id: (1, "1-2")}),  # Karfreitag 00:00: overdue since now
        (utc(2027, 3, 29, 12), {soz.id: (1, "1-2")}),  # Ostermontag: still 1
        (utc(2027, 3, 30, 12), {soz.id: (1, "1-2")}),  # first working day after the due day
        (utc(2027, 3, 31, 12), {soz.id: (2, "1-2")}),
        (utc(2027, 3, 31, 22), {soz.id: (3, "3-5"), job.id: (1, "1-2")}),  # 1 April, Berlin
        (utc(2027, 4, 8, 10), {soz.id: (8, "6-10"), job.id: (6, "6-10")}),
        (utc(2027, 4, 14, 10), {soz.id: (12, ">10"), job.id: (10, "6-10")}),
    ]
    for instant, expected in checkpoints:
        eng.clock.advance(to=instant)
        assert overdue_days(eng) == expected, instant
    summary = eng.supervision.summary()
    assert summary.buckets == {"1-2": 0, "3-5": 0, "6-10": 1, ">10": 1}
    assert {(g.key, g.total, g.counts[">10"], g.counts["6-10"]) for g in summary.by_team} == {
        ("sozialamt", 1, 1, 0), ("jc_leistung", 1, 0, 1)}
    assert {(g.process_key, g.key, g.title) for g in summary.by_task} == {
        ("basic", "Task_register", "Register person"),
        ("child", "Task_ack", "Acknowledge handover")}
    assert overdue_days(eng, min_days=11) == {soz.id: (12, ">10")}
    assert overdue_days(eng, team="jc_leistung") == {job.id: (10, "6-10")}
    assert overdue_days(eng, bucket="6-10") == {job.id: (10, "6-10")}
    assert overdue_days(eng, element_id="Task_register") == {soz.id: (12, ">10")}
    # most overdue first
    assert [t.task_id for t in eng.supervision.overdue_tasks()] == [soz.id, job.id]


def test_overdue_trend_and_weekly_cases(dash: Staffel) -> None:
    a = basic(dash).open_tasks[0]  # due end of Thu 4 March
    b = basic(dash).open_tasks[0]
    c = jc(dash).open_tasks[0]  # due end of Mon 8 March
    d = jc(dash)
    dash.clock.advance(to=utc(2027, 3, 9, 10))
    dash.tasks.complete(b.id, {"interpreter_needed": False}, actor="tester")
    dash.clock.advance(to=utc(2027, 3, 10, 10))
    dash.tasks.complete(d.open_tasks[0].id, {}, actor="tester")  # closes case d
    assert dash.cases.get(d.id).closed_at == utc(2027, 3, 10, 10)
    dash.clock.advance(to=utc(2027, 3, 16, 9))
    dash.tasks.complete(a.id, {"interpreter_needed": True}, actor="tester")
    dash.clock.advance(to=utc(2027, 3, 17, 12))
    summary = dash.supervision.summary()
    trend = summary.trend
    assert len(trend) == 12 and trend[0].week_start == date(2026, 12, 28)
    assert [(p.week_start, p.at, p.overdue) for p in trend[-3:]] == [
        (date(2027, 3, 1), utc(2027, 3, 7, 23), 2),  # a and b open and overdue, c not yet due
        (date(2027, 3, 8), utc(2027, 3, 14, 23), 2),  # b done; a and c overdue
        (date(2027, 3, 15), utc(2027, 3, 17, 12), 1),  # a done on Tuesday: c only (now)
    ]
    assert all(p.overdue == 0 for p in trend[:-3])
    assert [t.task_id for t in dash.supervision.overdue_tasks()] == [c.id]
    weeks = {w.week_start: (w.new, w.closed) for w in summary.weeks}
    assert len(weeks) == 12
    assert weeks[date(2027, 3, 1)] == (4, 0) and weeks[date(2027, 3, 8)] == (0, 1)
    assert sum(n for n, _c in weeks.values()) == 4
    stages = {s.stage: s.count for s in summary.stages}
    assert sum(stages.values()) == 3  # the closed case is not counted
    assert [n for _id, n, *_ in dash.supervision.cases(week=date(2027, 3, 8), kind="closed")] == [
        d.case_number]
    assert len(dash.supervision.cases(week=date(2027, 3, 1))) == 4


def test_legal_deadlines_of_the_next_14_days(dash: Staffel) -> None:
    soon = intake(dash, lawsuit_on="2027-03-01")  # today counts
    later = intake(dash, lawsuit_on="2027-03-15", permit_on="2027-03-10")
    too_late = intake(dash, lawsuit_on="2027-03-16")
    jc(dash)  # records sgb2_start only when its task is done; not watched anyway
    found = [(d.case_number, d.key, d.due_on, d.days_left)
             for d in dash.supervision.summary().deadlines]
    assert found == [
        (soon.case_number, "lawsuit_deadline", date(2027, 3, 1), 0),
        (later.case_number, "permit_renewal_reminder", date(2027, 3, 10), 9),
        (later.case_number, "lawsuit_deadline", date(2027, 3, 15), 14),
    ]
    assert too_late.deadlines["lawsuit_deadline"].date == date(2027, 3, 16)
    dash.clock.advance(to=utc(2027, 3, 2, 8))
    assert [d.case_number for d in dash.supervision.summary().deadlines] == [
        later.case_number, later.case_number, too_late.case_number]
    assert dash.supervision.summary(teams={"sozialamt"}).deadlines == []  # no task on them


def test_handovers_waiting_for_acknowledgment(dash: Staffel) -> None:
    case = intake(dash)
    [handover] = dash.supervision.summary().handovers
    assert (handover.case_number, handover.key, handover.from_team, handover.to_team) == (
        case.case_number, "ez_to_jc", "eingangszone", "jc_leistung")
    assert handover.ack_due_at == utc(2027, 3, 8, 23)  # 5 working days, end of Monday
    assert handover.overdue is False
    dash.clock.advance(to=utc(2027, 3, 8, 23))
    [handover] = dash.supervision.summary().handovers
    assert handover.overdue is True and handover.escalated_at is None
    assert dash.supervision.summary(teams={"jc_leistung"}).handovers == [handover]
    assert dash.supervision.summary(teams={"sozialamt"}).handovers == []
    ack = next(t for t in dash.cases.get(case.id).open_tasks if t.name == "Task_ack")
    dash.tasks.complete(ack.id, {}, actor="tester")
    assert dash.supervision.summary().handovers == []


def test_heatmap_and_team_scope(dash: Staffel) -> None:
    for _ in range(3):
        basic(dash)
    jc(dash)
    flow = intake(dash)
    dash.clock.advance(to=utc(2027, 3, 5, 12))  # basic tasks overdue, the others not yet
    cells = {(c.process_key, c.element_id): (c.open, c.overdue)
             for c in dash.supervision.summary().heatmap}
    assert cells == {("basic", "Task_register"): (3, 3), ("child", "Task_ack"): (1, 0),
                     ("intake_flow", "Task_ack"): (1, 0)}
    dash.clock.advance(to=utc(2027, 3, 9, 12))  # SLA timer: escalation to the Teamleitung
    summary = dash.supervision.summary()
    cells = {(c.process_key, c.element_id): (c.open, c.overdue) for c in summary.heatmap}
    assert cells[("intake_flow", "Esc_ack")] == (1, 0)
    assert cells[("intake_flow", "Task_ack")] == (1, 1)
    assert summary.overdue_total == 5
    soz = dash.supervision.summary(teams={"sozialamt"})
    assert soz.overdue_total == 3 and [g.key for g in soz.by_team] == ["sozialamt"]
    assert {(c.element_id, c.open) for c in soz.heatmap} == {("Task_register", 3)}
    assert sum(s.count for s in soz.stages) == 3  # cases the team has a task on
    lead = dash.supervision.summary(teams={"jc_leistung", "supervisor"})
    assert {c.element_id for c in lead.heatmap} == {"Task_ack", "Esc_ack"}
    assert {s.stage: s.count for s in lead.stages} == {
        dash.cases.get(flow.id).stage: 1, "S3e": 1}
    assert dash.supervision.summary(teams=set()).overdue_total == 0
