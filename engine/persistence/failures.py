"""Which database failures mean "the database cannot take this now" (503), and what to say.

A lost optimistic-lock race or a unique key taken at the same moment are conflicts of the
caller's change (409, decided in :mod:`engine.services.context`). The failures here are the
database's state: another connection holds the write lock past the bounded wait (SQLite
``SQLITE_BUSY``/``SQLITE_LOCKED``, PostgreSQL ``lock_timeout``/``statement_timeout``), the
database is read-only (``SQLITE_READONLY``, a PostgreSQL standby or
``default_transaction_read_only``), the disk is full or failing, or the server cannot be
reached. They become :class:`~engine.errors.Unavailable`; anything else (a bad schema, a bug)
stays what it is.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

from engine.errors import Unavailable

BUSY, READ_ONLY, UNREACHABLE = "busy", "read_only", "unreachable"

#: seconds a client should wait before sending the same request again
RETRY_AFTER = {BUSY: 5, READ_ONLY: 60, UNREACHABLE: 30}

MESSAGES = {
    BUSY: ("the database is busy with another change; nothing was changed, "
           "try again in a few seconds",
           "Die Datenbank ist gerade mit einer anderen Änderung beschäftigt. Es wurde nichts "
           "geändert; bitte in einigen Sekunden erneut versuchen."),
    READ_ONLY: ("the database accepts no changes at the moment (read-only); nothing was "
                "changed, try again later",
                "Die Datenbank nimmt im Moment keine Änderungen an (nur lesbar). Es wurde "
                "nichts geändert; bitte später erneut versuchen."),
    UNREACHABLE: ("the database cannot be reached or cannot store data at the moment; "
                  "nothing was changed, try again later",
                  "Die Datenbank ist im Moment nicht erreichbar oder kann nichts speichern. "
                  "Es wurde nichts geändert; bitte später erneut versuchen."),
}

_SQLITE_REASONS = (("SQLITE_BUSY", BUSY), ("SQLITE_LOCKED", BUSY),
                   ("SQLITE_READONLY", READ_ONLY), ("SQLITE_IOERR", UNREACHABLE),
                   ("SQLITE_FULL", UNREACHABLE), ("SQLITE_CANTOPEN", UNREACHABLE))
_SQLITE_TEXTS = (("database is locked", BUSY), ("database table is locked", BUSY),
                 ("readonly database", READ_ONLY), ("disk i/o error", UNREACHABLE),
                 ("database or disk is full", UNREACHABLE),
                 ("unable to open database file", UNREACHABLE))
#: PostgreSQL SQLSTATEs: lock_not_available, query_canceled (statement_timeout),
#: read_only_sql_transaction; classes 08 (connection), 53 (resources, disk full),
#: 57P (server shutting down or starting)
_PG_EXACT = {"55P03": BUSY, "57014": BUSY, "25006": READ_ONLY}
_PG_CLASSES = (("08", UNREACHABLE), ("53", UNREACHABLE), ("57P", UNREACHABLE))


def failure_reason(exc: BaseException) -> str | None:
    """``busy``, ``read_only`` or ``unreachable`` for a database failure of that kind, else
    None (the failure is not the database's state but something to fix: re-raise it)."""
    if not isinstance(exc, DBAPIError):
        return None
    original = exc.orig
    name = getattr(original, "sqlite_errorname", None)
    if isinstance(name, str):
        return next((reason for prefix, reason in _SQLITE_REASONS if name.startswith(prefix)),
                    None)
    state = getattr(original, "sqlstate", None)
    if isinstance(state, str) and state:
        if state in _PG_EXACT:
            return _PG_EXACT[state]
        return next((reason for prefix, reason in _PG_CLASSES if state.startswith(prefix)),
                    None)
    if exc.connection_invalidated:
        return UNREACHABLE
    text = str(original).lower()
    found = next((reason for part, reason in _SQLITE_TEXTS if part in text), None)
    if found is None and isinstance(exc, OperationalError) and state is None and \
            type(original).__module__.startswith("psycopg"):
        return UNREACHABLE  # no SQLSTATE: the connection itself failed (refused, timed out)
    return found


def unavailable(reason: str) -> Unavailable:
    """The :class:`Unavailable` error of a failure reason, in English and German."""
    english, german = MESSAGES[reason]
    return Unavailable(english, reason=reason, retry_after=RETRY_AFTER[reason],
                       message_de=german)


def as_unavailable(exc: BaseException) -> Unavailable | None:
    """The :class:`Unavailable` error for a database failure of the database's state, or
    None when ``exc`` is something else."""
    reason = failure_reason(exc)
    return unavailable(reason) if reason is not None else None
