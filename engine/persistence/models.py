"""Database rows (SQLAlchemy 2.x ``Mapped[]``). ORM rows never leave :mod:`engine.persistence`
and :mod:`engine`'s services: callers get the dataclasses of :mod:`engine.model`."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine.persistence.crypto import EncryptedBlob, EncryptedJSON, EncryptedText
from engine.persistence.types import JSONType, UTCDateTime
from engine.states import (
    HandoverState,
    HumanTaskState,
    InstanceStatus,
    TimerStatus,
)


def state_type(states: type[enum.StrEnum], length: int) -> Enum:
    """A state column: ``VARCHAR(length)`` holding the members' values (never their names),
    read back as members. No native enum type and no unnamed constraint of SQLAlchemy's own:
    the database checks the values with the named constraint of :func:`state_check`. Plain
    strings are validated too, so a misspelt state fails its statement, even in a WHERE."""
    return Enum(states, native_enum=False, create_constraint=False, validate_strings=True,
                values_callable=lambda members: [m.value for m in members], length=length)


def state_check(table: str, column: str, states: type[enum.StrEnum]) -> CheckConstraint:
    """``CHECK (column IN (...))`` named ``ck_<table>_<column>``, listing ``states``.

    Migration 0008 creates the same constraints with the values written out (the tests
    compare the lists); a new member needs a migration that replaces the constraint.
    """
    values = ", ".join(f"'{m.value}'" for m in states)
    return CheckConstraint(f"{column} IN ({values})", name=f"ck_{table}_{column}")


class Base(DeclarativeBase):
    """Declarative base of all Staffel tables."""


class DefinitionFile(Base):
    """One deployed source document (BPMN, DMN or JSON form), stored once per content hash."""

    __tablename__ = "definition_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # bpmn | dmn | form
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deployed_by: Mapped[str] = mapped_column(String(100))

    # Not unique: a file changed back to an earlier content is stored again as the newest.
    __table_args__ = (Index("ix_definition_files_name_hash", "name", "content_hash"),)


class ProcessVersion(Base):
    """A deployed, immutable version of one executable process; its spec is stored once here."""

    __tablename__ = "process_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(200))
    file_ids: Mapped[list[int]] = mapped_column(JSONType)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    serializer_version: Mapped[str] = mapped_column(String(20))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deployed_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (
        UniqueConstraint("key", "version", name="uq_process_version"),
        Index("ix_process_versions_key_hash", "key", "content_hash"),
    )


class Case(Base):
    """A person's case. Only what a step needs; ``person`` holds the minimal personal data."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    land: Mapped[str] = mapped_column(String(4))
    #: the competent Verwaltungsgericht (``engine.law.courts``; None: the Land's default)
    court: Mapped[str | None] = mapped_column(String(40))
    entry: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(8), index=True)
    benefit_system: Mapped[str | None] = mapped_column(String(10))
    #: encrypted at rest (``engine.persistence.crypto``); found by ``az_index``
    bamf_aktenzeichen: Mapped[str | None] = mapped_column(EncryptedText())
    person: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    #: blind index (keyed hashes) of the Aktenzeichen and the birth date, for lookups
    az_index: Mapped[str | None] = mapped_column(String(64), index=True)
    birth_index: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the person's data was erased (retention period over, or an erasure request)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: how many messages are kept for this case (read on every step: only a case with some
    #: looks at ``inbound_messages``)
    buffered_messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


#: room for a legal basis that names the court and the values used (migration 0012)
LEGAL_BASIS_LENGTH = 500


class CaseDeadline(Base):
    """A legal deadline computed for a case, with its legal basis and the Land used."""

    __tablename__ = "case_deadlines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(String(LEGAL_BASIS_LENGTH))
    land: Mapped[str] = mapped_column(String(4))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("case_id", "key", name="uq_case_deadline"),)


class ProcessInstance(Base):
    """The state of one running process (without its spec) and an optimistic-lock counter."""

    __tablename__ = "process_instances"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    status: Mapped[InstanceStatus] = mapped_column(state_type(InstanceStatus, 12), index=True)
    state: Mapped[bytes] = mapped_column(EncryptedBlob())  # task data: encrypted at rest
    serializer_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (state_check("process_instances", "status", InstanceStatus),)
    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 - SQLAlchemy's API


#: room for the call path of a task (migration 0017): a few ``process.element`` steps
CALL_PATH_LENGTH = 500


