"""Rows of a user's own settings (issue 15): the inbox filters a user saved under a name.

No personal data: a saved filter is the inbox's query string (task type, stage, due range,
assignee, sort), pseudonymous case numbers at most.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.models import Base
from engine.persistence.types import UTCDateTime

#: longest name of a saved filter, longest stored query string
FILTER_NAME_LENGTH = 60
FILTER_QUERY_LENGTH = 500


class SavedFilter(Base):
    """One named inbox filter of one user."""

    __tablename__ = "saved_filters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(FILTER_NAME_LENGTH))
    query: Mapped[str] = mapped_column(String(FILTER_QUERY_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),)
