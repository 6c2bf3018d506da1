"""Which database failures are the database's state (503 ``Unavailable``) and which are not
(issue 14, hole 5): the PostgreSQL SQLSTATEs that no test server produces on demand (disk
full, shutdown, standby), SQLite's result codes, and what stays a conflict or a bug."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError, InternalError, OperationalError

from engine import Unavailable
from engine.persistence.failures import as_unavailable, failure_reason


class FakePgError(Exception):
    """A driver error carrying a SQLSTATE, as psycopg's do."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "reason"), [
    ("55P03", "busy"),         # lock_not_available (lock_timeout)
    ("57014", "busy"),         # query_canceled (statement_timeout)
    ("25006", "read_only"),    # read_only_sql_transaction (standby, default read-only)
    ("53100", "unreachable"),  # disk_full
    ("08006", "unreachable"),  # connection_failure
    ("57P01", "unreachable"),  # admin_shutdown
    ("23505", None),           # unique_violation: a conflict of the change, not the database
    ("42P01", None),           # undefined_table: a bug or a missing migration, not retried
])
def test_postgresql_sqlstates(sqlstate: str, reason: str | None) -> None:
    wrapper = InternalError if sqlstate == "25006" else OperationalError
    assert failure_reason(wrapper("UPDATE ...", {}, FakePgError(sqlstate))) == reason


def test_a_refused_postgresql_connection_is_unreachable() -> None:
    refused = psycopg.OperationalError("connection refused")  # no SQLSTATE before a session
    assert failure_reason(OperationalError("connect", {}, refused)) == "unreachable"


@pytest.mark.parametrize(("text", "reason"), [
    ("database is locked", "busy"),
    ("attempt to write a readonly database", "read_only"),
    ("disk I/O error", "unreachable"),
    ("database or disk is full", "unreachable"),
    ("unable to open database file", "unreachable"),
    ("no such table: cases", None),
])
def test_sqlite_messages(text: str, reason: str | None) -> None:
    assert failure_reason(OperationalError("INSERT ...", {}, sqlite3.OperationalError(text))) \
        == reason


def test_sqlite_result_codes_decide_when_present() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("PRAGMA query_only=ON")
    with pytest.raises(sqlite3.OperationalError) as raised:
        connection.execute("CREATE TABLE t (x)")
    assert raised.value.sqlite_errorname.startswith("SQLITE_READONLY")
    error = as_unavailable(OperationalError("CREATE ...", {}, raised.value))
    assert isinstance(error, Unavailable)
    assert (error.reason, error.retry_after, error.code) == ("read_only", 60, "unavailable")
    assert "nur lesbar" in error.message_de


def test_a_unique_key_taken_at_the_same_moment_is_not_unavailable() -> None:
    taken = sqlite3.IntegrityError("UNIQUE constraint failed: users.username")
    assert as_unavailable(IntegrityError("INSERT ...", {}, taken)) is None
    assert as_unavailable(ValueError("not a database error")) is None
