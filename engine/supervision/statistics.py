"""Aggregate statistics for export: open cases per stage, stage transitions per week and
overdue tasks per team. Counts only: no case ids, case numbers, names or usernames leave here.

* **Cases per stage** — open cases (not closed) per legal stage, every stage listed (0 too).
* **Transitions per week** — the ``stage_changed`` events of the audit trail (the one record
  of stage history: every change writes one, with ``old`` and ``new``), counted per week
  (Monday 00:00 Berlin) and (old → new) over the last ``weeks`` weeks including this one.
* **Overdue tasks per team** — open tasks whose ``due_at`` has passed (as on the dashboard),
  every team in scope listed (0 too).

``teams`` limits everything to the work of those teams, exactly as the supervisor dashboard
does (:mod:`engine.supervision.dashboard`); ``None`` means every team (administrators).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput
from engine.execution.effects import STAGES
from engine.law.teams import TEAM_KEYS
from engine.people.access import visible_to
from engine.persistence.models import AuditEvent, Case, HumanTask
from engine.states import HumanTaskState
from engine.supervision.dashboard import (
    berlin_day,
    berlin_midnight,
    stage_counts,
    week_start,
    week_starts,
)

MAX_WEEKS = 104


@dataclass(frozen=True)
class Transition:
    """How many cases moved from one stage to another in one week."""

    week: date
    old: str
    new: str
    count: int


@dataclass(frozen=True)
class StatisticsReport:
    """The aggregate numbers of one export (counts only)."""

    now: datetime
    today: date
    teams: frozenset[str] | None
    weeks: list[date]
    stages: list[tuple[str, int]]
    transitions: list[Transition]
    overdue_by_team: list[tuple[str, int]]


def check_weeks(weeks: Any) -> int:
    """The number of weeks of an export, 1 to :data:`MAX_WEEKS` (InvalidInput otherwise)."""
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise InvalidInput(f"weeks must be a whole number from 1 to {MAX_WEEKS}",
                           [{"field": "weeks", "message": f"must be 1 to {MAX_WEEKS}"}])
    return weeks


def cases_per_stage(session: Session, teams: Iterable[str] | None) -> list[tuple[str, int]]:
    """Open cases per stage, every stage listed in lifecycle order."""
    counts = {s.stage: s.count for s in stage_counts(session, teams)}
    return [(stage, counts.get(stage, 0)) for stage in STAGES]


def transitions_per_week(session: Session, now: datetime, teams: Iterable[str] | None,
                         weeks: int) -> tuple[list[date], list[Transition]]:
    """Stage changes per week and (old, new) from the audit trail, oldest week first."""
    starts = week_starts(now, weeks)
    stmt = select(AuditEvent.at, AuditEvent.details).where(
        AuditEvent.action == "stage_changed", AuditEvent.at >= berlin_midnight(starts[0]),
        AuditEvent.at <= now)
    if teams is not None:
        stmt = stmt.where(AuditEvent.case_id.in_(select(Case.id).where(visible_to(teams))))
    counts: Counter[tuple[date, str, str]] = Counter()
    for at, details in session.execute(stmt):
        if not isinstance(details, dict):
            continue
        old, new = str(details.get("old") or ""), str(details.get("new") or "")
        if new:
            counts[(week_start(berlin_day(at)), old, new)] += 1
    order = {stage: i for i, stage in enumerate(STAGES)}
    items = [Transition(w, old, new, n) for (w, old, new), n in counts.items()]
    items.sort(key=lambda t: (t.week, order.get(t.old, 99), order.get(t.new, 99), t.old, t.new))
    return starts, items


def overdue_per_team(session: Session, now: datetime,
                     teams: Iterable[str] | None) -> list[tuple[str, int]]:
    """Open overdue tasks per team; every team in scope listed, sorted by team key."""
    scope = sorted(TEAM_KEYS) if teams is None else sorted(set(teams))
    stmt = (select(HumanTask.team, func.count())
            .where(HumanTask.state == HumanTaskState.OPEN, HumanTask.due_at.is_not(None),
                   HumanTask.due_at <= now, HumanTask.team.in_(scope))
            .group_by(HumanTask.team))
    counts = {team: int(n) for team, n in session.execute(stmt)}
    return [(team, counts.get(team, 0)) for team in scope]


def statistics_report(session: Session, now: datetime, teams: Iterable[str] | None,
                      weeks: int) -> StatisticsReport:
    """Every number of the statistics export, read in one transaction."""
    team_set = None if teams is None else frozenset(teams)
    starts, transitions = transitions_per_week(session, now, team_set, weeks)
    return StatisticsReport(now=now, today=berlin_day(now), teams=team_set, weeks=starts,
                            stages=cases_per_stage(session, team_set), transitions=transitions,
                            overdue_by_team=overdue_per_team(session, now, team_set))
