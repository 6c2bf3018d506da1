"""People who use Staffel: users with roles and teams, passwords, bearer tokens, and the
e-mail address reminders go to. Password hashing runs outside any transaction, so a slow
argon2 verification never holds the database's write lock."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from engine.errors import Conflict, InvalidInput, NotFound
from engine.model import IssuedToken, UserInfo
from engine.people import accounts, users
from engine.people.accounts import ResetLink, UserOverview
from engine.people.signin import end_user_access
from engine.services.context import SYSTEM_ACTOR, EngineContext, storable


class PeopleService:
    """``staffel.people``: one method, one transaction."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def add(self, username: str, password: str, roles: Iterable[str],
            teams: Iterable[str] = (), *, actor: str = SYSTEM_ACTOR,
            check_strength: bool = True) -> UserInfo:
        """Create a user; InvalidInput for bad fields, Conflict if the name is taken."""
        role_set, team_set = users.validate_new_user(username, password, roles, teams,
                                                     check_strength=check_strength)
        password_hash = self.ctx.password_hasher.hash(password)
        with self.ctx.unit(actor) as uow:
            info = users.create_user(uow.session, username, password_hash, role_set, team_set,
                                     uow.now)
            uow.record("user_created", username=username, roles=sorted(role_set),
                       teams=sorted(team_set))
            return info

    def get(self, username: str) -> UserInfo | None:
        """A user by name, or None."""
        if not storable(username, 100):
            return None
        with self.ctx.db.read() as session:
            row = users.find_user(session, username)
            return users.user_info(session, row) if row is not None else None

    def list(self, team: str | None = None) -> list[UserInfo]:
        """All users, or the members of one team."""
        with self.ctx.db.read() as session:
            return users.list_users(session, team)

    def authenticate(self, username: str, password: str) -> UserInfo | None:
        """Check a username and password; None when either is wrong or the user is inactive."""
        if not storable(username, 100) or not isinstance(password, str):
            return None
        hasher = self.ctx.password_hasher
        with self.ctx.db.read() as session:
            row = users.find_user(session, username)
            stored = row.password_hash if row is not None and row.active else None
        # Verify first, also for an unknown user: both cost one argon2 verification, so the
        # answer's timing does not tell which usernames exist.
        if not users.verify_password(hasher, stored, password[:2048]) or stored is None:
            return None
        if hasher.check_needs_rehash(stored):
            new_hash = hasher.hash(password)
            with self.ctx.db.write() as session:
                fresh = users.find_user(session, username)
                if fresh is not None:
                    fresh.password_hash = new_hash
        return self.get(username)

    def issue_token(self, username: str) -> IssuedToken:
        """Issue a bearer token for an existing, active user (the caller authenticated it)."""
        now = self.ctx.wall_clock.now()
        with self.ctx.db.write() as session:
            row = users.find_user(session, username)
            if row is None or not row.active:
                raise NotFound(f"no active user {username!r}")
            return users.issue_token(session, row, now, self.ctx.token_ttl)

    def user_for_token(self, token: str) -> UserInfo | None:
        """The user of a valid bearer token, or None."""
        with self.ctx.db.read() as session:
            return users.user_for_token(session, token, self.ctx.wall_clock.now())

    def revoke_token(self, token: str) -> bool:
        """Revoke a bearer token; True if it was valid."""
        with self.ctx.db.write() as session:
            return users.revoke_token(session, token, self.ctx.wall_clock.now())

    def set_password(self, username: str, password: str, actor: str = SYSTEM_ACTOR, *,
                     check_strength: bool = True) -> None:
        """Give a user a new password and end all his page sessions and API tokens;
        InvalidInput for a bad password, NotFound for an unknown user."""
        new_password = users.validate_password(password, check_strength=check_strength)
        password_hash = self.ctx.password_hasher.hash(new_password)
        with self.ctx.unit(actor) as uow:
            ended, revoked = users.set_password(uow.session, username, password_hash,
                                                self.ctx.wall_clock.now())
            uow.record("user_password_changed", username=username, sessions_ended=ended,
                       tokens_revoked=revoked)

    def set_active(self, username: str, active: bool, actor: str = SYSTEM_ACTOR) -> None:
        """Activate or deactivate a user; deactivation ends all his page sessions, API tokens
        and one-time links. NotFound for an unknown user; Conflict when an administrator
        deactivates himself or the last active administrator."""
        with self.ctx.unit(actor) as uow:
            if not active:
                row = accounts.require_user(uow.session, username)
                if username == actor:
                    raise Conflict("you cannot deactivate yourself")
                accounts.guard_last_admin(uow.session, row)
                accounts.end_reset_links(uow.session, row.id, uow.now)
            ended, revoked = users.set_active(uow.session, username, active,
                                              self.ctx.wall_clock.now())
            uow.record("user_activated" if active else "user_deactivated", username=username,
                       sessions_ended=ended, tokens_revoked=revoked)

    def set_email(self, username: str, email: str | None, actor: str = SYSTEM_ACTOR) -> None:
        """Store (or with None remove) the e-mail address reminders to ``username`` go to."""
        with self.ctx.unit(actor) as uow:
            users.set_email(uow.session, username, email)
            uow.record("user_email_set", username=username, present=email is not None)

    def overview(self) -> tuple[UserOverview, ...]:
        """Every user with roles, teams, state, e-mail and last sign-in (administrators)."""
        with self.ctx.db.read() as session:
            return tuple(accounts.overview(session, self.ctx.time.now(session)))

    def create(self, username: str, roles: Iterable[str], teams: Iterable[str] = (),
               email: str | None = None, *, actor: str = SYSTEM_ACTOR) -> ResetLink:
        """Create a user without a known password and return the one-time link with which he
        sets his first one. InvalidInput naming every bad field (``username``, ``roles``,
        ``teams``, ``email``), Conflict if the name is taken; nothing is stored then."""
        password = secrets.token_urlsafe(32)  # nobody ever knows it: the link sets the first
        errors: list[dict[str, str]] = []
        role_set, team_set = frozenset(roles), frozenset(teams)
        try:
            role_set, team_set = users.validate_new_user(username, password, role_set,
                                                         team_set)
        except InvalidInput as err:
            errors.extend(err.errors)
        address = email.strip() if isinstance(email, str) and email.strip() else None
        if address is not None and not users.EMAIL_RE.match(address):
            errors.append({"field": "email", "message": "is not an e-mail address"})
        if errors:
            raise InvalidInput("the user data is not valid", errors)
        password_hash = self.ctx.password_hasher.hash(password)
        with self.ctx.unit(actor) as uow:
            users.create_user(uow.session, username, password_hash, role_set, team_set,
                              uow.now)
            row = accounts.require_user(uow.session, username)
            row.email = address
            link = accounts.issue_reset_link(uow.session, row, actor, uow.now)
            uow.record("user_created", username=username, roles=sorted(role_set),
                       teams=sorted(team_set), email=address is not None)
            uow.record("user_reset_link_issued", username=username,
                       expires_at=link.expires_at.isoformat())
            return link

    def set_membership(self, username: str, roles: Iterable[str], teams: Iterable[str],
                       actor: str = SYSTEM_ACTOR) -> None:
        """Give a user exactly these roles and teams (validated as for a new user);
        Conflict when that takes the admin role from the last active administrator."""
        role_set, team_set = frozenset(roles), frozenset(teams)
        accounts.validate_membership(role_set, team_set)
        with self.ctx.unit(actor) as uow:
            row = accounts.require_user(uow.session, username)
            old_roles, old_teams = accounts.set_membership(uow.session, row, role_set,
                                                           team_set)
            uow.record("user_membership_changed", username=username, roles_before=old_roles,
                       roles=sorted(role_set), teams_before=old_teams, teams=sorted(team_set))

    def issue_reset_link(self, username: str, actor: str = SYSTEM_ACTOR) -> ResetLink:
        """A one-time link for the user to set a new password (48 hours of engine time; an
        earlier open link ends). His password stays valid until the link is used. NotFound
        for an unknown user, Conflict for a deactivated one."""
        with self.ctx.unit(actor) as uow:
            row = accounts.require_user(uow.session, username)
            link = accounts.issue_reset_link(uow.session, row, actor, uow.now)
            uow.record("user_reset_link_issued", username=username,
                       expires_at=link.expires_at.isoformat())
            return link

    def reset_link_user(self, token: str) -> str:
        """The username an open one-time link belongs to (nothing changes); InvalidInput
        naming ``token`` with ``unknown``, ``used``, ``ended`` or ``expired`` otherwise."""
        with self.ctx.db.read() as session:
            _link, user = accounts.find_reset_link(session, token, self.ctx.time.now(session))
            return user.username

    def reset_password(self, token: str, password: str, *,
                       check_strength: bool = True) -> str:
        """Set the password with a one-time link and use the link up; every page session and
        API token of the user ends. Returns the username. InvalidInput naming ``token`` (see
        :meth:`reset_link_user`) or ``password``; nothing changes then."""
        username = self.reset_link_user(token)  # the link's problem first, before hashing
        new_password = users.validate_password(password, check_strength=check_strength)
        password_hash = self.ctx.password_hasher.hash(new_password)
        with self.ctx.unit(username) as uow:  # the user sets it: he is the actor
            link, user = accounts.find_reset_link(uow.session, token, uow.now)
            link.used_at = uow.now
            user.password_hash = password_hash
            ended, revoked = end_user_access(uow.session, user.id, self.ctx.wall_clock.now())
            uow.record("user_password_reset", username=user.username, sessions_ended=ended,
                       tokens_revoked=revoked)
            return user.username
