"""Users, their roles and teams, argon2 password hashes and API bearer tokens.

Passwords are hashed with argon2id (argon2-cffi's :class:`PasswordHasher`); a hash made with
older parameters is replaced at the next successful login. API tokens are random 256-bit
strings; the database keeps only their SHA-256 and an expiry, so a leaked database does not
leak usable tokens. Token expiry follows the wall clock, never the (possibly simulated) engine
clock. Only pseudonymous ids (usernames) are recorded, never a person's name.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.errors import Conflict, InvalidInput, NotFound
from engine.law.teams import TEAM_KEYS
from engine.model import IssuedToken, UserInfo
from engine.people.signin import end_user_access
from engine.persistence.models import ApiToken, User, UserTeam

ROLES: tuple[str, ...] = ("caseworker", "supervisor", "process_owner", "admin")
TEAM_ROLES = frozenset({"caseworker", "supervisor"})
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
DEFAULT_TOKEN_TTL = timedelta(hours=12)
#: what an e-mail address for reminders must look like (no display names, no lists)
EMAIL_RE = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,252}\.[A-Za-z]{2,63}$")
DEFAULT_HASHER = PasswordHasher()
# A hash to verify against when the user does not exist, so that the answer takes as long
# as for a wrong password (no user enumeration through timing).
_DUMMY_HASH = DEFAULT_HASHER.hash("no such user: dummy password")


def validate_new_user(username: object, password: object, roles: Iterable[str],
                      teams: Iterable[str], *, check_strength: bool = True
                      ) -> tuple[frozenset[str], frozenset[str]]:
    """Check a new user's fields; raise InvalidInput naming every bad one."""
    errors: list[dict[str, str]] = []
    if not isinstance(username, str) or not USERNAME_RE.match(username):
        errors.append({"field": "username", "message": "1-100 characters: letters, digits, "
                       "'_', '.', '@', '-' (starting with a letter or digit)"})
    errors.extend(_password_errors(password, check_strength))
    role_set, team_set = frozenset(roles), frozenset(teams)
    errors.extend(membership_errors(role_set, team_set))
    if errors:
        raise InvalidInput("the user data is not valid", errors)
    return role_set, team_set


def membership_errors(role_set: frozenset[str], team_set: frozenset[str]
                      ) -> list[dict[str, str]]:
    """What is wrong with a user's roles and teams (empty: nothing): the CLI, the API and the
    administrators' pages all check with this."""
    errors: list[dict[str, str]] = []
    if not role_set:
        errors.append({"field": "roles", "message": "give at least one role"})
    for role in sorted(role_set - set(ROLES)):
        errors.append({"field": "roles", "message": f"unknown role {role!r}; use one of "
                       f"{', '.join(ROLES)}"})
    for team in sorted(team_set - TEAM_KEYS):
        errors.append({"field": "teams", "message": f"unknown team {team!r}"})
    if role_set & TEAM_ROLES and not team_set:
        errors.append({"field": "teams", "message": "caseworkers and supervisors need a team"})
    if team_set and not role_set & TEAM_ROLES:
        errors.append({"field": "teams",
                       "message": "only caseworkers and supervisors belong to teams"})
    return errors


def validate_password(password: object, *, check_strength: bool = True) -> str:
    """Return a new password if it is acceptable; InvalidInput naming the field otherwise."""
    errors = _password_errors(password, check_strength)
    if errors:
        raise InvalidInput("the password is not valid", errors)
    assert isinstance(password, str)
    return password


def _password_errors(password: object, check_strength: bool) -> list[dict[str, str]]:
    if not isinstance(password, str) or not password:
        return [{"field": "password", "message": "is required"}]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [{"field": "password", "message": f"at most {MAX_PASSWORD_LENGTH} characters"}]
    if check_strength and len(password) < MIN_PASSWORD_LENGTH:
        return [{"field": "password",
                 "message": f"at least {MIN_PASSWORD_LENGTH} characters"}]
    return []


