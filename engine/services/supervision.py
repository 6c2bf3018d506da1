"""What supervisors watch: overdue work by team and age, the dashboard's numbers, the cases
behind a count, the cases waiting for outside events, the statistics export, and the overdue
reminders the schedulers send.

``teams=None`` means every team (administrators); the web layer passes a supervisor's teams
(authorization stays in ``web/``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

from engine.services.context import EngineContext
from engine.supervision import reminders
from engine.supervision.dashboard import (
    berlin_day,
    cases_list,
    group_overdue,
    heatmap,
    overdue_tasks,
    overdue_trend,
    stage_counts,
    upcoming_deadlines,
    waiting_handovers,
    weekly_cases,
)
from engine.supervision.dashboard_model import (
    BUCKETS,
    DashboardSummary,
    OverdueTask,
    WaitingCase,
)
from engine.supervision.reminders import ReminderReport
from engine.supervision.stalled import StalledCase, stalled_cases
from engine.supervision.statistics import StatisticsReport, check_weeks, statistics_report
from engine.supervision.waits import group_waits, waiting_cases

REMINDER_ACTOR = "reminder"


class SupervisionService:
    """``staffel.supervision``: one method, one transaction."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def overdue_tasks(self, teams: Iterable[str] | None = None, *, team: str | None = None,
                      element_id: str | None = None, process_key: str | None = None,
                      bucket: str | None = None, min_days: int = 1) -> list[OverdueTask]:
        """Open overdue tasks of ``teams``, most days overdue first."""
        with self.ctx.db.read() as session:
            return overdue_tasks(session, self.ctx.time.now(session), teams, team=team,
                                 element_id=element_id, process_key=process_key,
                                 bucket=bucket, min_days=min_days)

    def summary(self, teams: Iterable[str] | None = None) -> DashboardSummary:
        """Every number of the supervisor dashboard, read in one transaction."""
        team_set = None if teams is None else frozenset(teams)
        rules = self.ctx.rules
        with self.ctx.db.read() as session:
            now = self.ctx.time.now(session)
            late = overdue_tasks(session, now, team_set)
            buckets = Counter(t.bucket for t in late)
            return DashboardSummary(
                now=now, today=berlin_day(now), teams=team_set, overdue_total=len(late),
                buckets={b: buckets[b] for b in BUCKETS},
                by_team=group_overdue(late, "team"), by_task=group_overdue(late, "task"),
                handovers=waiting_handovers(session, now, rules, team_set),
                deadlines=upcoming_deadlines(session, berlin_day(now), team_set),
                stages=stage_counts(session, team_set),
                weeks=weekly_cases(session, now, team_set),
                trend=overdue_trend(session, now, team_set),
                heatmap=heatmap(session, now, team_set),
                waits=group_waits(waiting_cases(session, now, self.ctx.outside_events,
                                                team_set), self.ctx.outside_events))

    def waits(self, teams: Iterable[str] | None = None, *, message: str | None = None,
              bucket: str | None = None, follow_up_overdue: bool = False) -> list[WaitingCase]:
        """Open cases of ``teams`` waiting for outside events, longest wait first (filters:
        message name, age bucket, only those whose follow-up is overdue)."""
        with self.ctx.db.read() as session:
            return waiting_cases(session, self.ctx.time.now(session), self.ctx.outside_events,
                                 teams, message=message, bucket=bucket,
                                 follow_up_overdue=follow_up_overdue)

    def cases(self, teams: Iterable[str] | None = None, *, stage: str | None = None,
              week: date | None = None,
              kind: str = "new") -> list[tuple[str, str, str, datetime, datetime | None]]:
        """The cases behind a stage count or a weekly count."""
        with self.ctx.db.read() as session:
            return cases_list(session, self.ctx.time.now(session), teams, stage=stage,
                              week=week, kind=kind)

    def stalled(self, teams: Iterable[str] | None = None,
                limit: int = 500) -> list[StalledCase]:
        """Running cases nothing will move: no open task, no pending timer (the goal: none)."""
        with self.ctx.db.read() as session:
            return stalled_cases(session, teams, limit)

    def statistics(self, teams: Iterable[str] | None = None,
                   weeks: int = 12) -> StatisticsReport:
        """Counts per stage, transitions per week and overdue tasks per team (no personal data)."""
        check_weeks(weeks)
        with self.ctx.db.read() as session:
            return statistics_report(session, self.ctx.time.now(session), teams, weeks)

    def send_reminders(self, limit: int = 200) -> ReminderReport:
        """Notify about every overdue task and handover acknowledgment not yet reminded.

        Without a notifier nothing is claimed (so a process without one never swallows
        reminders). Safe to call from any number of schedulers at once: the claim is written
        before sending, and a failed delivery gives the claim back for the next sweep.
        """
        notifier = self.ctx.notifier
        if notifier is None:
            return ReminderReport()
        with self.ctx.unit(REMINDER_ACTOR) as uow:
            claimed_at = uow.now
            items = reminders.claim_task_reminders(uow.session, uow.now, limit)
            items += reminders.claim_handover_reminders(uow.session, uow.now, self.ctx.rules,
                                                        max(0, limit - len(items)))
        if not items:
            return ReminderReport()
        # Sent outside any transaction: a slow mail server never holds the write lock.
        outcomes = [reminders.deliver(notifier, item) for item in items]
        with self.ctx.unit(REMINDER_ACTOR) as uow:
            for item, outcome in zip(items, outcomes, strict=True):
                if outcome == "retry":
                    reminders.release(uow.session, item, claimed_at)
                    continue
                note = item.notification
                uow.record("reminder_sent" if outcome == "sent" else "reminder_undeliverable",
                           case_id=item.case_id, task_id=item.task_id, kind=note.kind,
                           ref=note.ref, recipient=note.recipient)
        return ReminderReport(outcomes.count("sent"), outcomes.count("retry"),
                              outcomes.count("undeliverable"))