class HumanTask(Base):
    """Projection of one user task for fast inboxes, kept in step in the same transaction."""

    __tablename__ = "human_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instances.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200))
    element_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    team: Mapped[str] = mapped_column(String(40))
    form: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[HumanTaskState] = mapped_column(state_type(HumanTaskState, 12))
    assignee: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(100))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # overdue reminder sent
    #: the call activities the task was called through (``engine.execution.tasks.call_path``)
    call_path: Mapped[str | None] = mapped_column(String(CALL_PATH_LENGTH))

    __table_args__ = (
        # a team's inbox in its order (due date, NULLS LAST; creation; id): migration 0019
        Index("ix_human_tasks_team_due", "state", "team", "due_at", "created_at", "id"),
        # one's own tasks, and a team's tasks nobody holds, in the inbox's order: 0019
        Index("ix_human_tasks_assignee_team_due", "state", "assignee", "team", "due_at",
              "created_at", "id"),
        Index("ix_human_tasks_unassigned_team_due", "state", "team", "due_at", "created_at",
              "id", postgresql_where=text("assignee IS NULL"),
              sqlite_where=text("assignee IS NULL")),
        Index("ix_human_tasks_due", "state", "due_at"),
        state_check("human_tasks", "state", HumanTaskState),
    )


class Timer(Base):
    """A waiting timer: the database row is the truth about when it is due and whether it fired."""

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instances.id"), index=True)
    case_id: Mapped[str] = mapped_column(String(32))
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[TimerStatus] = mapped_column(state_type(TimerStatus, 10))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_timers_due", "status", "due_at"),
        Index("ix_timers_case_id", "case_id"),  # migration 0019: a case's timers
        UniqueConstraint("task_id", "due_at", name="uq_timer_task_due"),
        state_check("timers", "status", TimerStatus),
    )


class MessageWait(Base):
    """An instance waiting for a named message (kept in step with the engine on every save)."""

    __tablename__ = "message_waits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instances.id"), index=True)
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    message_name: Mapped[str] = mapped_column(String(100))
    element_id: Mapped[str] = mapped_column(String(200))
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: before migration 0009
    #: a boundary event's wait: the element id of the task it sits on (whose due date watches
    #: the wait); None for waits at a gateway or catch event (their timer watches them)
    watched_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_message_waits_case_name", "case_id", "message_name"),)


class AuditEvent(Base):
    """Append-only audit trail with a SHA-256 hash chain (see :mod:`engine.audit`)."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    instance_id: Mapped[str | None] = mapped_column(String(32))
    element_id: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_events_action_at", "action", "at"),)  # statistics export


class AuditHead(Base):
    """One row holding the newest audit hash; locked by every writer to keep the chain linear."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_hash: Mapped[str] = mapped_column(String(64))


class ClockState(Base):
    """The persisted simulated clock (one row) so that every process sees the same time."""

    __tablename__ = "clock_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(10))
    now: Mapped[datetime] = mapped_column(UTCDateTime())


class Handover(Base):
    """A warm handover of a case between two teams, as the diagrams report its steps."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    from_team: Mapped[str] = mapped_column(String(40))
    to_team: Mapped[str] = mapped_column(String(40))
    state: Mapped[HandoverState] = mapped_column(state_type(HandoverState, 14))
    legal_basis: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(200))
    consent: Mapped[bool | None] = mapped_column()
    shared_fields: Mapped[list[str]] = mapped_column(JSONType)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    proposed_by: Mapped[str] = mapped_column(String(100))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # supervisors notified

    __table_args__ = (
        UniqueConstraint("case_id", "key", name="uq_handover_case_key"),
        state_check("handovers", "state", HandoverState),
    )


class User(Base):
    """A person who works with Staffel: argon2 password hash, roles and (below) teams."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    email: Mapped[str | None] = mapped_column(String(254))  # for overdue reminders (optional)


class UserTeam(Base):
    """Membership of a user in a team (a caseworker's teams, or the teams a supervisor leads)."""

    __tablename__ = "user_teams"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    team: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ApiToken(Base):
    """A bearer token of the API; only its SHA-256 is stored, never the token itself."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProcessDraft(Base):
    """The editor's current draft of one process (one per key, overwritten on save).

    ``revision`` counts the saves: a save names the revision it was edited from, so a stale
    editor gets a conflict instead of overwriting someone else's draft.
    """

    __tablename__ = "process_drafts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    xml: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    base_version: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
