"""Messages received from outside, one row each: delivered at once, or kept (buffered) for a
case that does not wait for them yet, then used, expired or discarded. The ``message_id`` a
sender gives makes a resend change nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.crypto import EncryptedJSON
from engine.persistence.models import Base, state_check, state_type
from engine.persistence.types import JSONType, UTCDateTime
from engine.states import InboundState


class InboundMessage(Base):
    """One message from outside for one case.

    ``payload`` is held only while the message is buffered (it is the process's data once
    used; cleared then, data minimisation); ``fields`` keeps the names of its fields.
    """

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    name: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[InboundState] = mapped_column(state_type(InboundState, 10))
    payload: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON())  # encrypted
    fields: Mapped[list[str]] = mapped_column(JSONType)
    source: Mapped[str] = mapped_column(String(20))  # api | import | hand | cli
    received_by: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_element: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("name", "message_id", name="uq_inbound_message_id"),
        Index("ix_inbound_messages_case_state", "case_id", "state"),
        Index("ix_inbound_messages_state_expires", "state", "expires_at"),
        state_check("inbound_messages", "state", InboundState),
    )
