"""Façade methods for users, tokens and visibility, mixed into :class:`engine.api.Staffel`.

Kept apart from ``engine/api.py`` so that the façade stays readable. Every write is one
transaction (``self.unit``); password hashing runs outside any transaction, so a slow argon2
verification never holds the database's write lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from argon2 import PasswordHasher
from sqlalchemy import select

from engine.errors import InvalidInput, NotFound
from engine.execution import cases, tasks
from engine.execution.clock import Clock
from engine.execution.runtime import UnitOfWork
from engine.execution.timekeeper import Timekeeper
from engine.model import CaseSummary, IssuedToken, Page, TaskInfo, UserInfo
from engine.people import access, users
from engine.persistence.db import Database
from engine.persistence.models import Case, HumanTask


class _Engine(Protocol):
    db: Database
    time: Timekeeper
    wall_clock: Clock
    password_hasher: PasswordHasher
    token_ttl: timedelta

    def unit(self, actor: str) -> contextlib.AbstractContextManager[UnitOfWork]: ...

    def get_user(self, username: str) -> UserInfo | None: ...


class AccessApi:
    """Users, tokens, and the visibility queries the web layer's authorization needs."""

    password_hasher: PasswordHasher = users.DEFAULT_HASHER
    token_ttl: timedelta = users.DEFAULT_TOKEN_TTL

    # -- users ---------------------------------------------------------------------------
    def add_user(self: _Engine, username: str, password: str, roles: Iterable[str],
                 teams: Iterable[str] = (), *, actor: str = "system",
                 check_strength: bool = True) -> UserInfo:
        """Create a user; InvalidInput for bad fields, Conflict if the name is taken."""
        role_set, team_set = users.validate_new_user(username, password, roles, teams,
                                                     check_strength=check_strength)
        password_hash = self.password_hasher.hash(password)
        with self.unit(actor) as uow:
            info = users.create_user(uow.session, username, password_hash, role_set, team_set,
                                     uow.now)
            uow.record("user_created", username=username, roles=sorted(role_set),
                       teams=sorted(team_set))
            return info

    def get_user(self: _Engine, username: str) -> UserInfo | None:
        """Return a user by name, or None."""
        if not _storable(username, 100):
            return None
        with self.db.read() as session:
            row = users.find_user(session, username)
            return users.user_info(session, row) if row is not None else None

    def list_users(self: _Engine, team: str | None = None) -> list[UserInfo]:
        """Return all users, or the members of one team."""
        with self.db.read() as session:
            return users.list_users(session, team)

    def authenticate(self: _Engine, username: str, password: str) -> UserInfo | None:
        """Check a username and password; None when either is wrong or the user is inactive."""
        if not _storable(username, 100) or not isinstance(password, str):
            return None
        with self.db.read() as session:
            row = users.find_user(session, username)
            stored = row.password_hash if row is not None and row.active else None
        if not users.verify_password(self.password_hasher, stored, password[:2048]):
            return None
        assert stored is not None
        if self.password_hasher.check_needs_rehash(stored):
            new_hash = self.password_hasher.hash(password)
            with self.db.write() as session:
                fresh = users.find_user(session, username)
                if fresh is not None:
                    fresh.password_hash = new_hash
        return self.get_user(username)

    def issue_token(self: _Engine, username: str) -> IssuedToken:
        """Issue a bearer token for an existing, active user (the caller authenticated it)."""
        now = self.wall_clock.now()
        with self.db.write() as session:
            row = users.find_user(session, username)
            if row is None or not row.active:
                raise NotFound(f"no active user {username!r}")
            return users.issue_token(session, row, now, self.token_ttl)

    def user_for_token(self: _Engine, token: str) -> UserInfo | None:
        """Return the user of a valid bearer token, or None."""
        with self.db.read() as session:
            return users.user_for_token(session, token, self.wall_clock.now())

    def revoke_token(self: _Engine, token: str) -> bool:
        """Revoke a bearer token; True if it was valid."""
        with self.db.write() as session:
            return users.revoke_token(session, token, self.wall_clock.now())

    # -- visibility ------------------------------------------------------------------------
    def case_visible(self: _Engine, case_id: str, teams: Iterable[str] | None) -> bool:
        """True if the case exists and one of ``teams`` has or had a task on it (None: any)."""
        if not _storable(case_id, 32):
            return False
        with self.db.read() as session:
            return access.case_visible(session, case_id, teams)

    def list_case_summaries(self: _Engine, *, teams: Iterable[str] | None = None,
                            stage: str | None = None, q: str | None = None, page: int = 1,
                            per_page: int = 50) -> Page[CaseSummary]:
        """List cases visible to ``teams`` (None: all), newest first, without personal data."""
        with self.db.read() as session:
            return access.list_case_summaries(session, teams=teams, stage=stage, q=q,
                                              page=page, per_page=per_page)

    def task_info(self: _Engine, task_id: str) -> TaskInfo:
        """Return one task (any state) without loading the process; NotFound if absent."""
        try:
            UUID(str(task_id))
        except ValueError as exc:
            raise NotFound(f"task {task_id} does not exist") from exc
        with self.db.read() as session:
            found = session.execute(
                select(HumanTask, Case.case_number).join(Case, Case.id == HumanTask.case_id)
                .where(HumanTask.id == str(task_id))).one_or_none()
            if found is None:
                raise NotFound(f"task {task_id} does not exist")
            row, number = found
            return tasks.to_info(row, number, self.time.now(session))

    def find_case_id(self: _Engine, case_id: str | None = None,
                     correlation: dict[str, Any] | None = None) -> str:
        """Resolve a case id or a correlation key to a case id (NotFound / InvalidInput)."""
        if correlation is not None and not all(isinstance(v, str) for v in correlation.values()):
            raise InvalidInput("correlation values must be strings",
                               [{"field": "correlation", "message": "values must be strings"}])
        with self.db.read() as session:
            return cases.find_case(session, case_id, correlation).id

    def clock_mode(self: _Engine) -> str:
        """Return ``simulated`` or ``system`` (resolving ``auto`` against the database)."""
        with self.db.read() as session:
            self.time.resolve(session)
        return "simulated" if self.time.simulated else "system"

    def wall_now(self: _Engine) -> datetime:
        """The wall-clock time (token expiry; never the simulated engine time)."""
        return self.wall_clock.now()


def _storable(value: object, max_length: int) -> bool:
    """True for a string a key column can be compared with (PostgreSQL rejects NUL)."""
    return isinstance(value, str) and len(value) <= max_length and "\x00" not in value
