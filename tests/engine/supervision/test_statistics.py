"""Counts of the statistics export, engine.supervision.statistics: the ``weeks`` bounds, open
cases per stage, stage transitions per week from the audit trail, overdue tasks per team, and
the team scope, on real cases moved by the simulated clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine import Staffel
from engine.errors import InvalidInput
from engine.execution.effects import STAGES
from engine.law.teams import TEAM_KEYS
from engine.model import CaseInfo
from engine.supervision.statistics import (
    MAX_WEEKS,
    Transition,
    cases_per_stage,
    check_weeks,
    overdue_per_team,
    statistics_report,
    transitions_per_week,
)
from tests.conftest import PERSON, START

MONDAY = date(2027, 3, 1)  # START's week


@pytest.mark.parametrize("weeks", [1, 2, 12, MAX_WEEKS])
def test_weeks_within_bounds(weeks: int) -> None:
    assert check_weeks(weeks) == weeks


@pytest.mark.parametrize("weeks", [0, -1, MAX_WEEKS + 1, 1000, True, False, 4.0, "4", None,
                                   [4]])
def test_weeks_out_of_bounds_or_not_whole(weeks: object) -> None:
    with pytest.raises(InvalidInput, match="weeks must be a whole number from 1 to 104") as exc:
        check_weeks(weeks)
    assert exc.value.errors == [{"field": "weeks", "message": "must be 1 to 104"}]


@pytest.fixture
def world(engine: Staffel) -> dict[str, CaseInfo]:
    """open: a sozialamt task due Thu 4 March; closed: routed straight to S5 and closed (one
    stage change S1 -> S5, no task); jc: a jc_leistung task due Mon 8 March, stage S3e."""
    return {
        "open": engine.cases.start(PERSON, "NW", "asylum", process_key="basic"),
        "closed": engine.cases.start(PERSON, "NW", "asylum", process_key="parent",
                                     data={"decision_date": "2027-01-31"}),
        "jc": engine.cases.start(PERSON, "NW", "resettlement", process_key="parent",
                                 data={"decision_date": "2027-01-31"}),
    }


def test_open_cases_per_stage_list_every_stage(engine: Staffel,
                                               world: dict[str, CaseInfo]) -> None:
    assert engine.cases.get(world["closed"].id).closed_at == START
    with engine.db.read() as session:
        every = dict(cases_per_stage(session, None))
        scoped = dict(cases_per_stage(session, ["jc_leistung"]))
        nobody = dict(cases_per_stage(session, []))
    assert list(every) == list(STAGES)
    assert {s: n for s, n in every.items() if n} == {"S1": 1, "S3e": 1}  # closed: not counted
    assert {s: n for s, n in scoped.items() if n} == {"S3e": 1}
    assert set(nobody.values()) == {0} and len(nobody) == len(STAGES)


def test_transitions_per_week(engine: Staffel, world: dict[str, CaseInfo]) -> None:
    with engine.db.read() as session:
        weeks, items = transitions_per_week(session, START, None, 2)
        assert weeks == [MONDAY - timedelta(weeks=1), MONDAY]
        assert items == [Transition(MONDAY, "S1", "S5", 1)]
        # the team scope: only cases the teams have or had a task on
        assert transitions_per_week(session, START, ["jc_leistung"], 2)[1] == []
        # a week later, a one-week window no longer holds it
        later = START + timedelta(weeks=1)
        assert transitions_per_week(session, later, None, 1) == ([MONDAY + timedelta(weeks=1)],
                                                                 [])
        assert transitions_per_week(session, later, None, 2)[1] == items


def test_transitions_are_counted_and_ordered(engine: Staffel,
                                             world: dict[str, CaseInfo]) -> None:
    engine.clock.advance(by=timedelta(weeks=1))
    for _ in range(2):
        engine.cases.start(PERSON, "NW", "asylum", process_key="parent",
                           data={"decision_date": "2027-01-31"})
    with engine.db.read() as session:
        _weeks, items = transitions_per_week(session, engine.clock.now(), None, 3)
    assert items == [Transition(MONDAY, "S1", "S5", 1),
                     Transition(MONDAY + timedelta(weeks=1), "S1", "S5", 2)]


def test_overdue_per_team_lists_every_team_in_scope(engine: Staffel,
                                                    world: dict[str, CaseInfo]) -> None:
    due = world["open"].open_tasks[0].due_at
    assert due is not None
    with engine.db.read() as session:
        before = overdue_per_team(session, due - timedelta(microseconds=1), None)
        at_due = overdue_per_team(session, due, None)
        scoped = overdue_per_team(session, START + timedelta(days=30),
                                  ["sozialamt", "jc_leistung", "sozialamt"])
    assert [team for team, _n in at_due] == sorted(TEAM_KEYS)
    assert sum(n for _team, n in before) == 0
    assert {team: n for team, n in at_due if n} == {"sozialamt": 1}
    assert scoped == [("jc_leistung", 1), ("sozialamt", 1)]


def test_the_report_reads_everything_at_one_instant(engine: Staffel,
                                                    world: dict[str, CaseInfo]) -> None:
    now = START + timedelta(days=4)  # Friday 5 March, 08:00
    with engine.db.read() as session:
        report = statistics_report(session, now, ["sozialamt"], 1)
    assert (report.now, report.today, report.teams, report.weeks) == (
        now, date(2027, 3, 5), frozenset({"sozialamt"}), [MONDAY])
    assert {s: n for s, n in report.stages if n} == {"S1": 1}
    assert report.transitions == []  # the closed case never had a sozialamt task
    assert report.overdue_by_team == [("sozialamt", 1)]
