"""Is the database ready for work: reachable, migrated to the newest revision, writable?

Used by ``/health/ready``. Every wait is short and bounded: SQLite's busy timeout and
PostgreSQL's ``lock_timeout`` / ``statement_timeout`` are lowered for the probe's own
transaction, and the write probe takes the write lock only to release it at once (SQLite
``BEGIN IMMEDIATE`` + ``ROLLBACK``; PostgreSQL: the transaction's read-only setting), so it
never changes anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from engine.persistence.failures import READ_ONLY, failure_reason

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class DatabaseState:
    """What the readiness probe found; ``ready`` only when reachable, at head and writable.

    ``reason`` names the first thing that is wrong: ``unreachable``, ``busy``, ``read_only``
    or ``migrations`` (the schema is not at the newest revision).
    """

    ready: bool
    dialect: str
    reachable: bool
    writable: bool | None
    revision: str | None
    head: str | None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-ready data."""
        return asdict(self)


@cache
def migration_head() -> str | None:
    """The newest revision of the migrations shipped with this code."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    heads = ScriptDirectory.from_config(config).get_heads()
    return heads[0] if len(heads) == 1 else None


def check_readiness(engine: Engine, timeout: float, busy_timeout: float) -> DatabaseState:
    """Probe the database of ``engine`` with waits of at most ``timeout`` seconds (see the
    module doc); ``busy_timeout`` is the connections' usual wait, restored afterwards."""
    dialect = engine.dialect.name
    is_sqlite = dialect == "sqlite"
    head = migration_head()
    try:
        with engine.connect() as connection:
            revision = _revision(connection, is_sqlite, timeout)
            if revision != head:
                return DatabaseState(False, dialect, True, None, revision, head, "migrations")
            problem = _write_problem(connection, is_sqlite, timeout, busy_timeout)
    except DBAPIError as exc:
        reason = failure_reason(exc) or "unreachable"
        return DatabaseState(False, dialect, False, None, None, head, reason)
    if problem is not None:
        return DatabaseState(False, dialect, True, False, revision, head, problem)
    return DatabaseState(True, dialect, True, True, revision, head)


def _revision(connection: Connection, is_sqlite: bool, timeout: float) -> str | None:
    """The schema's revision (None without Alembic's table); reads wait ``timeout`` at most."""
    ms = max(1, int(timeout * 1000))
    with connection.begin():
        if not is_sqlite:
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
        try:
            with connection.begin_nested():
                found = connection.execute(text("SELECT version_num FROM alembic_version"))
                rows = [row[0] for row in found]
        except DBAPIError as exc:
            if failure_reason(exc) is not None:
                raise
            return None  # no such table: never migrated
    return rows[0] if len(rows) == 1 else None


def _write_problem(connection: Connection, is_sqlite: bool, timeout: float,
                   busy_timeout: float) -> str | None:
    """None when a write could start now, else ``busy`` or ``read_only``."""
    ms = max(1, int(timeout * 1000))
    if not is_sqlite:
        with connection.begin():
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
            read_only = connection.exec_driver_sql(
                "SELECT current_setting('transaction_read_only') = 'on' "
                "OR pg_is_in_recovery()").scalar()
        return READ_ONLY if read_only else None
    raw = connection.connection.driver_connection
    if raw is None:  # pragma: no cover - a pooled SQLite connection has its sqlite3 handle
        return "unreachable"
    raw.execute(f"PRAGMA busy_timeout={ms}")
    try:
        raw.execute("BEGIN IMMEDIATE")  # takes the write lock, or fails busy / read-only
        raw.execute("ROLLBACK")
    except Exception as exc:  # sqlite3.OperationalError: wrapped to classify it alike
        return failure_reason(DBAPIError(None, None, exc)) or "unreachable"
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    return None
