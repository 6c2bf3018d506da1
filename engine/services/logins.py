"""Sign-in security (issue 14): the throttle of failed sign-ins and the server-side page
sessions, both on the wall clock (never the simulated engine clock) and in the database, so
that every worker process of one installation counts and ends alike."""

from __future__ import annotations

from datetime import timedelta

from engine.errors import NotFound
from engine.model import UserInfo
from engine.people import signin, users
from engine.services.context import EngineContext, storable


class LoginService:
    """``staffel.logins``: one method, one transaction."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def begin_attempt(self, account_key: str, address_key: str, *, account_limit: int,
                      address_limit: int, window: timedelta) -> int:
        """Count a sign-in attempt before its password is checked: 0 when it may go on (it is
        recorded as a failure until :meth:`attempt_succeeded`), otherwise the seconds to wait
        (nothing recorded). The keys are the caller's keyed hashes of username and address."""
        rule = signin.ThrottleRule(account_limit, address_limit, window)
        with self.ctx.db.write() as session:
            return signin.begin_attempt(session, account_key[:signin.MAX_KEY_LENGTH],
                                        address_key[:signin.MAX_KEY_LENGTH], rule,
                                        self.ctx.wall_clock.now())

    def attempt_succeeded(self, account_key: str) -> None:
        """Clear the failures of an account after a successful sign-in."""
        with self.ctx.db.write() as session:
            signin.attempt_succeeded(session, account_key[:signin.MAX_KEY_LENGTH])

    def start_session(self, username: str) -> str:
        """Start a page session for an active user; returns its id for the signed cookie."""
        with self.ctx.db.write() as session:
            row = users.find_user(session, username)
            if row is None or not row.active:
                raise NotFound(f"no active user {username!r}")
            return signin.start_session(session, row, self.ctx.wall_clock.now())

    def session_user(self, session_id: str, idle: timedelta) -> UserInfo | None:
        """The user of a live page session (not ended, user active, seen within ``idle``)."""
        if not storable(session_id, 200):
            return None
        now = self.ctx.wall_clock.now()
        with self.ctx.db.read() as session:
            found = signin.session_user(session, session_id, now, idle)
        if found is None:
            return None
        info, stale = found
        if stale:
            with self.ctx.db.write() as session:
                signin.touch_session(session, session_id, now)
        return info

    def end_session(self, session_id: str) -> bool:
        """End one page session (sign-out); True if it was still open."""
        if not storable(session_id, 200):
            return False
        with self.ctx.db.write() as session:
            return signin.end_session(session, session_id, self.ctx.wall_clock.now())
