"""Database connection, transactions and schema migration.

SQLite (the embedded default) runs in WAL mode; every write transaction starts with
``BEGIN IMMEDIATE`` so that two writers never both read and then both try to write (the second
waits for the first instead of failing half-way). Reads use a plain deferred ``BEGIN``.
PostgreSQL is used when a ``postgresql+psycopg://`` URL is given.

Waits are bounded: a writer waits at most ``busy_timeout`` seconds (default 3) for another
connection's lock (SQLite's busy timeout; PostgreSQL's ``lock_timeout``, and a connect timeout
of the same length, at least 2 s). A failure that is the database's state, not the caller's
change (still locked after the wait, read-only, disk full or failing, unreachable) leaves every
session here as :class:`~engine.errors.Unavailable` (HTTP 503 with ``Retry-After``); the
transaction is rolled back, so nothing is half-written. See :mod:`engine.persistence.failures`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from engine.persistence.failures import as_unavailable
from engine.persistence.readiness import DatabaseState, check_readiness

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: seconds a write waits for another connection's lock before it answers "unavailable"
DEFAULT_BUSY_TIMEOUT = 3.0
#: migrations at start-up wait longer: several workers starting at once migrate in turn
MIGRATION_LOCK_TIMEOUT = 60.0


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """An engine plus two session factories: one for reads, one for write transactions.

    ``busy_timeout`` (seconds) bounds every wait for another connection's lock.
    """

    def __init__(self, url: str, *, echo: bool = False,
                 busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        if not busy_timeout > 0:
            raise ValueError("busy_timeout must be a positive number of seconds")
        self.url = normalise_url(url)
        self.busy_timeout = float(busy_timeout)
        timeout_ms = max(1, int(self.busy_timeout * 1000))
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": self.busy_timeout}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
            # libpq's connect_timeout is whole seconds, at least 2
            kwargs["connect_args"] = {"options": f"-c lock_timeout={timeout_ms}",
                                      "connect_timeout": max(2, math.ceil(self.busy_timeout))}
        self.engine = create_engine(self.url, **kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        write_bind: Engine = self.engine
        if self.is_sqlite:
            _configure_sqlite(self.engine, timeout_ms)
            write_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write = sessionmaker(bind=write_bind, expire_on_commit=False)

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed at the end of the block, rolled back on any error
        (:class:`~engine.errors.Unavailable` when the database is locked, read-only or
        unreachable)."""
        session = self._write()
        try:
            with session.begin():
                yield session
        except DBAPIError as exc:
            _raise_unavailable(exc)
            raise
        finally:
            session.close()

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; anything written in it is rolled back."""
        session = self._read()
        try:
            with session.begin():
                yield session
                session.rollback()
        except DBAPIError as exc:
            _raise_unavailable(exc)
            raise
        finally:
            session.close()

    @contextlib.contextmanager
    def schema_change(self) -> Iterator[Connection]:
        """A connection in one transaction for migrations (committed at the end of the block).

        On SQLite, Alembic's batch mode changes a table's constraints by copying it: create
        the new table, copy the rows, DROP the old one, rename. With foreign keys enforced,
        that DROP fails as soon as other rows reference the table (and deferring the checks
        does not help: the DROP counts as deleting the referenced rows). So, as SQLite's own
        procedure for such changes says, enforcement is switched off for the migration
        (possible only outside a transaction), every reference is checked with
        ``PRAGMA foreign_key_check`` before the commit, and enforcement is switched on again
        before the connection goes back to the pool.
        """
        wait_ms = int(MIGRATION_LOCK_TIMEOUT * 1000)
        with self.engine.connect() as connection:
            if not self.is_sqlite:
                with connection.begin():
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {wait_ms}")
                    yield connection
                return
            raw = connection.connection.driver_connection
            if raw is None:  # a pooled SQLite connection always has its sqlite3 connection
                raise RuntimeError("no SQLite connection to switch foreign keys off")
            raw.execute("PRAGMA foreign_keys=OFF")  # autocommit: no transaction is open yet
            raw.execute(f"PRAGMA busy_timeout={wait_ms}")
            try:
                with connection.begin():
                    yield connection
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:10]}")
            finally:
                raw.execute("PRAGMA foreign_keys=ON")
                raw.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration (Alembic ``upgrade head``)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.schema_change() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def readiness(self, timeout: float = 1.0) -> DatabaseState:
        """Is the database reachable, migrated to the newest revision and writable? Each wait
        is bounded by ``timeout`` seconds (and never longer than ``busy_timeout``)."""
        return check_readiness(self.engine, min(timeout, self.busy_timeout), self.busy_timeout)

    def dispose(self) -> None:
        """Close all pooled connections."""
        self.engine.dispose()


def _raise_unavailable(exc: DBAPIError) -> None:
    """Raise :class:`~engine.errors.Unavailable` if ``exc`` is the database's state (locked,
    read-only, unreachable); return otherwise, and the caller re-raises ``exc``."""
    unavailable = as_unavailable(exc)
    if unavailable is not None:
        raise unavailable from exc
