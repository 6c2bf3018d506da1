"""Supervisor dashboard: read-only queries over the task projection, cases, deadlines and
handovers (SQLite and PostgreSQL alike); ``staffel.supervision`` calls them.

Definitions (shown on the dashboard, relied upon by the tests):

* A task is **overdue** from its ``due_at`` on (the midnight after its last day, Berlin), as in
  :attr:`engine.model.TaskInfo.overdue`.
* **Days overdue** are the working days of the case's Land after the due day up to today
  (Berlin), at least 1: a task due on Thursday is 1 day overdue on Friday, and still on the
  Saturday, Sunday and a holiday Monday; 2 on Tuesday. The **age bucket** is one of
  :data:`BUCKETS` by days overdue.
* The **overdue trend** counts, at the end of each of the last 12 weeks (Monday 00:00 Berlin;
  for the current week: now), the tasks that were open at that instant and overdue:
  ``created_at <= t < completed_at`` (or still open) and ``due_at <= t``.
* **Weeks** start on Monday (Berlin). New and closed cases per week count ``created_at`` and
  ``closed_at``.

Every query takes ``teams``: ``None`` means every team (administrators), otherwise only the
work of those teams (a supervisor's teams) is counted; cases and deadlines are those of cases
one of the teams has or had a task on (:func:`engine.people.access.visible_to`).
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from engine.law import calendar
from engine.law.lands import BERLIN
from engine.law.rules import LegalRules
from engine.people.access import visible_to
from engine.persistence.models import Case, CaseDeadline, Handover, HumanTask
from engine.states import HandoverState, HumanTaskState
from engine.supervision.dashboard_model import (
    BUCKETS,
    DEADLINE_KEYS,
    HeatCell,
    OverdueGroup,
    OverdueTask,
    StageCount,
    TrendPoint,
    UpcomingDeadline,
    WaitingHandover,
    WeekCount,
    bucket_of,
)
from engine.supervision.reminders import handover_ack_due

WEEKS = 12
DEADLINE_DAYS = 14


def berlin_day(instant: datetime) -> date:
    """The calendar day of an instant in Berlin."""
    return instant.astimezone(BERLIN).date()


def due_day(due_at: datetime) -> date:
    """The last day of a task whose ``due_at`` is the midnight after it (Berlin)."""
    return berlin_day(due_at - timedelta(microseconds=1))


def week_start(day: date) -> date:
    """The Monday of the week of ``day``."""
    return day - timedelta(days=day.weekday())


def berlin_midnight(day: date) -> datetime:
    """00:00 of ``day`` in Berlin, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=BERLIN)


def _task_scope(teams: Iterable[str] | None) -> ColumnElement[bool]:
    return true() if teams is None else HumanTask.team.in_(sorted(teams))


def _case_scope(teams: Iterable[str] | None) -> ColumnElement[bool]:
    return true() if teams is None else visible_to(teams)


@functools.lru_cache(maxsize=8192)
def days_overdue(due: date, today: date, land: str) -> int:
    """Working days overdue of a task whose last day was ``due`` (at least 1); cached, since
    many tasks share a due day and a Land."""
    return max(1, calendar.working_days_between(due, today, land))


