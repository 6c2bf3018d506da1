"""What leaves Staffel about one warm handover: its facts for the package and the invitation,
who may ask for them (the two teams), and the audit event of what was handed out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.errors import NotFound
from engine.persistence.models import Handover
from engine.services.context import EngineContext
from engine.supervision.outbound import (
    HandoverRecord,
    handover_record,
    load_handover,
    parse_handover_id,
    record_shared,
)


class HandoverService:
    """``staffel.handovers``: one method, one transaction."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def record(self, handover_id: Any) -> HandoverRecord:
        """The facts of one handover for its package and invitation (NotFound if absent)."""
        with self.ctx.db.read() as session:
            return handover_record(session, self.ctx.specs, self.ctx.runtime.script_engine,
                                   handover_id)

    def teams(self, handover_id: Any) -> tuple[str, str] | None:
        """Cheap lookup for authorization: (sending, receiving) team, None if no such handover."""
        try:
            number = parse_handover_id(handover_id)
        except NotFound:
            return None
        with self.ctx.db.read() as session:
            row = session.get(Handover, number)
            return (row.from_team, row.to_team) if row is not None else None

    def record_shared(self, handover_id: Any, fields: Sequence[str], legal_basis: str,
                      fmt: str, actor: str) -> None:
        """Write the audit event of a handed-out package (field names only)."""
        with self.ctx.unit(actor) as uow:
            row = load_handover(uow.session, handover_id)
            record_shared(uow, row, fields, legal_basis, fmt)
