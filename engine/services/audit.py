"""The audit trail: append-only events with a SHA-256 hash chain, read and verified."""

from __future__ import annotations

from engine import audit
from engine.model import AuditEntry, AuditVerification
from engine.services.context import EngineContext


class AuditService:
    """``staffel.audit``: reading and verifying the audit trail."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def verify(self) -> AuditVerification:
        """Check the whole hash chain."""
        with self.ctx.db.read() as session:
            return audit.verify(session)

    def events(self, case_id: str | None = None, limit: int = 500) -> list[AuditEntry]:
        """Audit events, oldest first (of one case, or all)."""
        with self.ctx.db.read() as session:
            return audit.list_events(session, case_id, limit)
