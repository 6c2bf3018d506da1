"""The read log: who opened which case's personal data, when, and through which channel.

One row (:class:`~engine.persistence.privacy_models.PersonRead`) per answer that shows a
person's data: the case page or ``GET /api/v1/cases/{id}``, a task with its data, a handover
package or invitation, an access report, a clarification, an original agency file. Rows name
the case by its pseudonymous id and the reader by username; they never hold the data itself.

The web layer writes the row **before** it sends the data, in its own short transaction: a
read that cannot be logged is not served (the error reaches the caller as 503 or 409).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.persistence.privacy_models import PersonRead

CHANNELS = ("page", "api", "cli")
#: what can be read: the case, or one of the things below it (``kind:<id>``)
SUBJECT = re.compile(r"^(case|case_list|access_report|"
                     r"(task|handover|clarification|import_original):[A-Za-z0-9_.-]{1,64})$")
DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class PersonReadInfo:
    """One entry of the read log."""

    at: datetime
    actor: str
    case_id: str | None
    subject: str
    channel: str


@dataclass(frozen=True)
class ReadTarget:
    """What one answer showed: a case (None: agency lines not matched to a case) and the
    subject (``case``, ``task:<id>``, ``handover:<id>``, ``access_report``, ...)."""

    case_id: str | None
    subject: str


def check_target(target: ReadTarget, channel: str) -> None:
    """ValueError for a channel or subject outside the documented set (a programming error
    of the caller, never user input)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown read channel {channel!r}")
    if not SUBJECT.match(target.subject):
        raise ValueError(f"unknown read subject {target.subject!r}")


def record_reads(session: Session, at: datetime, actor: str, targets: Sequence[ReadTarget],
                 channel: str) -> int:
    """Insert one read row per target in a single statement; the number of rows written."""
    for target in targets:
        check_target(target, channel)
    if not targets:
        return 0
    session.execute(insert(PersonRead), [
        {"at": at, "actor": actor[:100], "case_id": t.case_id, "subject": t.subject,
         "channel": channel} for t in targets])
    return len(targets)


def case_reads(session: Session, case_id: str, limit: int = DEFAULT_LIMIT) -> list[PersonReadInfo]:
    """The reads of one case's personal data, newest first (at most ``limit``)."""
    rows = session.scalars(select(PersonRead).where(PersonRead.case_id == case_id)
                           .order_by(PersonRead.at.desc(), PersonRead.id.desc()).limit(limit))
    return [PersonReadInfo(r.at, r.actor, r.case_id, r.subject, r.channel) for r in rows]
