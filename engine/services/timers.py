"""Time: firing due timers (what the schedulers call), the engine clock (simulated or system)
and moving the simulated clock, which fires every timer on the way in due order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from engine.errors import InvalidInput
from engine.execution import timers
from engine.execution.clock import SimulatedClock, ensure_aware
from engine.execution.position import case_position
from engine.execution.runtime import Run
from engine.execution.unit import UnitOfWork
from engine.model import CasePosition, FireReport
from engine.services.context import SYSTEM_ACTOR, EngineContext
from engine.states import TimerStatus

TIMER_ACTOR = "timer"


class TimerService:
    """``staffel.timers``: claim and fire due timers, each batch one transaction; each sweep
    also lets kept messages whose time ran out become tasks (``expire_kept``); ``pending``
    reads where a case waits."""

    def __init__(self, ctx: EngineContext, expire_kept: Callable[[], int] | None = None) -> None:
        self.ctx = ctx
        self.expire_kept = expire_kept

    def fire_due(self, limit: int = 200, batch: int = 20) -> FireReport:
        """Claim and fire every timer due at the engine time (up to ``limit``).

        Claimed timers are fired ``batch`` at a time in one transaction; if anything in a batch
        fails, that batch is rolled back and its timers are fired one by one, so one broken
        instance never blocks the others.
        """
        with self.ctx.unit(SYSTEM_ACTOR) as uow:
            ids = timers.claim_due(uow.session, uow.now, self.ctx.worker_id, limit,
                                   wall=self.ctx.wall_clock.now())
        outcomes: list[str] = []
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            try:
                with self.ctx.unit(TIMER_ACTOR) as uow:
                    outcomes.extend(self._fire_in(uow, timer_id) for timer_id in chunk)
            except Exception:  # any failure: the batch rolled back whole; retry one by one
                outcomes.extend(self._fire_one(timer_id) for timer_id in chunk)
        if self.expire_kept is not None:
            self.expire_kept()
        return FireReport(outcomes.count("fired"), outcomes.count("failed"),
                          outcomes.count("released"))

    def next_due(self, until: datetime | None = None) -> datetime | None:
        """When the earliest waiting timer is due (None: no timer waits)."""
        with self.ctx.db.read() as session:
            return timers.next_due(session, until=until)

    def pending(self, case_id: str) -> CasePosition:
        """Where a case is, read from its instances' state: the pending timers (with process
        key, element and due time) and beside them the waits for messages, the open user
        tasks and the call activities that run them (exactly those, not every call of the
        same process), plus the elements already completed per process. Reads only; an
        unknown case has an empty position."""
        with self.ctx.db.read() as session:
            return case_position(session, self.ctx.runtime, case_id)

    def _fire_in(self, uow: UnitOfWork, timer_id: int) -> str:
        found = timers.lock_claimed(uow.session, timer_id, self.ctx.worker_id)
        if found is None:
            return "skipped"
        row, instance = found
        # SpiffWorkflow fires when due < now; a timer due at T fires at T here.
        uow.clock = SimulatedClock(max(uow.now, row.due_at + timedelta(microseconds=1)))
        run: Run = self.ctx.runtime.load(uow, row.instance_id, instance)
        run.advance(lambda wf: wf.refresh_timers())
        run.save(firing=row)
        return "fired" if row.status == TimerStatus.FIRED else "released"

    def _fire_one(self, timer_id: int) -> str:
        try:
            with self.ctx.unit(TIMER_ACTOR) as uow:
                return self._fire_in(uow, timer_id)
        except Exception as exc:  # recorded on the timer row; a scheduler retries it later
            with self.ctx.unit(TIMER_ACTOR) as uow:
                timers.release(uow.session, timer_id, self.ctx.worker_id, str(exc)[:2000])
            return "failed"


class ClockService:
    """``staffel.clock``: the engine time, the clock mode, moving the simulated clock."""

    def __init__(self, ctx: EngineContext, timer_service: TimerService) -> None:
        self.ctx = ctx
        self.timers = timer_service

    def now(self) -> datetime:
        """The engine time."""
        return self.ctx.now()

    def mode(self) -> str:
        """``simulated`` or ``system`` (resolving ``auto`` against the database)."""
        with self.ctx.db.read() as session:
            self.ctx.time.resolve(session)
        return "simulated" if self.ctx.time.simulated else "system"

    @property
    def simulated(self) -> bool:
        """True when the clock only moves when told to."""
        return self.ctx.time.simulated

    def wall_now(self) -> datetime:
        """The wall-clock time (token expiry; never the simulated engine time)."""
        return self.ctx.wall_clock.now()

    def advance(self, *, to: datetime | None = None, by: timedelta | None = None,
                actor: str = SYSTEM_ACTOR) -> tuple[datetime, int]:
        """Move the simulated clock, firing every timer on the way in due order."""
        if (to is None and by is None) or (to is not None and by is not None):
            raise InvalidInput("give exactly one of 'to' and 'by'",
                               [{"field": "to", "message": "give 'to' or 'by'"}])
        current = self.now()
        target = current + by if by is not None else ensure_aware(to)  # type: ignore[arg-type]
        if target < current:
            raise InvalidInput("the simulated clock cannot go back",
                               [{"field": "to" if to else "by", "message": "lies in the past"}])
        fired = 0
        while True:
            due = self.timers.next_due(until=target)
            step_to = max(due, current) if due is not None else target
            with self.ctx.unit(actor) as uow:
                self.ctx.time.set(uow.session, step_to)
            current = step_to
            report = self.timers.fire_due(limit=500)
            fired += report.fired
            if due is None or report.fired == 0:
                break  # nothing more due, or what is due cannot fire now (retried by pollers)
        with self.ctx.unit(actor) as uow:
            uow.record("clock_advanced", to=target.isoformat(), fired=fired)
        return target, fired
