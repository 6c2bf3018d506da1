"""The façade :class:`Staffel`: one engine over one database, made of small services that share
one unit-of-work factory (:class:`~engine.services.context.EngineContext`).

``web/``, ``adapters/`` and the CLI call ``staffel.cases.start(...)``,
``staffel.tasks.complete(...)``, ``staffel.definitions.deploy(...)`` and so on. Each service
method is one transaction: it either does all it says or leaves the database as it was. Errors
are the ones of :mod:`engine.errors`.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta

from argon2 import PasswordHasher

from engine.execution.clock import Clock, SystemClock, install_spiff_clock
from engine.execution.events import EventObserver
from engine.execution.runtime import Runtime
from engine.execution.scheduler import SchedulerHooks
from engine.execution.scripting import make_script_engine
from engine.execution.specs import SpecCache
from engine.execution.spiff import install_gateway_timers
from engine.execution.timekeeper import Timekeeper
from engine.execution.unit import UnitOfWork
from engine.law.outside_events import DEFAULT_OUTSIDE_EVENTS, OutsideEvents
from engine.law.rules import DEFAULT_RULES, LegalRules
from engine.law.settings import RuleBook, as_rulebook
from engine.people.users import DEFAULT_HASHER, DEFAULT_TOKEN_TTL
from engine.persistence.crypto import KeyRing, attach, load_keys
from engine.persistence.db import DEFAULT_BUSY_TIMEOUT, Database, DatabaseState
from engine.ports import Notifier
from engine.privacy.erasure_model import RetentionPeriods
from engine.services.audit import AuditService
from engine.services.cases import CaseService
from engine.services.context import EngineContext
from engine.services.definitions import DefinitionService
from engine.services.drafts import DraftService
from engine.services.erasure import ErasureService
from engine.services.handovers import HandoverService
from engine.services.health import HealthService
from engine.services.imports import ImportService
from engine.services.keys import KeyService
from engine.services.logins import LoginService
from engine.services.messages import MessageService
from engine.services.migrations import MigrationService
from engine.services.people import PeopleService
from engine.services.personal_data import PersonalDataService
from engine.services.recompute import RecomputeService
from engine.services.saved_filters import SavedFilterService
from engine.services.supervision import SupervisionService
from engine.services.task_work import TaskWorkService
from engine.services.tasks import TaskService
from engine.services.testruns import TestRunService
from engine.services.timers import ClockService, TimerService


class Staffel:
    """One engine over one database. Thread-safe: every call opens its own transaction.

    Everything it depends on comes in here, once: the clock mode, the legal rules, the
    outside-event settings (how long early messages are kept, when waits are followed up),
    the notifier (the port reminders go out through; None sends none), the wall clock for
    leases and token expiry, the password hasher, the token lifetime and how long a write
    waits for another connection's lock (``db_busy_timeout`` seconds, then 503).
    """

    def __init__(self, database_url: str, *, clock: str = "system",
                 clock_start: datetime | None = None,
                 rules: LegalRules | RuleBook = DEFAULT_RULES,
                 worker_id: str | None = None, script_time_limit: float = 1.0,
                 notifier: Notifier | None = None, wall_clock: Clock | None = None,
                 password_hasher: PasswordHasher = DEFAULT_HASHER,
                 token_ttl: timedelta = DEFAULT_TOKEN_TTL,
                 outside_events: OutsideEvents = DEFAULT_OUTSIDE_EVENTS,
                 db_busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
                 keys: KeyRing | None = None,
                 retention: RetentionPeriods | None = None) -> None:
        install_spiff_clock()
        install_gateway_timers()
        specs = SpecCache()
        book = as_rulebook(rules)
        db = Database(database_url, busy_timeout=db_busy_timeout)
        attach(db.engine, keys or load_keys(database_url))  # encryption at rest
        self.context = EngineContext(
            db=db,
            time=Timekeeper(clock, clock_start), rules=book.base,
            runtime=Runtime(specs, make_script_engine(book, script_time_limit, outside_events)),
            worker_id=worker_id or f"{socket.gethostname()}:{os.getpid()}",
            wall_clock=wall_clock or SystemClock(), notifier=notifier,
            password_hasher=password_hasher, token_ttl=token_ttl,
            outside_events=outside_events, specs=specs, rulebook=book)
        ctx = self.context
        self.cases = CaseService(ctx)
        self.tasks = TaskService(ctx)
        self.task_work = TaskWorkService(ctx)
        self.messages = MessageService(ctx)
        self.timers = TimerService(ctx, expire_kept=self.messages.expire_kept)
        self.clock = ClockService(ctx, self.timers)
        self.definitions = DefinitionService(ctx)
        self.drafts = DraftService(ctx)
        self.migrations = MigrationService(ctx)
        self.recompute = RecomputeService(ctx)
        self.testruns = TestRunService(ctx, make_engine=self._throwaway)
        self.supervision = SupervisionService(ctx)
        self.handovers = HandoverService(ctx)
        self.people = PeopleService(ctx)
        self.saved_filters = SavedFilterService(ctx)
        self.logins = LoginService(ctx)
        self.imports = ImportService(ctx, self.messages)
        self.audit = AuditService(ctx)
        self.erasure = ErasureService(ctx, retention)  # retention periods: docs/privacy.md
        self.personal_data = PersonalDataService(ctx, self.erasure.periods.case_days)
        self.keys = KeyService(ctx)
        self.health = HealthService(ctx)  # heartbeats, timers due, last reminder run

    def _throwaway(self, start: datetime) -> Staffel:
        """An in-memory engine for a test run, its simulated clock at ``start``, same rules."""
        return Staffel("sqlite://", clock="simulated", clock_start=start,
                       rules=self.context.rulebook, worker_id="testrun")

    def scheduler_hooks(self) -> SchedulerHooks:
        """What a :class:`~engine.execution.scheduler.TimerScheduler` of this engine calls."""
        remind = self.supervision.send_reminders
        return SchedulerHooks(
            fire_due=lambda limit: self.timers.fire_due(limit=limit),
            next_due=self.timers.next_due, simulated=lambda: self.context.time.simulated,
            send_reminders=(lambda: remind().sent) if self.context.notifier else None,
            retention=self.erasure.run_scheduled, heartbeat=self.health.beat)

    def observe(self, observer: EventObserver) -> None:
        """Tell ``observer`` every audit event once its transaction committed (ids only; see
        :mod:`engine.execution.events`): the hook of the web layer's metrics and logs."""
        self.context.observers.add(observer)

    @property
    def rulebook(self) -> RuleBook:
        """The legal rules over time: the settings file's values and their dates of change."""
        return self.context.rulebook

    @property
    def rules(self) -> LegalRules:
        """The legal rules in force for this engine (frozen; adapters read pass marks etc.)."""
        return self.context.rules

    @property
    def db(self) -> Database:
        """The database (tests, benchmarks and maintenance; web and adapters never use it)."""
        return self.context.db

    @contextlib.contextmanager
    def unit(self, actor: str) -> Iterator[UnitOfWork]:
        """One write transaction (tests and benchmarks; services use the context's)."""
        with self.context.unit(actor) as uow:
            yield uow

    def init_db(self) -> None:
        """Create or upgrade the schema, the simulated clock row if configured, and encrypt what
        an installation from before encryption at rest stored in clear."""
        self.context.db.migrate()
        with self.context.db.write() as session:
            self.context.time.ensure_row(session)
        self.keys.seal_legacy()  # data of an installation from before encryption at rest

    def database_state(self, timeout: float = 1.0) -> DatabaseState:
        """Readiness of the database: reachable, migrated to head, writable (each wait at
        most ``timeout`` seconds); never raises for the database's own failures."""
        return self.context.db.readiness(timeout)

    def close(self) -> None:
        """Release database connections."""
        self.context.db.dispose()
