"""``staffel.health``: what the administrators' health page shows besides the database state —
the scheduler's heartbeat per worker process and job, the timers due now and overdue, and the
last reminder run (issue 15, point 15).

Heartbeats: every scheduler writes one row per worker and job (``timers``, ``reminders``) with
the wall-clock time of its last run and what it did; a sweep that fired nothing writes at most
every :data:`BEAT_EVERY`, so a 1-second sweep does not cost a write per second. Rows of workers
silent for :data:`BEAT_KEEP` are dropped on the next write. No personal data anywhere here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.persistence.models import AuditEvent, HumanTask, Timer
from engine.persistence.security_models import SchedulerBeat
from engine.services.context import EngineContext
from engine.states import HumanTaskState, TimerStatus

#: a sweep that fired nothing writes its heartbeat at most this often
BEAT_EVERY = timedelta(seconds=30)
#: a job whose last run is older than this counts as not running
BEAT_STALE = {"timers": timedelta(minutes=2), "reminders": timedelta(minutes=5)}
#: heartbeats of workers silent this long are dropped
BEAT_KEEP = timedelta(days=7)
#: a timer due longer ago than this (engine time) and not fired is overdue
OVERDUE_AFTER = timedelta(minutes=5)
REMINDER_ACTIONS = ("reminder_sent", "reminder_undeliverable")
PENDING = (TimerStatus.WAITING, TimerStatus.CLAIMED)


@dataclass(frozen=True)
class SchedulerBeatInfo:
    """The last run of one scheduler job in one worker process."""

    worker_id: str
    job: str  # ``timers`` or ``reminders``
    beat_at: datetime  # wall clock
    count: int  # timers fired / reminders sent in that run
    stale: bool  # older than the job's limit: that scheduler seems to have stopped


@dataclass(frozen=True)
class TimerHealth:
    """Timers in numbers: waiting, due now (engine time), overdue, failed, the next due."""

    waiting: int
    due_now: int
    overdue: int
    failed: int
    next_due: datetime | None


@dataclass(frozen=True)
class SystemHealth:
    """The health page's figures (the database state comes from ``database_state()``)."""

    now: datetime  # engine time
    wall_now: datetime
    mode: str  # ``simulated`` or ``system``
    timers: TimerHealth
    beats: tuple[SchedulerBeatInfo, ...]
    last_reminder_at: datetime | None  # engine time of the newest reminder audit event
    reminders_sent_total: int


@dataclass(frozen=True)
class OperationalFigures:
    """What ``/metrics`` reports from the database at each scrape (one query per figure)."""

    timers_due: int  # waiting or claimed, due at the engine time
    timers_overdue: int  # due longer ago than OVERDUE_AFTER
    overdue_tasks: dict[str, int]  # open human tasks past their due time, per team
    beat_ages: dict[tuple[str, str], float]  # (worker, job) -> seconds since its last beat


class HealthService:
    """``staffel.health``: heartbeats in, the health figures out."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self._written: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def beat(self, job: str, count: int = 0) -> None:
        """Record that this process's scheduler ran ``job`` now and did ``count`` things."""
        now = self.ctx.wall_clock.now()
        with self._lock:
            last = self._written.get(job)
            if count == 0 and last is not None and now - last < BEAT_EVERY:
                return
            self._written[job] = now
        worker = self.ctx.worker_id[:200]
        with self.ctx.db.write() as session:
            session.execute(delete(SchedulerBeat).where(SchedulerBeat.beat_at < now - BEAT_KEEP))
            row = session.scalars(select(SchedulerBeat).where(
                SchedulerBeat.worker_id == worker, SchedulerBeat.job == job)).one_or_none()
            if row is None:
                session.add(SchedulerBeat(worker_id=worker, job=job, beat_at=now, count=count))
            else:
                row.beat_at, row.count = now, count

    def report(self) -> SystemHealth:
        """Engine time and mode, timers, heartbeats and the last reminder run."""
        wall = self.ctx.wall_clock.now()
        with self.ctx.db.read() as session:
            self.ctx.time.resolve(session)
            now = self.ctx.time.now(session)
            beats = tuple(
                SchedulerBeatInfo(b.worker_id, b.job, b.beat_at, b.count,
                                  wall - b.beat_at > BEAT_STALE.get(b.job, BEAT_EVERY * 4))
                for b in session.scalars(select(SchedulerBeat)
                                         .order_by(SchedulerBeat.job, SchedulerBeat.worker_id)))
            last = session.execute(select(func.max(AuditEvent.at), func.count())
                                   .where(AuditEvent.action == "reminder_sent")).one()
            latest_any = session.scalar(select(func.max(AuditEvent.at))
                                        .where(AuditEvent.action.in_(REMINDER_ACTIONS)))
            return SystemHealth(now, wall, "simulated" if self.ctx.time.simulated else "system",
                                timer_health(session, now), beats, latest_any or last[0],
                                int(last[1] or 0))


    def figures(self) -> OperationalFigures:
        """Due and overdue timers, overdue tasks per team and the heartbeats' ages."""
        wall = self.ctx.wall_clock.now()
        with self.ctx.db.read() as session:
            self.ctx.time.resolve(session)
            now = self.ctx.time.now(session)
            pending = Timer.status.in_(PENDING)
            due, overdue = session.execute(select(
                func.count().filter(Timer.due_at <= now),
                func.count().filter(Timer.due_at <= now - OVERDUE_AFTER),
            ).where(pending)).one()
            by_team = session.execute(
                select(HumanTask.team, func.count())
                .where(HumanTask.state == HumanTaskState.OPEN, HumanTask.due_at <= now)
                .group_by(HumanTask.team)).all()
            beats = session.execute(select(SchedulerBeat.worker_id, SchedulerBeat.job,
                                           SchedulerBeat.beat_at)).all()
        return OperationalFigures(
            int(due or 0), int(overdue or 0), {str(t): int(n) for t, n in by_team},
            {(str(w), str(j)): max(0.0, (wall - at).total_seconds()) for w, j, at in beats})

    def timer_beat(self) -> tuple[float | None, bool]:
        """Seconds since any scheduler last ran the timer sweep (None: none ever did) and
        whether that is too long ago (:data:`BEAT_STALE`; never having run counts as stale)."""
        with self.ctx.db.read() as session:
            newest = session.scalar(select(func.max(SchedulerBeat.beat_at))
                                    .where(SchedulerBeat.job == "timers"))
        if newest is None:
            return None, True
        age = max(0.0, (self.ctx.wall_clock.now() - newest).total_seconds())
        return age, age > BEAT_STALE["timers"].total_seconds()


def timer_health(session: Session, now: datetime) -> TimerHealth:
    """Count the timers by what they wait for (``now`` is engine time)."""
    def count(*where: object) -> int:
        return int(session.scalar(select(func.count()).select_from(Timer)
                                  .where(*where)) or 0)  # type: ignore[arg-type]

    pending = Timer.status.in_(PENDING)
    return TimerHealth(
        waiting=count(pending),
        due_now=count(pending, Timer.due_at <= now),
        overdue=count(pending, Timer.due_at <= now - OVERDUE_AFTER),
        failed=count(Timer.status == TimerStatus.FAILED),
        next_due=session.scalar(select(func.min(Timer.due_at)).where(pending)))
