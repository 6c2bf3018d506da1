"""People who use Staffel: users with roles and teams, passwords, bearer tokens, and the
e-mail address reminders go to. Password hashing runs outside any transaction, so a slow
argon2 verification never holds the database's write lock."""

from __future__ import annotations

from collections.abc import Iterable

from engine.errors import NotFound
from engine.model import IssuedToken, UserInfo
from engine.people import users
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
        """Activate or deactivate a user; deactivation ends all his page sessions and API
        tokens. NotFound for an unknown user."""
        with self.ctx.unit(actor) as uow:
            ended, revoked = users.set_active(uow.session, username, active,
                                              self.ctx.wall_clock.now())
            uow.record("user_activated" if active else "user_deactivated", username=username,
                       sessions_ended=ended, tokens_revoked=revoked)

    def set_email(self, username: str, email: str | None, actor: str = SYSTEM_ACTOR) -> None:
        """Store (or with None remove) the e-mail address reminders to ``username`` go to."""
        with self.ctx.unit(actor) as uow:
            users.set_email(uow.session, username, email)
            uow.record("user_email_set", username=username, present=email is not None)