def create_user(session: Session, username: str, password_hash: str, roles: frozenset[str],
                teams: frozenset[str], now: datetime) -> UserInfo:
    """Insert a user with its teams; Conflict if the username is taken."""
    if find_user(session, username) is not None:
        raise Conflict(f"user {username!r} exists already")
    user = User(username=username, password_hash=password_hash, roles=sorted(roles),
                active=True, created_at=now)
    session.add(user)
    session.flush()
    session.add_all(UserTeam(user_id=user.id, team=team) for team in sorted(teams))
    session.flush()
    return UserInfo(username, roles, teams, True)


def find_user(session: Session, username: str) -> User | None:
    """Return the user row with this username, if any."""
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def user_info(session: Session, user: User) -> UserInfo:
    """Return the caller-facing view of a user row (with its teams)."""
    teams = session.scalars(select(UserTeam.team).where(UserTeam.user_id == user.id))
    return UserInfo(user.username, frozenset(user.roles), frozenset(teams), user.active)


def list_users(session: Session, team: str | None = None) -> list[UserInfo]:
    """Return all users (or the members of one team), ordered by username."""
    stmt = select(User).order_by(User.username)
    if team is not None:
        stmt = stmt.join(UserTeam, UserTeam.user_id == User.id).where(UserTeam.team == team)
    found = list(session.scalars(stmt))
    # the teams of all of them in one statement (one per user made the inbox of a Land's
    # team, which lists its colleagues, run dozens of statements)
    teams: dict[int, set[str]] = {u.id: set() for u in found}
    if found:
        for user_id, name in session.execute(select(UserTeam.user_id, UserTeam.team)
                                             .where(UserTeam.user_id.in_(list(teams)))):
            teams[user_id].add(name)
    return [UserInfo(u.username, frozenset(u.roles), frozenset(teams[u.id]), u.active)
            for u in found]


def verify_password(hasher: PasswordHasher, password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches the hash (a missing user still costs one verification)."""
    try:
        return hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    """Return the stored form of a bearer token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, now: datetime, ttl: timedelta) -> IssuedToken:
    """Create a new bearer token for a user and drop the user's expired ones."""
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id,
                                           ApiToken.expires_at <= now))
    token = secrets.token_urlsafe(32)
    expires = now + ttl
    session.add(ApiToken(token_hash=hash_token(token), user_id=user.id, created_at=now,
                         expires_at=expires, revoked_at=None))
    session.flush()
    return IssuedToken(token, expires, user.username)


def user_for_token(session: Session, token: str, now: datetime) -> UserInfo | None:
    """Return the active user a valid, unexpired, unrevoked token belongs to."""
    if not token or len(token) > 200:
        return None
    rows = session.execute(
        select(User.username, User.roles, UserTeam.team)
        .join(ApiToken, ApiToken.user_id == User.id)
        .outerjoin(UserTeam, UserTeam.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.expires_at > now,
               ApiToken.revoked_at.is_(None), User.active.is_(True))
    ).all()  # one statement per request: the user and his teams
    if not rows:
        return None
    teams = frozenset(team for _, _, team in rows if team is not None)
    return UserInfo(rows[0].username, frozenset(rows[0].roles), teams, True)


def revoke_token(session: Session, token: str, now: datetime) -> bool:
    """Revoke one token; True if it existed and was still valid."""
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(token),
                                                 ApiToken.revoked_at.is_(None))).one_or_none()
    if row is None:
        return False
    row.revoked_at = now
    return True


def set_email(session: Session, username: str, email: str | None) -> None:
    """Store (or with None remove) a user's e-mail address; InvalidInput / NotFound."""
    if email is not None:
        email = email.strip()
        if not EMAIL_RE.match(email):
            raise InvalidInput("not an e-mail address",
                               [{"field": "email", "message": "is not an e-mail address"}])
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    user.email = email


def set_password(session: Session, username: str, password_hash: str, now: datetime
                 ) -> tuple[int, int]:
    """Store a new password hash and end every session and API token of the user (whoever
    knew the old password is out); NotFound for an unknown user. Returns the sessions and
    tokens ended."""
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    user.password_hash = password_hash
    return end_user_access(session, user.id, now)


def set_active(session: Session, username: str, active: bool, now: datetime
               ) -> tuple[int, int]:
    """Activate or deactivate a user; deactivation ends every session and API token of the
    user. NotFound for an unknown user. Returns the sessions and tokens ended."""
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    user.active = active
    return (0, 0) if active else end_user_access(session, user.id, now)
