"""Development notifier: writes each reminder to a stream (stderr) instead of sending e-mail.

What it writes is what the e-mail would say (case number, task title, due date) and the
pseudonymous recipient (``user:<name>`` or ``team:<key>``); e-mail addresses are never
printed, only how many there are.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from engine import Notification


class ConsoleNotifier:
    """A :class:`engine.ports.Notifier` that prints reminders; keeps the last ones for tests."""

    def __init__(self, stream: TextIO | None = None, keep: int = 100) -> None:
        self.stream = stream
        self.keep = keep
        self.sent: list[Notification] = []
        self._lock = threading.Lock()

    def send(self, notification: Notification) -> None:
        """Print one notification."""
        n = notification
        addresses = f", {len(n.emails)} address(es)" if n.emails else ""
        text = (f"[staffel reminder] to {n.recipient}{addresses}: {n.subject}\n"
                + "".join(f"    {line}\n" for line in n.body.splitlines()))
        with self._lock:
            stream = self.stream or sys.stderr
            stream.write(text)
            stream.flush()
            self.sent.append(n)
            del self.sent[:-self.keep]
