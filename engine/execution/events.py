"""Committed audit events, told to observers: the port metrics and logs hang on.

After a unit of work has committed, every audit event it wrote is handed to the engine's
observers as an :class:`EngineEvent` (ids only, never the event's details beyond a timer's due
time). Observers run in the committing thread; one that fails is logged and never undoes or
stops anything. The engine knows nothing of who observes (the web layer adds a metrics and a
log observer through :meth:`engine.Staffel.observe`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.audit import PendingEvent

log = logging.getLogger("staffel.events")


@dataclass(frozen=True)
class EngineEvent:
    """One committed audit event: its kind and the pseudonymous ids it concerns."""

    action: str
    at: datetime  # engine time of the transaction
    simulated: bool  # the engine runs on a simulated clock (``at`` is not wall time)
    case_id: str | None = None
    instance_id: str | None = None
    element_id: str | None = None
    task_id: str | None = None
    team: str | None = None
    due_at: datetime | None = None  # ``timer_fired``: when the timer was due


EventObserver = Callable[[EngineEvent], None]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def as_engine_event(pending: PendingEvent, simulated: bool) -> EngineEvent:
    """The observer's view of one audit event (ids only)."""
    details = pending.details
    due = details.get("due_at") if pending.action == "timer_fired" else None
    return EngineEvent(
        pending.action, pending.at, simulated, _text(pending.case_id),
        _text(pending.instance_id), _text(pending.element_id), _text(details.get("task_id")),
        _text(details.get("team")),
        datetime.fromisoformat(due) if isinstance(due, str) else None)


class EventObservers:
    """The observers of one engine; :meth:`publish` tells each of them every event."""

    def __init__(self) -> None:
        self._observers: list[EventObserver] = []

    def add(self, observer: EventObserver) -> None:
        """Tell ``observer`` every committed event from now on (once, however often added)."""
        if observer not in self._observers:
            self._observers.append(observer)

    def publish(self, events: Sequence[PendingEvent], simulated: bool) -> None:
        """Hand committed events to the observers (their failures are only logged)."""
        if not self._observers or not events:
            return
        for pending in events:
            event = as_engine_event(pending, simulated)
            for observer in self._observers:
                try:
                    observer(event)
                except Exception:  # an observer never breaks the engine
                    log.exception("event observer failed")
