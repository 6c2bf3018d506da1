"""APScheduler wiring only: keep calling :meth:`engine.api.Staffel.fire_due` on time.

Two jobs per scheduler: an exact ``date`` job at the next due timer (re-planned after every
sweep), and a short ``interval`` sweep as a safety net for timers created by other processes.
Any number of schedulers may run against one database (each in its own process, each with its
own in-memory job store): the timer rows and their claims make sure a timer fires once.
A third job, when the engine has a notifier, sends the overdue reminders every minute
(:meth:`engine.supervision.reminders.ReminderMixin.send_reminders`; its claims make them go out once).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler

from engine.execution import timers

if TYPE_CHECKING:
    from engine.api import Staffel

log = logging.getLogger("staffel.scheduler")
SWEEP_SECONDS = 1.0
REMIND_SECONDS = 60.0


class TimerScheduler:
    """Fires due timers of one engine from a background thread."""

    def __init__(self, engine: Staffel, sweep_seconds: float = SWEEP_SECONDS,
                 remind_seconds: float = REMIND_SECONDS) -> None:
        self.engine = engine
        self.sweep_seconds = sweep_seconds
        self.remind_seconds = remind_seconds
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the sweep and plan the first exact job."""
        self._scheduler.add_job(self.sweep, "interval", seconds=self.sweep_seconds,
                                id="sweep", max_instances=1, coalesce=True)
        if self.engine.notifier is not None:
            self._scheduler.add_job(self.remind, "interval", seconds=self.remind_seconds,
                                    id="reminders", max_instances=1, coalesce=True)
        self._scheduler.start()
        self.plan_next()

    def shutdown(self) -> None:
        """Stop the scheduler thread."""
        self._scheduler.shutdown(wait=False)

    def sweep(self) -> int:
        """Fire everything due now (in batches) and plan the next exact job."""
        fired = 0
        with self._lock:
            try:
                while True:
                    report = self.engine.fire_due(limit=200)
                    fired += report.fired
                    if report.fired + report.failed + report.released < 200:
                        break
            except Exception:
                log.exception("timer sweep failed; retrying at the next sweep")
        self.plan_next()
        return fired

    def remind(self) -> int:
        """Send the overdue reminders that are due; returns how many were sent."""
        try:
            return self.engine.send_reminders().sent
        except Exception:
            log.exception("reminder sweep failed; retrying at the next one")
            return 0

    def plan_next(self) -> None:
        """Schedule an exact job at the earliest waiting timer (system clock only)."""
        if self.engine.time.simulated:
            return
        try:
            with self.engine.db.read() as session:
                due = timers.next_due(session)
        except Exception:
            log.exception("could not read the next due timer")
            return
        if due is None:
            return
        when = max(due, datetime.now(UTC) + timedelta(milliseconds=5))
        self._scheduler.add_job(self.sweep, "date", run_date=when, id="next-due",
                                replace_existing=True, misfire_grace_time=None)