# -- overdue tasks -------------------------------------------------------------------------------
def overdue_tasks(session: Session, now: datetime, teams: Iterable[str] | None = None, *,
                  team: str | None = None, element_id: str | None = None,
                  process_key: str | None = None, bucket: str | None = None,
                  min_days: int = 1) -> list[OverdueTask]:
    """Open overdue tasks, most days overdue first, filtered by team, task type (element id,
    optionally of one process), age bucket and minimum working days overdue."""
    stmt = (select(HumanTask, Case.case_number, Case.land)
            .join(Case, Case.id == HumanTask.case_id)
            .where(HumanTask.state == HumanTaskState.OPEN, HumanTask.due_at.is_not(None),
                   HumanTask.due_at <= now, _task_scope(teams)))
    if team:
        stmt = stmt.where(HumanTask.team == team)
    if element_id:
        stmt = stmt.where(HumanTask.element_id == element_id)
    if process_key:
        stmt = stmt.where(HumanTask.process_key == process_key)
    today = berlin_day(now)
    found = []
    for row, number, land in session.execute(stmt.order_by(HumanTask.due_at, HumanTask.id)):
        if row.due_at is None:  # the query asks for due_at <= now; SQL NULL never matches
            continue
        last_day = due_day(row.due_at)
        n = days_overdue(last_day, today, land)
        if n < min_days or (bucket and bucket_of(n) != bucket):
            continue
        found.append(OverdueTask(row.id, row.case_id, number, land, row.process_key,
                                 row.element_id, row.title, row.team, row.assignee, row.due_at,
                                 last_day, n, bucket_of(n)))
    found.sort(key=lambda t: (-t.days_overdue, t.due_at, t.case_number))
    return found


def group_overdue(items: Iterable[OverdueTask], by: str) -> list[OverdueGroup]:
    """Bucket counts per team (``by="team"``) or per task type (``by="task"``)."""
    counts: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for t in items:
        key = (t.team, t.team, "") if by == "team" else (t.element_id, t.title, t.process_key)
        counts[key][t.bucket] += 1
    groups = [OverdueGroup(key, title, process_key, {b: c[b] for b in BUCKETS})
              for (key, title, process_key), c in counts.items()]
    groups.sort(key=lambda g: (-g.total, g.title.casefold()))
    return groups


# -- handovers and deadlines -----------------------------------------------------------------------
def waiting_handovers(session: Session, now: datetime, rules: LegalRules,
                      teams: Iterable[str] | None = None) -> list[WaitingHandover]:
    """Handovers proposed but not yet acknowledged, overdue ones first."""
    stmt = (select(Handover, Case.case_number, Case.land)
            .join(Case, Case.id == Handover.case_id)
            .where(Handover.state == HandoverState.PROPOSED))
    if teams is not None:
        team_list = sorted(teams)
        stmt = stmt.where(or_(Handover.from_team.in_(team_list), Handover.to_team.in_(team_list)))
    items = []
    for row, number, land in session.execute(stmt):
        due = handover_ack_due(row, land, rules)
        items.append(WaitingHandover(row.case_id, number, row.key, row.from_team, row.to_team,
                                     row.proposed_at, due, due <= now, row.escalated_at))
    items.sort(key=lambda h: (h.ack_due_at, h.case_number))
    return items


def upcoming_deadlines(session: Session, today: date, teams: Iterable[str] | None = None,
                       days: int = DEADLINE_DAYS) -> list[UpcomingDeadline]:
    """Legal deadlines of open cases due from today up to ``days`` days ahead, soonest first."""
    stmt = (select(CaseDeadline, Case.case_number).join(Case, Case.id == CaseDeadline.case_id)
            .where(CaseDeadline.key.in_(DEADLINE_KEYS), CaseDeadline.due_on >= today,
                   CaseDeadline.due_on <= today + timedelta(days=days),
                   Case.closed_at.is_(None), _case_scope(teams))
            .order_by(CaseDeadline.due_on, Case.case_number, CaseDeadline.key))
    return [UpcomingDeadline(d.case_id, number, d.key, d.due_on, (d.due_on - today).days,
                             d.legal_basis, d.land)
            for d, number in session.execute(stmt)]


# -- cases --------------------------------------------------------------------------------------
def stage_counts(session: Session, teams: Iterable[str] | None = None) -> list[StageCount]:
    """Open cases per stage, in stage order."""
    stmt = (select(Case.stage, func.count()).where(Case.closed_at.is_(None), _case_scope(teams))
            .group_by(Case.stage).order_by(Case.stage))
    return [StageCount(stage, count) for stage, count in session.execute(stmt)]


