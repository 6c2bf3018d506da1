"""Ports: the interfaces through which the engine talks to the outside world.

The engine only knows these Protocols; the implementations live in ``adapters/`` and are wired
in by the app factory (``web/__init__.py``). Nothing here does I/O.

:class:`Notification` is deliberately poor in data (data minimisation, GDPR Art. 5(1)(c)): the
case number, the task's title and its due date, and whom it is for (a username or a team key,
both pseudonymous). Never a person's name, never form data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from engine.law.lands import BERLIN

NotificationKind = Literal["task_overdue", "handover_overdue"]


@dataclass(frozen=True)
class Notification:
    """One reminder: a task (or a handover acknowledgment) is overdue.

    ``user`` is the assignee it is for (None: the whole ``team``). ``emails`` are the addresses
    the engine knows for the recipients (users' stored e-mail addresses); an adapter falls back
    to its configured team mailbox of ``team`` when it is empty. ``ref`` is the task id or
    ``handover:<case number>:<key>``; it is what logs may name.
    """

    kind: NotificationKind
    ref: str
    case_number: str
    title: str
    due_at: datetime
    team: str
    user: str | None = None
    emails: tuple[str, ...] = ()

    @property
    def due_day(self) -> str:
        """The last day to do it (Berlin), ``DD.MM.YYYY`` (``due_at`` is the midnight after)."""
        day = (self.due_at.astimezone(BERLIN) - timedelta(microseconds=1)).date()
        return day.strftime("%d.%m.%Y")

    @property
    def recipient(self) -> str:
        """``user:<name>`` or ``team:<key>`` (pseudonymous, fit for logs)."""
        return f"user:{self.user}" if self.user else f"team:{self.team}"

    @property
    def subject(self) -> str:
        """The subject line: case number only, no names."""
        overdue_handover = self.kind == "handover_overdue"
        what = "Übergabe nicht bestätigt" if overdue_handover else "Frist überschritten"
        return f"Staffel: {what} – Fall {self.case_number}"

    @property
    def body(self) -> str:
        """The text: case number, task title and due date, nothing else."""
        return (f"Fall: {self.case_number}\n"
                f"Aufgabe: {self.title}\n"
                f"Fällig am: {self.due_day}\n")


class DeliveryError(Exception):
    """A notification could not be delivered.

    ``permanent`` (e.g. no address known for the recipient) means trying again will not help:
    the reminder counts as done. Otherwise (server unreachable) the sweep tries again later.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Notifier(Protocol):
    """Delivers notifications (console in development, e-mail in production)."""

    def send(self, notification: Notification) -> None:
        """Deliver one notification; raise :class:`DeliveryError` when it cannot be done."""
        ...
