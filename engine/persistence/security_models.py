"""Rows of sign-in security (issue 14): failed sign-in attempts (the throttle counts them here,
so every worker process of an installation sees the same count) and page sessions kept on the
server (a session ends when its row ends, whatever the browser still holds).

No personal data: an attempt stores keyed hashes of the username and the client address, a
session the SHA-256 of its random id (the cookie holds the id, the database cannot forge it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.models import Base
from engine.persistence.types import UTCDateTime


class LoginFailure(Base):
    """One failed (or still running) sign-in attempt: when, for which account, from where."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    account_key: Mapped[str] = mapped_column(String(64))  # HMAC-SHA-256 of the lowercased name
    address_key: Mapped[str] = mapped_column(String(64))  # HMAC-SHA-256 of the client address

    __table_args__ = (
        Index("ix_login_failures_account_at", "account_key", "at"),
        Index("ix_login_failures_address_at", "address_key", "at"),
    )


class WebSession(Base):
    """A signed-in page session; ``ended_at`` set by sign-out, password change or deactivation."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the cookie's id
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PasswordReset(Base):
    """A one-time link to set a password (issue 15, point 15): only the SHA-256 of its random
    token is stored; it counts until ``expires_at`` (engine time) unless ``used_at`` (the
    password was set with it) or ``ended_at`` (a newer link, or the user deactivated) is set."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(100))  # the administrator's username
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SchedulerBeat(Base):
    """The last run of one scheduler job in one worker process (the health page's heartbeat):
    ``job`` is ``timers`` or ``reminders``, ``beat_at`` wall-clock time, ``count`` what that
    run did (timers fired, reminders sent)."""

    __tablename__ = "scheduler_beats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(200))
    job: Mapped[str] = mapped_column(String(20))
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("worker_id", "job", name="uq_scheduler_beat"),)