def week_starts(now: datetime, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, the current one last."""
    current = week_start(berlin_day(now))
    return [current - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def weekly_cases(session: Session, now: datetime, teams: Iterable[str] | None = None,
                 weeks: int = WEEKS) -> list[WeekCount]:
    """New and closed cases per week of the last ``weeks`` weeks."""
    starts = week_starts(now, weeks)
    since = berlin_midnight(starts[0])
    scope = _case_scope(teams)
    new = Counter(week_start(berlin_day(at)) for at in session.scalars(
        select(Case.created_at).where(Case.created_at >= since, Case.created_at <= now, scope)))
    closed = Counter(week_start(berlin_day(at)) for at in session.scalars(
        select(Case.closed_at).where(Case.closed_at >= since, Case.closed_at <= now, scope))
        if at is not None)
    return [WeekCount(w, new[w], closed[w]) for w in starts]


def overdue_trend(session: Session, now: datetime, teams: Iterable[str] | None = None,
                  weeks: int = WEEKS) -> list[TrendPoint]:
    """Tasks open and overdue at the end of each of the last ``weeks`` weeks (one statement)."""
    starts = week_starts(now, weeks)
    ends = [min(berlin_midnight(w + timedelta(days=7)), now).astimezone(UTC) for w in starts]
    columns = [func.coalesce(func.sum(case((and_(
        HumanTask.created_at <= t, HumanTask.due_at <= t,
        or_(HumanTask.completed_at.is_(None), HumanTask.completed_at > t)), 1), else_=0)), 0)
        .label(f"w{i}") for i, t in enumerate(ends)]
    earliest = berlin_midnight(starts[0])
    row = session.execute(select(*columns).where(
        HumanTask.due_at.is_not(None), HumanTask.due_at <= now, _task_scope(teams),
        or_(HumanTask.completed_at.is_(None), HumanTask.completed_at > earliest))).one()
    return [TrendPoint(w, t, int(row[i] or 0)) for i, (w, t) in enumerate(zip(starts, ends,
                                                                               strict=True))]


def heatmap(session: Session, now: datetime,
            teams: Iterable[str] | None = None) -> list[HeatCell]:
    """Open and overdue task counts per (process key, element id, call path)."""
    overdue = func.sum(case((and_(HumanTask.due_at.is_not(None), HumanTask.due_at <= now), 1),
                            else_=0))
    stmt = (select(HumanTask.process_key, HumanTask.element_id, HumanTask.call_path,
                   func.max(HumanTask.title), func.count(), overdue)
            .where(HumanTask.state == HumanTaskState.OPEN, _task_scope(teams))
            .group_by(HumanTask.process_key, HumanTask.element_id, HumanTask.call_path)
            .order_by(HumanTask.process_key, HumanTask.element_id, HumanTask.call_path))
    return [HeatCell(key, element, title, int(n), int(late or 0), path)
            for key, element, path, title, n, late in session.execute(stmt)]


def cases_list(session: Session, now: datetime, teams: Iterable[str] | None = None, *,
               stage: str | None = None, week: date | None = None,
               kind: str = "new", limit: int = 500) -> list[tuple[str, str, str, datetime,
                                                                  datetime | None]]:
    """Cases behind a dashboard number: open cases of a stage, or new / closed in a week.

    Returns (case id, case number, stage, created_at, closed_at), no personal data.
    """
    stmt = select(Case.id, Case.case_number, Case.stage, Case.created_at,
                  Case.closed_at).where(_case_scope(teams))
    if stage:
        stmt = stmt.where(Case.stage == stage, Case.closed_at.is_(None))
    if week is not None:
        start, end = berlin_midnight(week), berlin_midnight(week + timedelta(days=7))
        column = Case.closed_at if kind == "closed" else Case.created_at
        stmt = stmt.where(column >= start, column < end, column <= now)
    rows = session.execute(stmt.order_by(Case.created_at.desc(), Case.id).limit(limit))
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
