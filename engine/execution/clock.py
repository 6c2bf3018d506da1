"""One injectable clock for everything, SpiffWorkflow's timer evaluation included.

* :class:`SystemClock` reads the wall clock (UTC).
* :class:`SimulatedClock` holds a time that only moves when told to; the engine persists it
  (see :mod:`engine.persistence.repository`) so that every process sees the same time.

SpiffWorkflow reads the wall clock through the name ``datetime`` in
``SpiffWorkflow.bpmn.specs.event_definitions.timer``. :func:`install_spiff_clock` replaces that
name with a ``datetime`` subclass whose ``now()`` asks the clock that is active in the current
context (:func:`using_clock`). Outside such a context it falls back to the system clock.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current time as an aware UTC datetime."""

    mode: str

    def now(self) -> datetime:
        """Return the current time (timezone-aware, UTC)."""
        ...


class SystemClock:
    """The wall clock."""

    mode = "system"

    def now(self) -> datetime:
        """Return the wall-clock time in UTC."""
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that stands still until :meth:`set` moves it (tests, demos, test runs of drafts)."""

    mode = "simulated"

    def __init__(self, start: datetime) -> None:
        self._now = ensure_aware(start)

    def now(self) -> datetime:
        """Return the simulated time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Move the clock to ``when``; it never moves backwards."""
        when = ensure_aware(when)
        if when < self._now:
            raise ValueError(f"the simulated clock cannot go back from {self._now} to {when}")
        self._now = when

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` and return the new time."""
        self.set(self._now + delta)
        return self._now


def ensure_aware(value: datetime) -> datetime:
    """Return ``value`` in UTC; naive datetimes are rejected (they are ambiguous)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: give a timezone (UTC internally)")
    return value.astimezone(UTC)


_active_clock: contextvars.ContextVar[Clock | None] = contextvars.ContextVar(
    "staffel_active_clock", default=None
)


@contextlib.contextmanager
def using_clock(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the one SpiffWorkflow sees while the block runs (per thread/context)."""
    token = _active_clock.set(clock)
    try:
        yield clock
    finally:
        _active_clock.reset(token)


def active_now() -> datetime:
    """Return the time of the active clock, or the wall clock outside :func:`using_clock`."""
    clock = _active_clock.get()
    return clock.now() if clock is not None else datetime.now(UTC)


_real_datetime = datetime


class _ClockDatetimeMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, _real_datetime)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, _real_datetime)


class ClockDatetime(datetime, metaclass=_ClockDatetimeMeta):
    """``datetime`` whose ``now``/``utcnow`` read the active Staffel clock."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        """Return the active clock's time, converted to ``tz`` (naive local if ``tz`` is None)."""
        current = active_now()
        if tz is None:
            return current.astimezone().replace(tzinfo=None)
        return current.astimezone(tz)

    @classmethod
    def utcnow(cls) -> datetime:  # type: ignore[override]
        """Return the active clock's time as naive UTC (SpiffWorkflow legacy)."""
        return active_now().replace(tzinfo=None)


def install_spiff_clock() -> None:
    """Route SpiffWorkflow's timer module to the active clock. Safe to call more than once."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = ClockDatetime
