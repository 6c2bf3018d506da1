"""The engine's time source: the system clock, or a simulated clock persisted in the database.

In simulated mode every process (web workers, schedulers, the CLI) reads the same row of
``clock_state``, so moving the clock in one of them moves it for all.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from engine.errors import Conflict, InvalidInput
from engine.execution.clock import Clock, SimulatedClock, SystemClock, ensure_aware
from engine.persistence.models import ClockState

DEFAULT_SIMULATED_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class Timekeeper:
    """Tells the time for the engine; in simulated mode reads and moves the persisted clock."""

    def __init__(self, mode: str = "system", start: datetime | None = None) -> None:
        if mode not in ("system", "simulated", "auto"):
            raise InvalidInput(f"unknown clock mode {mode!r}", [
                {"field": "clock", "message": "use 'system', 'simulated' or 'auto'"}])
        self.mode = mode
        self.start = ensure_aware(start) if start else DEFAULT_SIMULATED_START

    @property
    def simulated(self) -> bool:
        """True when the clock only moves when told to."""
        return self.mode == "simulated"

    def resolve(self, session: Session) -> None:
        """In ``auto`` mode, use the simulated clock if the database has one, else the system's."""
        if self.mode == "auto":
            self.mode = "simulated" if session.get(ClockState, 1) is not None else "system"

    def now(self, session: Session) -> datetime:
        """Return the current engine time."""
        self.resolve(session)
        if not self.simulated:
            return datetime.now(UTC)
        row = session.get(ClockState, 1)
        return row.now if row is not None else self.start

    def clock(self, session: Session) -> Clock:
        """Return a clock object frozen at the current engine time (for SpiffWorkflow)."""
        self.resolve(session)
        if not self.simulated:
            return SystemClock()
        return SimulatedClock(self.now(session))

    def ensure_row(self, session: Session) -> None:
        """Create the persisted clock row if it is missing (simulated mode)."""
        if self.simulated and session.get(ClockState, 1) is None:
            session.add(ClockState(id=1, mode="simulated", now=self.start))
            session.flush()

    def set(self, session: Session, when: datetime) -> datetime:
        """Move the simulated clock to ``when`` (never backwards)."""
        self.resolve(session)
        if not self.simulated:
            raise Conflict("the clock can only be moved when the simulated clock is configured")
        when = ensure_aware(when)
        self.ensure_row(session)
        # Locked so that two processes moving the clock at once cannot move it backwards.
        row = session.get(ClockState, 1, with_for_update=True)
        if row is None:  # ensure_row just wrote it in this transaction
            raise Conflict("the simulated clock row is missing; run init-db")
        if when < row.now:
            raise InvalidInput(
                "the simulated clock cannot go back",
                [{"field": "to", "message": f"{when.isoformat()} is before {row.now.isoformat()}"}],
            )
        row.now = when
        return when
