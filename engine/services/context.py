"""What every service of the façade shares: the database, the engine time, the legal rules, the
caches, the runtime and the outside-world ports, all given once through the constructor.

:meth:`EngineContext.unit` is the one unit-of-work factory: a write transaction with the engine
time, the clock SpiffWorkflow sees, the actor and the audit log. One service method opens one
unit, so one façade call is one transaction.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from argon2 import PasswordHasher
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.audit import AuditLog
from engine.definitions.forms import SchemaCache
from engine.errors import Conflict, InvalidInput, NotFound
from engine.execution.clock import Clock, SimulatedClock, SystemClock
from engine.execution.events import EventObservers
from engine.execution.runtime import Runtime
from engine.execution.specs import SpecCache
from engine.execution.timekeeper import Timekeeper
from engine.execution.unit import UnitOfWork
from engine.law.outside_events import DEFAULT_OUTSIDE_EVENTS, OutsideEvents
from engine.law.rules import LegalRules
from engine.law.settings import RuleBook
from engine.people.users import DEFAULT_HASHER, DEFAULT_TOKEN_TTL
from engine.persistence.db import Database
from engine.persistence.models import Case, HumanTask, ProcessInstance
from engine.ports import Notifier

SYSTEM_ACTOR = "system"


@dataclass
class EngineContext:
    """The shared parts of one engine; built by :class:`engine.facade.Staffel`."""

    db: Database
    time: Timekeeper
    rules: LegalRules
    runtime: Runtime
    worker_id: str
    wall_clock: Clock = field(default_factory=SystemClock)  # claim leases, token expiry
    notifier: Notifier | None = None  # None: no reminders are sent (nothing is claimed)
    password_hasher: PasswordHasher = DEFAULT_HASHER
    token_ttl: timedelta = DEFAULT_TOKEN_TTL
    outside_events: OutsideEvents = DEFAULT_OUTSIDE_EVENTS
    specs: SpecCache = field(default_factory=SpecCache)
    schemas: SchemaCache = field(default_factory=SchemaCache)
    #: the rules over time (``rules`` is its base: the values without a date of change)
    rulebook: RuleBook = field(default_factory=RuleBook)
    #: told every committed audit event (metrics, logs): :mod:`engine.execution.events`
    observers: EventObservers = field(default_factory=EventObservers)

    @contextlib.contextmanager
    def unit(self, actor: str) -> Iterator[UnitOfWork]:
        """One write transaction with engine time, clock, actor and audit log.

        The database's own failures become the engine's errors here, once for every service:
        a lost optimistic lock or a unique key taken at the same moment is a 409 the caller can
        retry, never a 500; a busy, read-only or unreachable database is ``Unavailable`` (503).
        """
        try:
            with self.db.write() as session:
                now = self.time.now(session)
                clock: Clock = SimulatedClock(now) if self.time.simulated else SystemClock()
                uow = UnitOfWork(session, now, clock, actor, AuditLog())
                yield uow
                written = list(uow.audit.pending)
                uow.audit.flush(session)
            self.observers.publish(written, self.time.simulated)  # committed now
        except StaleDataError as exc:
            raise Conflict("someone else changed this case at the same time; reload and retry"
                           ) from exc
        except IntegrityError as exc:
            raise Conflict("the change collides with one made at the same time") from exc
        # A database locked past the bounded wait, read-only or unreachable is not a conflict
        # of this change: Database.write raises Unavailable (503 + Retry-After) for it.

    def now(self) -> datetime:
        """The engine time (simulated or system)."""
        with self.db.read() as session:
            return self.time.now(session)


def check_json(field_name: str, value: Any) -> None:
    """InvalidInput unless ``value`` is plain JSON data (what process state can hold)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{field_name} is not JSON-serialisable: {exc}",
                           [{"field": field_name, "message": "must be plain JSON data"}]) from exc


def storable(value: object, max_length: int) -> bool:
    """True for a string a key column can be compared with (PostgreSQL rejects NUL)."""
    return isinstance(value, str) and len(value) <= max_length and "\x00" not in value


_TASK_ROW = (select(HumanTask, Case, ProcessInstance)
             .join(Case, Case.id == HumanTask.case_id)
             .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
             .where(HumanTask.id == bindparam("task_id")))
_TASK_ROW_LOCKED = _TASK_ROW.with_for_update(of=HumanTask)


def task_row(session: Session, task_id: str,
             lock: bool = False) -> tuple[HumanTask, Case, ProcessInstance]:
    """Load a task with its case and instance in one query (NotFound if there is none).

    ``lock`` takes a row lock on PostgreSQL only: SQLite's write transaction (BEGIN IMMEDIATE)
    already holds the whole database, and it has no ``FOR UPDATE``.
    """
    try:
        UUID(str(task_id))
    except ValueError as exc:
        raise NotFound(f"task {task_id} does not exist") from exc
    stmt = _TASK_ROW_LOCKED if lock and session.get_bind().dialect.name == "postgresql" \
        else _TASK_ROW
    found = session.execute(stmt, {"task_id": str(task_id)}).one_or_none()
    if found is None:
        raise NotFound(f"task {task_id} does not exist")
    return found[0], found[1], found[2]
