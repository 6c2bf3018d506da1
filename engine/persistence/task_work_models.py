"""Rows of the work on a task (issue 15, point 5; migration 0015): a draft per user and the
comments on a task.

Both hold a person's data (what was typed into a form, free text about the case), so their
values are encrypted at rest (:class:`~engine.persistence.crypto.EncryptedJSON`,
:class:`~engine.persistence.crypto.EncryptedText`), rotated with the other encrypted columns
and removed when the case's person is erased.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.crypto import EncryptedJSON, EncryptedText
from engine.persistence.models import Base
from engine.persistence.types import UTCDateTime


class TaskDraft(Base):
    """What one user typed into a task's form and saved without completing it: private to
    that user, dropped when the task completes."""

    __tablename__ = "task_drafts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    username: Mapped[str] = mapped_column(String(100))
    data: Mapped[Any] = mapped_column(EncryptedJSON())
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("task_id", "username", name="uq_task_drafts_task_user"),)


class TaskComment(Base):
    """A comment on a task, visible to the members of the case's teams; append-only. ``text``
    is None once the case's person was erased (author and time stay)."""

    __tablename__ = "task_comments"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str | None] = mapped_column(EncryptedText())

    __table_args__ = (Index("ix_task_comments_task_at", "task_id", "at"),)
