"""The states a row can be in, one ``StrEnum`` per state column.

Each enum is the single list of the values its column may hold: the models type the column
with it and name its values in a ``CHECK`` constraint (``ck_<table>_<column>``, migration
0008), so the database refuses anything else. Members are ``str``: they compare equal to
their plain strings and are stored as exactly those strings, so rows written before the enums
existed, and code that still compares literals, keep working.
"""

from __future__ import annotations

import enum


class HumanTaskState(enum.StrEnum):
    """State of a row of the human-task projection (``human_tasks.state``).

    Not SpiffWorkflow's ``TaskState``: a row is ``OPEN`` while the engine has the task
    READY, ``COMPLETED`` when a person completed it, ``CANCELLED`` when the engine no longer
    has it READY although nobody completed it (an interrupting event took it away).
    """

    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class InstanceStatus(enum.StrEnum):
    """Status of a process instance (``process_instances.status``); a case's status is
    derived from the statuses of its instances.

    ``ERROR`` is part of the column's documented values but nothing writes it today.
    """

    RUNNING = "running"
    COMPLETED = "completed"
    ERROR = "error"


class HandoverState(enum.StrEnum):
    """State of a warm handover (``handovers.state``). An escalation is recorded in
    ``escalated_at`` and leaves the handover ``PROPOSED``."""

    PROPOSED = "proposed"
    ACKNOWLEDGED = "acknowledged"


class TimerStatus(enum.StrEnum):
    """Status of a timer row (``timers.status``).

    ``WAITING`` until due; ``CLAIMED`` while a poller holds its lease; ``FIRED`` once the
    engine ran it; ``CANCELLED`` when the instance left the timer before it was due;
    ``FAILED`` after too many firing attempts (it is then never claimed again).
    """

    WAITING = "waiting"
    CLAIMED = "claimed"
    FIRED = "fired"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ImportFileStatus(enum.StrEnum):
    """Status of an imported agency file (``import_files.status``): ``RUNNING`` while its
    rows are being booked (an interrupted import resumes), ``DONE`` with its report stored."""

    RUNNING = "running"
    DONE = "done"


class ImportRowOutcome(enum.StrEnum):
    """Outcome of one line of an import file (``import_rows.outcome``)."""

    CORRELATED = "correlated"  # delivered to its case as a message
    CLARIFICATION = "clarification"  # waits for the Eingangszone (an ImportClarification)
    INVALID = "invalid"  # the line itself is wrong
    DUPLICATE = "duplicate"  # the same content was taken in before
    BUFFERED = "buffered"  # kept for its case, used when the case gets there (migration 0009)


class ClarificationState(enum.StrEnum):
    """State of a line the Eingangszone assigns by hand (``import_clarifications.state``)."""

    OPEN = "open"
    RESOLVED = "resolved"
    DISCARDED = "discarded"


class InboundState(enum.StrEnum):
    """State of a message received from outside (``inbound_messages.state``).

    ``DELIVERED`` when a waiting case used it at once; ``BUFFERED`` while it is kept for a case
    that does not wait for it yet; ``USED`` when the case reached the step and took it;
    ``EXPIRED`` when its keeping time ran out first (a person then looks at it); ``DISCARDED``
    when its case closed before using it.
    """

    DELIVERED = "delivered"
    BUFFERED = "buffered"
    USED = "used"
    EXPIRED = "expired"
    DISCARDED = "discarded"
