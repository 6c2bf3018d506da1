"""Append-only audit trail with a SHA-256 hash chain.

Every event's hash covers its sequence number, its content and the previous event's hash; the
newest hash also sits in the one-row ``audit_head`` table. Writers lock that row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite write transactions are already serialised by
``BEGIN IMMEDIATE``), so the chain stays linear under concurrency. :func:`verify` recomputes
the chain and reports the first edited, inserted or deleted row.

Only pseudonymous ids (case id, user name, element id) go into events, never personal data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from engine.model import AuditEntry, AuditVerification
from engine.persistence.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64


def event_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str,
               case_id: str | None, instance_id: str | None, element_id: str | None,
               details: dict[str, Any]) -> str:
    """Return the chain hash of one event."""
    payload = json.dumps(
        [seq, at.isoformat(), actor, action, case_id, instance_id, element_id, details],
        sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


@dataclass
class PendingEvent:
    """An event recorded during a unit of work, written when the unit is flushed."""

    at: datetime
    actor: str
    action: str
    case_id: str | None = None
    instance_id: str | None = None
    element_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class AuditLog:
    """Collects the events of one transaction and appends them to the chain in one go."""

    def __init__(self) -> None:
        self.pending: list[PendingEvent] = []

    def record(self, event: PendingEvent) -> None:
        """Queue an event for this transaction."""
        self.pending.append(event)

    def flush(self, session: Session) -> None:
        """Append the queued events to the chain (inside the caller's transaction)."""
        if not self.pending:
            return
        seq, prev = _locked_head(session)
        rows = []
        for ev in self.pending:
            details = json.loads(json.dumps(ev.details, default=str))
            seq += 1
            digest = event_hash(prev, seq, ev.at, ev.actor, ev.action, ev.case_id,
                                ev.instance_id, ev.element_id, details)
            rows.append({
                "seq": seq, "at": ev.at, "actor": ev.actor, "action": ev.action,
                "case_id": ev.case_id, "instance_id": ev.instance_id,
                "element_id": ev.element_id, "details": details,
                "prev_hash": prev, "hash": digest,
            })
            prev = digest
        connection = session.connection()
        connection.execute(_INSERT_EVENTS, rows)
        connection.execute(_MOVE_HEAD, {"last_seq": seq, "last_hash": prev})
        self.pending.clear()


_EVENTS = cast(Table, AuditEvent.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_INSERT_EVENTS = insert(_EVENTS)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(
    last_seq=bindparam("last_seq"), last_hash=bindparam("last_hash"))
_READ_HEAD = select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == 1)
_READ_HEAD_LOCKED = _READ_HEAD.with_for_update()


def _locked_head(session: Session) -> tuple[int, str]:
    """The newest (seq, hash), with the head row locked on PostgreSQL (SQLite write
    transactions are serialised already)."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    found = connection.execute(_READ_HEAD_LOCKED if postgres else _READ_HEAD).first()
    if found is None:
        # The first event ever: create the head. On PostgreSQL two first writers may race
        # here; the loser's insert fails on the key and its transaction retries as a 409.
        connection.execute(insert(_HEAD), {"id": 1, "last_seq": 0, "last_hash": GENESIS_HASH})
        if postgres:  # read it back under the row lock the others will wait for
            found = connection.execute(_READ_HEAD_LOCKED).one()
            return int(found[0]), str(found[1])
        return 0, GENESIS_HASH
    return int(found[0]), str(found[1])


def verify(session: Session, batch: int = 5000) -> AuditVerification:
    """Recompute the whole chain; report the first row that was edited, inserted or deleted."""
    prev, expected_seq, checked = GENESIS_HASH, 1, 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return AuditVerification(False, checked, expected_seq,
                                         f"event {expected_seq} is missing (deleted)")
            if row.prev_hash != prev:
                return AuditVerification(False, checked, row.seq, "chain link broken")
            digest = event_hash(prev, row.seq, row.at, row.actor, row.action, row.case_id,
                                row.instance_id, row.element_id, row.details)
            if digest != row.hash:
                return AuditVerification(False, checked, row.seq, "event content was changed")
            prev, expected_seq, checked, last_seq = row.hash, row.seq + 1, checked + 1, row.seq
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq != last_seq or head.last_hash != prev):
        return AuditVerification(False, checked, last_seq + 1,
                                 f"the newest events after {last_seq} are missing (deleted)")
    return AuditVerification(True, checked)


def list_events(session: Session, case_id: str | None = None, limit: int = 500,
                offset: int = 0) -> list[AuditEntry]:
    """Return audit events, oldest first, optionally of one case."""
    stmt = select(AuditEvent).order_by(AuditEvent.seq).limit(limit).offset(offset)
    if case_id is not None:
        stmt = stmt.where(AuditEvent.case_id == case_id)
    return [
        AuditEntry(r.seq, r.at, r.actor, r.action, r.case_id, r.instance_id, r.element_id,
                   r.details, r.hash)
        for r in session.scalars(stmt)
    ]
