"""Rows of the agency-file imports (ADR 0007): the file with its original bytes and report,
one row per line with its outcome, and the clarifications the Eingangszone decides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.crypto import EncryptedBlob, EncryptedJSON
from engine.persistence.models import Base, state_check, state_type
from engine.persistence.types import JSONType, UTCDateTime
from engine.states import ClarificationState, ImportFileStatus, ImportRowOutcome


class ImportFile(Base):
    """An agency file taken in by an import (issue 7): the original bytes and the report."""

    __tablename__ = "import_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # permits | decisions | courses
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    #: the original file, as uploaded (encrypted at rest; emptied when erased)
    content: Mapped[bytes] = mapped_column(EncryptedBlob())
    file_format: Mapped[str] = mapped_column(String(4))  # csv | xml
    encoding: Mapped[str] = mapped_column(String(20))
    separator: Mapped[str | None] = mapped_column(String(1))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[ImportFileStatus] = mapped_column(state_type(ImportFileStatus, 10))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_correlated: Mapped[int] = mapped_column(Integer, default=0)
    rows_clarification: Mapped[int] = mapped_column(Integer, default=0)
    rows_invalid: Mapped[int] = mapped_column(Integer, default=0)
    rows_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    rows_buffered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    report: Mapped[dict[str, Any]] = mapped_column(JSONType)

    __table_args__ = (
        UniqueConstraint("kind", "sha256", name="uq_import_file_content"),
        state_check("import_files", "status", ImportFileStatus),
    )


class ImportRow(Base):
    """The outcome of one line of an import file; ``fingerprint`` makes re-imports idempotent."""

    __tablename__ = "import_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("import_files.id"))
    kind: Mapped[str] = mapped_column(String(12))
    line: Mapped[int] = mapped_column(Integer)
    # sha256 of the normalised row; NULL for invalid and duplicate lines (they take nothing)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[ImportRowOutcome] = mapped_column(state_type(ImportRowOutcome, 14))
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    message_name: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(500))
    field: Mapped[str | None] = mapped_column(String(60))
    duplicate_of: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("kind", "fingerprint", name="uq_import_row_fingerprint"),
        UniqueConstraint("file_id", "line", name="uq_import_row_line"),
        state_check("import_rows", "outcome", ImportRowOutcome),
    )


class ImportClarification(Base):
    """A row the Eingangszone must assign to a case by hand (no case, or several, or not
    waiting). Holds only the fields needed to find the case and the message to deliver."""

    __tablename__ = "import_clarifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("import_rows.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    team: Mapped[str] = mapped_column(String(40))
    state: Mapped[ClarificationState] = mapped_column(state_type(ClarificationState, 10))
    reason: Mapped[str] = mapped_column(String(40))
    #: names, birth date, Aktenzeichen (encrypted at rest)
    fields: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    message_name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    candidates: Mapped[list[str]] = mapped_column(JSONType)  # case ids
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    __table_args__ = (
        Index("ix_import_clarifications_open", "team", "state", "created_at"),
        state_check("import_clarifications", "state", ClarificationState),
    )
