"""Sign-in security: the throttle of failed sign-ins and the page sessions kept on the server.

Throttle (issue 14, hole 4): every attempt is written as a failure *before* the password is
checked, in the same write transaction that counts the failures in the window, so parallel
attempts (several worker processes) cannot slip past the limit; a successful attempt then
deletes the failures of its account. Accounts and addresses are keyed hashes made by the
caller (no username or address in clear).

Sessions (issue 14, hole 7): a random id in the signed cookie, only its SHA-256 in the
database; a session counts while its row is not ended, its user is active and it was seen
within the idle limit. Sign-out ends one row; a password change or deactivation ends all rows
of the user and revokes his API tokens (:func:`end_user_access`).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from engine.model import UserInfo
from engine.persistence.models import ApiToken, User, UserTeam
from engine.persistence.security_models import LoginFailure, WebSession

MAX_KEY_LENGTH = 64
#: how often a session's "last seen" is written at most (a write on every page would cost)
LAST_SEEN_STEP = timedelta(minutes=1)


@dataclass(frozen=True)
class ThrottleRule:
    """At most ``account_limit`` failures per account and ``address_limit`` per client
    address within ``window``; beyond that, attempts are refused until the window passes."""

    account_limit: int
    address_limit: int
    window: timedelta


def begin_attempt(session: Session, account_key: str, address_key: str, rule: ThrottleRule,
                  now: datetime) -> int:
    """Record an attempt as a failure and return 0, or return the seconds to wait (nothing
    recorded) when the account or the address has used up its failures in the window."""
    cutoff = now - rule.window
    if session.get_bind().dialect.name == "postgresql":
        # SQLite's BEGIN IMMEDIATE serialises this transaction already; on PostgreSQL two
        # attempts at once would both count 4 and both go on: lock the account, then the
        # address (always in this order, so no two attempts wait for each other in a circle)
        for key in (f"a:{account_key}", f"n:{address_key}"):
            session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                            {"key": key})
    session.execute(delete(LoginFailure).where(LoginFailure.at <= cutoff))
    wait = max(_wait(session, LoginFailure.account_key, account_key, rule.account_limit,
                     cutoff, rule.window, now),
               _wait(session, LoginFailure.address_key, address_key, rule.address_limit,
                     cutoff, rule.window, now))
    if wait:
        return wait
    session.add(LoginFailure(at=now, account_key=account_key, address_key=address_key))
    session.flush()
    return 0


def _wait(session: Session, column: object, key: str, limit: int, cutoff: datetime,
          window: timedelta, now: datetime) -> int:
    """Seconds until fewer than ``limit`` failures of ``key`` lie in the window (0: now)."""
    times = session.scalars(select(LoginFailure.at).where(column == key,  # type: ignore[arg-type]
                                                          LoginFailure.at > cutoff)
                            .order_by(LoginFailure.at)).all()
    if len(times) < limit:
        return 0
    frees_at = times[len(times) - limit] + window  # the oldest failure that still counts
    return max(1, math.ceil((frees_at - now).total_seconds()))


def attempt_succeeded(session: Session, account_key: str) -> None:
    """A successful sign-in clears the account's failures (the address keeps its count)."""
    session.execute(delete(LoginFailure).where(LoginFailure.account_key == account_key))


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start_session(session: Session, user: User, now: datetime) -> str:
    """Create a page session for a user and return its random id (for the signed cookie)."""
    session_id = secrets.token_urlsafe(32)
    session.add(WebSession(id_hash=_hash(session_id), user_id=user.id, created_at=now,
                           last_seen_at=now, ended_at=None))
    session.flush()
    return session_id


def session_user(session: Session, session_id: str, now: datetime, idle: timedelta
                 ) -> tuple[UserInfo, bool] | None:
    """The active user of a live session and whether its "last seen" is due for a write;
    None for an unknown, ended or idle session (one statement)."""
    if not session_id or len(session_id) > 200:
        return None
    rows = session.execute(
        select(User.username, User.roles, UserTeam.team, WebSession.last_seen_at)
        .join(WebSession, WebSession.user_id == User.id)
        .outerjoin(UserTeam, UserTeam.user_id == User.id)
        .where(WebSession.id_hash == _hash(session_id), WebSession.ended_at.is_(None),
               WebSession.last_seen_at > now - idle, User.active.is_(True))
    ).all()
    if not rows:
        return None
    teams = frozenset(row.team for row in rows if row.team is not None)
    info = UserInfo(rows[0].username, frozenset(rows[0].roles), teams, True)
    return info, rows[0].last_seen_at <= now - LAST_SEEN_STEP


def touch_session(session: Session, session_id: str, now: datetime) -> None:
    """Write the session's "last seen" time."""
    session.execute(update(WebSession).where(WebSession.id_hash == _hash(session_id),
                                             WebSession.ended_at.is_(None))
                    .values(last_seen_at=now))


def end_session(session: Session, session_id: str, now: datetime) -> bool:
    """End one session; True if it was still open."""
    result = session.execute(update(WebSession).where(WebSession.id_hash == _hash(session_id),
                                                      WebSession.ended_at.is_(None))
                             .values(ended_at=now))
    return bool(getattr(result, "rowcount", 0))


def end_user_access(session: Session, user_id: int, now: datetime) -> tuple[int, int]:
    """End every open session of a user and revoke every valid API token of his; returns
    how many of each."""
    sessions = session.execute(update(WebSession).where(WebSession.user_id == user_id,
                                                        WebSession.ended_at.is_(None))
                               .values(ended_at=now))
    tokens = session.execute(update(ApiToken).where(ApiToken.user_id == user_id,
                                                    ApiToken.revoked_at.is_(None),
                                                    ApiToken.expires_at > now)
                             .values(revoked_at=now))
    return int(getattr(sessions, "rowcount", 0)), int(getattr(tokens, "rowcount", 0))


def open_sessions(session: Session, user_id: int) -> int:
    """How many sessions of a user are not ended (tests, the CLI's summary)."""
    return int(session.scalar(select(func.count()).select_from(WebSession)
                              .where(WebSession.user_id == user_id,
                                     WebSession.ended_at.is_(None))) or 0)
