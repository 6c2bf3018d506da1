"""Plain data the supervisor dashboard queries of :mod:`engine.supervision.dashboard` return.

No personal data: case numbers, team keys, task titles, usernames of assignees and dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

#: Age buckets of overdue tasks, by working days overdue.
BUCKETS: tuple[str, ...] = ("1-2", "3-5", "6-10", ">10")
#: Legal deadlines the dashboard watches (keys of ``case_deadlines``).
DEADLINE_KEYS: tuple[str, ...] = ("lawsuit_deadline", "sgb2_application_deadline",
                                  "permit_renewal_reminder")
#: Age buckets of waits for outside events, by working days waited.
WAIT_BUCKETS: tuple[str, ...] = ("0-10", "11-20", "21-30", ">30")


def bucket_of(days_overdue: int) -> str:
    """The age bucket of a task overdue by this many working days (at least 1)."""
    if days_overdue <= 2:
        return "1-2"
    if days_overdue <= 5:
        return "3-5"
    if days_overdue <= 10:
        return "6-10"
    return ">10"


def wait_bucket_of(days: int) -> str:
    """The age bucket of a wait for an outside event of this many working days."""
    if days <= 10:
        return "0-10"
    if days <= 20:
        return "11-20"
    if days <= 30:
        return "21-30"
    return ">30"


@dataclass(frozen=True)
class OverdueTask:
    """One open overdue task."""

    task_id: str
    case_id: str
    case_number: str
    land: str
    process_key: str
    element_id: str
    title: str
    team: str
    assignee: str | None
    due_at: datetime
    due_on: date
    days_overdue: int
    bucket: str


@dataclass(frozen=True)
class OverdueGroup:
    """Overdue counts per age bucket of one team or one task type.

    ``key`` is the team key or the task's element id; ``title`` the team key or the task's
    title; ``process_key`` is empty for teams.
    """

    key: str
    title: str
    process_key: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """All overdue tasks of the group."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class WaitingHandover:
    """A warm handover proposed but not yet acknowledged by the receiving team."""

    case_id: str
    case_number: str
    key: str
    from_team: str
    to_team: str
    proposed_at: datetime
    ack_due_at: datetime
    overdue: bool
    escalated_at: datetime | None


@dataclass(frozen=True)
class UpcomingDeadline:
    """A legal deadline of an open case due soon."""

    case_id: str
    case_number: str
    key: str
    due_on: date
    days_left: int
    legal_basis: str
    land: str


@dataclass(frozen=True)
class StageCount:
    """Open cases in one stage."""

    stage: str
    count: int


@dataclass(frozen=True)
class WeekCount:
    """New and closed cases of one week (Monday to Sunday, Berlin)."""

    week_start: date
    new: int
    closed: int


@dataclass(frozen=True)
class TrendPoint:
    """Tasks open and overdue at the end of one week (``at``; now for the current week)."""

    week_start: date
    at: datetime
    overdue: int


@dataclass(frozen=True)
class HeatCell:
    """Open and overdue tasks waiting at one task element of one process."""

    process_key: str
    element_id: str
    title: str
    open: int
    overdue: int
    #: the call activities the tasks were called through, from the top process down, as
    #: ``process.element`` joined by ``/`` (None: a task of the top process, or from before
    #: migration 0017)
    call_path: str | None = None


@dataclass(frozen=True)
class WaitingCase:
    """An open case waiting for one message from outside (no personal data)."""

    case_id: str
    case_number: str
    stage: str
    land: str
    message: str
    label: str
    expected_team: str | None
    since: datetime
    since_on: date
    age_days: int
    bucket: str
    follow_up_due: datetime | None
    follow_up_overdue: bool


@dataclass(frozen=True)
class WaitGroup:
    """The cases waiting for one message, per age bucket, and how many follow-ups are late."""

    message: str
    label: str
    expected_team: str | None
    counts: dict[str, int]
    follow_up_overdue: int

    @property
    def total(self) -> int:
        """Every case waiting for the message."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class DashboardSummary:
    """Every number of the supervisor dashboard at one instant."""

    now: datetime
    today: date
    teams: frozenset[str] | None
    overdue_total: int
    buckets: dict[str, int]
    by_team: list[OverdueGroup]
    by_task: list[OverdueGroup]
    handovers: list[WaitingHandover]
    deadlines: list[UpcomingDeadline]
    stages: list[StageCount]
    weeks: list[WeekCount]
    trend: list[TrendPoint]
    heatmap: list[HeatCell]
    waits: list[WaitGroup] = field(default_factory=list)
