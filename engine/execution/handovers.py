"""Warm handovers: rows written from the steps the diagrams report, and the case's list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import ScriptError
from engine.execution.effects import HandoverStep
from engine.model import HandoverInfo
from engine.persistence.models import Handover
from engine.states import HandoverState


def _when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ScriptError(f"appointment_at is not an ISO date-time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise ScriptError("appointment_at needs a time zone")
    return parsed


def apply_step(session: Session, case_id: str, step: HandoverStep, actor: str,
               now: datetime) -> Handover:
    """Write one handover step; returns the row."""
    row = session.scalars(select(Handover).where(Handover.case_id == case_id,
                                                 Handover.key == step.key)).one_or_none()
    if step.step == "proposed":
        f = step.fields
        if row is None:
            row = Handover(case_id=case_id, key=step.key)
            session.add(row)
        row.from_team, row.to_team = f["from_team"], f["to_team"]
        row.legal_basis, row.purpose, row.consent = f["legal_basis"], f["purpose"], f["consent"]
        row.shared_fields = f["shared_fields"]
        row.appointment_at = _when(f["appointment_at"])
        row.state, row.proposed_at, row.proposed_by = HandoverState.PROPOSED, now, actor
        row.acknowledged_at = row.acknowledged_by = row.escalated_at = None
        return row
    if row is None:
        raise ScriptError(f"handover {step.key!r} was never proposed")
    if step.step == "acknowledged":
        row.state, row.acknowledged_at, row.acknowledged_by = HandoverState.ACKNOWLEDGED, now, actor
    elif step.step == "escalated":
        row.escalated_at = now
    return row


def list_handovers(session: Session, case_id: str) -> list[HandoverInfo]:
    """Return the handovers of a case, oldest first."""
    rows = session.scalars(select(Handover).where(Handover.case_id == case_id)
                           .order_by(Handover.proposed_at, Handover.id))
    return [handover_info(r) for r in rows]


def handover_info(row: Handover) -> HandoverInfo:
    """The plain data of a handover row."""
    return HandoverInfo(row.key, row.from_team, row.to_team, row.state, row.legal_basis,
                        row.purpose, row.consent, list(row.shared_fields), row.appointment_at,
                        row.proposed_at, row.proposed_by, row.acknowledged_at,
                        row.acknowledged_by, row.escalated_at, row.id)
