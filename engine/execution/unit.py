"""The unit of work every step runs in: one transaction's session, the engine time, the clock
SpiffWorkflow sees, the actor, and the audit events to write with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.audit import AuditLog, PendingEvent
from engine.execution.clock import Clock


@dataclass
class UnitOfWork:
    """The transaction-wide things every step needs: session, time, actor and the audit log."""

    session: Session
    now: datetime
    clock: Clock
    actor: str
    audit: AuditLog

    def record(self, action: str, *, case_id: str | None = None, instance_id: str | None = None,
               element_id: str | None = None, **details: Any) -> None:
        """Queue an audit event of this unit of work."""
        self.audit.record(PendingEvent(self.now, self.actor, action, case_id, instance_id,
                                       element_id, details))
