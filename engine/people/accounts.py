"""User administration (issue 15, point 15): the administrators' overview of the users, changing
a user's roles and teams, the guards that keep at least one administrator, and one-time links
to set a password.

A link is a random 256-bit token; the database keeps only its SHA-256, who made it, when, and
its expiry in *engine* time (48 hours by default, so a simulated clock moved past it ends it).
It works once: setting the password marks it used, and a newer link for the same user or the
user's deactivation ends it. Only usernames are stored, never a person's name.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.errors import Conflict, InvalidInput, NotFound
from engine.people.users import find_user, membership_errors
from engine.persistence.models import ApiToken, User, UserTeam
from engine.persistence.security_models import PasswordReset, WebSession

#: how long a one-time link to set a password works (engine time)
RESET_LINK_TTL = timedelta(hours=48)
ADMIN_ROLE = "admin"
#: why a link does not work: unknown (never issued, mistyped), used, ended (a newer link, or the
#: user was deactivated), expired
LINK_PROBLEMS = ("unknown", "used", "ended", "expired")


@dataclass(frozen=True)
class UserOverview:
    """One line of the administrators' user list (no person's data: a username is a login)."""

    username: str
    roles: frozenset[str]
    teams: frozenset[str]
    active: bool
    email: str | None
    created_at: datetime
    last_sign_in: datetime | None  # newest page session or API token; None: never / unknown
    open_reset_link: bool  # a one-time link was issued and is neither used nor ended


@dataclass(frozen=True)
class ResetLink:
    """A freshly issued one-time link; the token exists in clear only in this object."""

    username: str
    token: str
    expires_at: datetime


def overview(session: Session, now: datetime) -> list[UserOverview]:
    """Every user with teams, roles, state, e-mail and last sign-in, ordered by username."""
    teams: dict[int, set[str]] = {}
    for user_id, team in session.execute(select(UserTeam.user_id, UserTeam.team)):
        teams.setdefault(user_id, set()).add(team)
    signed_in: dict[int, datetime] = {}
    for table in (WebSession, ApiToken):
        for user_id, newest in session.execute(
                select(table.user_id, func.max(table.created_at)).group_by(table.user_id)):
            if newest is not None and (user_id not in signed_in or newest > signed_in[user_id]):
                signed_in[user_id] = newest
    open_links = set(session.scalars(select(PasswordReset.user_id).where(
        PasswordReset.used_at.is_(None), PasswordReset.ended_at.is_(None),
        PasswordReset.expires_at > now)))
    return [UserOverview(u.username, frozenset(u.roles), frozenset(teams.get(u.id, ())),
                         u.active, u.email, u.created_at, signed_in.get(u.id),
                         u.id in open_links)
            for u in session.scalars(select(User).order_by(User.username))]


def require_user(session: Session, username: str) -> User:
    """The user row with this name; NotFound otherwise."""
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def validate_membership(roles: frozenset[str], teams: frozenset[str]) -> None:
    """InvalidInput naming ``roles`` / ``teams`` when the combination is not allowed."""
    errors = membership_errors(roles, teams)
    if errors:
        raise InvalidInput("the roles and teams are not valid", errors)


def _other_active_admins(session: Session, user: User) -> int:
    rows = session.scalars(select(User).where(User.active.is_(True), User.id != user.id))
    return sum(1 for row in rows if ADMIN_ROLE in row.roles)


def guard_last_admin(session: Session, user: User) -> None:
    """Conflict when ``user`` is the last active administrator (who must not go)."""
    if user.active and ADMIN_ROLE in user.roles and not _other_active_admins(session, user):
        raise Conflict("the last active administrator cannot be removed")


def set_membership(session: Session, user: User, roles: frozenset[str],
                   teams: frozenset[str]) -> tuple[list[str], list[str]]:
    """Give the user exactly these roles and teams (validated by the caller); Conflict when
    that takes the admin role from the last active administrator. Returns the old roles and
    teams (sorted) for the audit trail."""
    if ADMIN_ROLE not in roles:
        guard_last_admin(session, user)
    old_roles = sorted(user.roles)
    old_teams = sorted(session.scalars(select(UserTeam.team)
                                       .where(UserTeam.user_id == user.id)))
    user.roles = sorted(roles)
    for membership in session.scalars(select(UserTeam).where(UserTeam.user_id == user.id)):
        if membership.team not in teams:
            session.delete(membership)
    session.add_all(UserTeam(user_id=user.id, team=team)
                    for team in sorted(teams - set(old_teams)))
    session.flush()
    return old_roles, old_teams


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def end_reset_links(session: Session, user_id: int, now: datetime) -> int:
    """End every open link of a user (a newer link, or deactivation); how many."""
    result = session.execute(update(PasswordReset).where(
        PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None),
        PasswordReset.ended_at.is_(None)).values(ended_at=now))
    return int(getattr(result, "rowcount", 0))


def issue_reset_link(session: Session, user: User, actor: str, now: datetime,
                     ttl: timedelta = RESET_LINK_TTL) -> ResetLink:
    """A new one-time link for an active user (earlier open links of his end); Conflict for a
    deactivated user."""
    if not user.active:
        raise Conflict(f"user {user.username!r} is deactivated")
    end_reset_links(session, user.id, now)
    token = secrets.token_urlsafe(32)
    expires = now + ttl
    session.add(PasswordReset(token_hash=_hash(token), user_id=user.id, created_by=actor,
                              created_at=now, expires_at=expires, used_at=None, ended_at=None))
    session.flush()
    return ResetLink(user.username, token, expires)


def _link_problem(problem: str) -> InvalidInput:
    return InvalidInput(f"the link is not valid ({problem})",
                        [{"field": "token", "message": problem}])


def find_reset_link(session: Session, token: str, now: datetime) -> tuple[PasswordReset, User]:
    """The open link of this token and its user; InvalidInput naming the field ``token`` with
    one of :data:`LINK_PROBLEMS` as message otherwise."""
    if not isinstance(token, str) or not token or len(token) > 200:
        raise _link_problem("unknown")
    link = session.scalars(select(PasswordReset)
                           .where(PasswordReset.token_hash == _hash(token))).one_or_none()
    if link is None:
        raise _link_problem("unknown")
    if link.used_at is not None:
        raise _link_problem("used")
    user = session.get(User, link.user_id)
    if link.ended_at is not None or user is None or not user.active:
        raise _link_problem("ended")
    if link.expires_at <= now:
        raise _link_problem("expired")
    return link, user
