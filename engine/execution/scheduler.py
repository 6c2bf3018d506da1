"""APScheduler wiring only: keep calling the timer service's ``fire_due`` on time.

Two jobs per scheduler: an exact ``date`` job at the next due timer (re-planned after every
sweep), and a short ``interval`` sweep as a safety net for timers created by other processes.
Any number of schedulers may run against one database (each in its own process, each with its
own in-memory job store): the timer rows and their claims make sure a timer fires once.
A third job, when a reminder sender is given, sends the overdue reminders every minute (its
claims make them go out once). A fourth job, when a retention runner is given, runs the
retention and erasure once a day (``RETENTION_SECONDS``; each case is erased in its own
transaction and skipped when erased already, so several schedulers do no harm).

Everything it calls is handed in (:class:`SchedulerHooks`), so this module knows nothing of the
façade that starts it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from engine.model import FireReport

log = logging.getLogger("staffel.scheduler")
SWEEP_SECONDS = 1.0
REMIND_SECONDS = 60.0
RETENTION_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class SchedulerHooks:
    """What the scheduler calls: fire due timers, tell the next due time, send reminders."""

    fire_due: Callable[[int], FireReport]  # (limit) -> what happened
    next_due: Callable[[], datetime | None]
    # a simulated clock never plans exact jobs: time moves only when told (asked each time:
    # an 'auto' clock knows its mode only once it has read the database)
    simulated: Callable[[], bool]
    send_reminders: Callable[[], int] | None = None  # None: this process sends none
    retention: Callable[[], int] | None = None  # the daily retention run (cases erased)
    # (job, count): "this process ran ``timers``/``reminders`` now" (the health page's view)
    heartbeat: Callable[[str, int], None] | None = None


class TimerScheduler:
    """Fires due timers of one engine from a background thread."""

    def __init__(self, hooks: SchedulerHooks, sweep_seconds: float = SWEEP_SECONDS,
                 remind_seconds: float = REMIND_SECONDS,
                 retention_seconds: float = RETENTION_SECONDS) -> None:
        self.hooks = hooks
        self.sweep_seconds = sweep_seconds
        self.remind_seconds = remind_seconds
        self.retention_seconds = retention_seconds
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._lock = threading.Lock()
        # set by shutdown: a sweep through a long backlog stops after its current batch
        self._stopping = threading.Event()

    def start(self) -> None:
        """Start the sweep and plan the first exact job."""
        self._scheduler.add_job(self.sweep, "interval", seconds=self.sweep_seconds,
                                id="sweep", max_instances=1, coalesce=True)
        if self.hooks.send_reminders is not None:
            self._scheduler.add_job(self.remind, "interval", seconds=self.remind_seconds,
                                    id="reminders", max_instances=1, coalesce=True)
        if self.hooks.retention is not None:
            self._scheduler.add_job(self.retain, "interval", seconds=self.retention_seconds,
                                    id="retention", max_instances=1, coalesce=True)
        self._scheduler.start()
        self.plan_next()

    def shutdown(self) -> None:
        """Stop the scheduler thread (a running sweep ends after the batch it fires)."""
        self._stopping.set()
        self._scheduler.shutdown(wait=False)

    def sweep(self) -> int:
        """Fire everything due now (in batches) and plan the next exact job."""
        fired = 0
        with self._lock:
            try:
                while True:
                    report = self.hooks.fire_due(200)
                    fired += report.fired
                    if (report.fired + report.failed + report.released < 200
                            or self._stopping.is_set()):
                        break
            except Exception:  # never let the thread die; the next sweep retries
                log.exception("timer sweep failed; retrying at the next sweep")
            else:
                self._beat("timers", fired)
        self.plan_next()
        return fired

    def remind(self) -> int:
        """Send the overdue reminders that are due; returns how many were sent."""
        try:
            sent = self.hooks.send_reminders() if self.hooks.send_reminders else 0
        except Exception:  # logged; the next interval tries again
            log.exception("reminder sweep failed; retrying at the next one")
            return 0
        self._beat("reminders", sent)
        return sent

    def _beat(self, job: str, count: int) -> None:
        """Tell the heartbeat hook that ``job`` ran (its failure never stops the scheduler)."""
        if self.hooks.heartbeat is None:
            return
        try:
            self.hooks.heartbeat(job, count)
        except Exception:  # e.g. the database restarting; the next run writes it
            log.warning("could not write the scheduler's heartbeat", exc_info=True)

    def retain(self) -> int:
        """Run the retention (erase what its periods make due); how many cases it erased."""
        try:
            return self.hooks.retention() if self.hooks.retention else 0
        except Exception:  # logged; tomorrow's run tries again
            log.exception("retention run failed; retrying at the next one")
            return 0

    def plan_next(self) -> None:
        """Schedule an exact job at the earliest waiting timer (system clock only)."""
        if self.hooks.simulated():
            return
        try:
            due = self.hooks.next_due()
        except Exception:  # e.g. the database restarting; the 1 s sweep keeps firing
            log.exception("could not read the next due timer")
            return
        if due is None:
            return
        when = max(due, datetime.now(UTC) + timedelta(milliseconds=5))
        self._scheduler.add_job(self.sweep, "date", run_date=when, id="next-due",
                                replace_existing=True, misfire_grace_time=None)
