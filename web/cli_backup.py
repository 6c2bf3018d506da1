"""``staffel backup`` and ``staffel restore`` (docs/deploy.md, "Backups").

* **SQLite**: SQLite's online backup API (:meth:`sqlite3.Connection.backup`) copies the
  database in one step from one read transaction, so a running server can be backed up (in WAL
  mode its writers go on meanwhile; the copy is the state of one moment). The copy is written
  beside the output, checked (``PRAGMA quick_check``), switched to a single self-contained file
  (journal mode DELETE) and only then moved into place. A restore copies a backup into the
  target the same way, in one transaction: the target is replaced whole or not at all.
* **PostgreSQL**: ``pg_dump --format=custom`` and ``pg_restore --single-transaction
  --exit-on-error --no-owner`` (the Debian binaries in ``/usr/lib/postgresql/<newest>/bin``,
  else the ``PATH``; ``STAFFEL_PG_BINDIR`` names the directory explicitly). The password of
  the URL goes to the tools in ``PGPASSWORD``, never on their command line.

Both refuse what would lose data: a backup over an existing file and a restore into a
database that already has tables (unless ``--force``); a file that is not a Staffel backup of
the target's kind is refused before anything is written. The keys of the encryption at rest
(``STAFFEL_KEYS_FILE``, or ``<database>.keys`` next to a SQLite file) are **not** in a backup:
both commands say so, and a restore checks whether the keys it finds open the restored data.

Exit codes as every command: 2 bad input, 4 refused (output exists, target not empty), 1
anything else (a tool missing or failing). Registered on the ``staffel`` group by
:mod:`web.cli`.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from engine import Conflict, InvalidInput, KeysError, StaffelError, key_file_of, read_key_file

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
KEYS_REMINDER = ("The keys file of the encryption at rest is NOT in the backup: keep a copy of "
                 "it apart from the backups. A backup without its keys cannot be read.")
TOOL_TIMEOUT = 6 * 3600  # seconds: a Land's database takes minutes, never hours


def database_kind(database_url: str) -> str:
    """``sqlite`` or ``postgresql``; InvalidInput for any other URL."""
    if database_url.startswith("sqlite:///"):
        return "sqlite"
    if re.match(r"postgres(ql)?(\+psycopg)?://", database_url):
        return "postgresql"
    raise InvalidInput(f"{_shown(database_url)} is no database URL Staffel uses: "
                       "sqlite:///FILE or postgresql://USER@HOST/DB")


def _shown(database_url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return repr(database_url)


def sqlite_path(database_url: str) -> Path:
    """The file of a ``sqlite:///`` URL (InvalidInput for an in-memory database)."""
    name = database_url.removeprefix("sqlite:///").split("?", 1)[0]
    if not name or name == ":memory:":
        raise InvalidInput("an in-memory database has nothing to back up or restore")
    return Path(name)


# -- SQLite --------------------------------------------------------------------------------
def _sqlite_connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    target = f"file:{path}?mode=ro" if read_only else str(path)
    connection = sqlite3.connect(target, uri=read_only, timeout=30)
    connection.execute("PRAGMA busy_timeout=30000")
    return connection


def _sqlite_tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {str(name) for (name,) in rows}


def _check_staffel_sqlite(path: Path) -> None:
    """InvalidInput unless ``path`` is a sound SQLite database with Staffel's tables."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(PGDUMP_MAGIC):
        raise InvalidInput(f"{path} is a PostgreSQL dump: restore it into a PostgreSQL database")
    if head != SQLITE_MAGIC:
        raise InvalidInput(f"{path} is not a Staffel backup (not a SQLite database)")
    try:
        connection = _sqlite_connect(path, read_only=True)
        try:
            tables = _sqlite_tables(connection)
            check = connection.execute("PRAGMA quick_check").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as err:
        raise InvalidInput(f"{path} cannot be read as a SQLite database: {err}") from None
    if not {"alembic_version", "cases", "audit_events"} <= tables:
        raise InvalidInput(f"{path} is a SQLite database but not a Staffel backup "
                           "(no Staffel tables)")
    if not check or check[0] != "ok":
        raise InvalidInput(f"{path} is damaged: {check[0] if check else 'no answer'}")


def backup_sqlite(database_url: str, output: Path) -> None:
    """Copy a (possibly running) SQLite database to ``output``, whole or not at all."""
    source_path = sqlite_path(database_url)
    if not source_path.is_file():
        raise InvalidInput(f"no database at {source_path}")
    _check_staffel_sqlite(source_path)
    part = output.with_name(f".{output.name}.{os.getpid()}.part")
    try:
        source = _sqlite_connect(source_path)
        target = sqlite3.connect(part)
        try:
            source.backup(target)  # one step: one read transaction, one consistent moment
            target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            check = target.execute("PRAGMA quick_check").fetchone()
        finally:
            target.close()
            source.close()
        if not check or check[0] != "ok":
            raise StaffelError(f"the copy failed its check: {check}")
        part.chmod(0o600)
        os.replace(part, output)
    except sqlite3.Error as err:
        raise StaffelError(f"backup of {source_path} failed: {err}") from None
    finally:
        part.unlink(missing_ok=True)


def restore_sqlite(backup: Path, database_url: str, force: bool) -> None:
    """Copy a SQLite backup into the target database in one transaction."""
    target_path = sqlite_path(database_url)
    _check_staffel_sqlite(backup)
    if not target_path.parent.is_dir():
        raise InvalidInput(f"the directory {target_path.parent} does not exist")
    try:
        if target_path.exists() and target_path.stat().st_size:
            probe = _sqlite_connect(target_path, read_only=True)
            try:
                tables = _sqlite_tables(probe)
            finally:
                probe.close()
            if tables and not force:
                raise Conflict(f"{target_path} is not empty ({len(tables)} tables): restore "
                               "into a new database, or give --force to replace it")
        created = not target_path.exists()
        try:
            _copy_sqlite(backup, target_path)
        except sqlite3.Error:
            if created:  # leave no empty file behind
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target_path}{suffix}").unlink(missing_ok=True)
            raise
    except sqlite3.Error as err:
        raise StaffelError(f"restore into {target_path} failed, nothing changed: {err}") from None


def _copy_sqlite(backup: Path, target_path: Path) -> None:
    source = _sqlite_connect(backup, read_only=True)
    try:
        target = _sqlite_connect(target_path)
        try:
            source.backup(target)  # one transaction: replaced whole or not at all
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    finally:
        source.close()


# -- PostgreSQL ----------------------------------------------------------------------------
def pg_tool(name: str) -> str:
    """The path of ``pg_dump``/``pg_restore``: ``$STAFFEL_PG_BINDIR``, else the newest
    ``/usr/lib/postgresql/*/bin`` (as scripts/postgres.sh finds it), else the PATH."""
    named = os.environ.get("STAFFEL_PG_BINDIR")
    if named:
        candidates = [Path(named) / name]
    else:
        dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                      key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)] or [0])
        candidates = [d / name for d in reversed(dirs)]
        found = shutil.which(name)
        if found:
            candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    where = f"in {named}" if named else "in /usr/lib/postgresql/*/bin or on the PATH"
    raise StaffelError(f"{name} not found {where}: install PostgreSQL's client programs "
                       "(Debian: apt-get install postgresql-client) or set STAFFEL_PG_BINDIR")


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it."""
    url = make_url(database_url).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
        url = url.set(password=None)
    return url.render_as_string(hide_password=False), env


def _run_tool(args: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True,
                              timeout=TOOL_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise StaffelError(f"{what} failed: {err}") from None
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()
        raise StaffelError(f"{what} failed (exit {done.returncode}): "
                           + (" / ".join(detail[-3:]) or "no message"))
    return done.stdout


def _sqlalchemy_url(database_url: str) -> str:
    """The URL with the driver Staffel uses (psycopg 3 for PostgreSQL)."""
    if database_kind(database_url) == "sqlite":
        return database_url
    return make_url(database_url).set(drivername="postgresql+psycopg").render_as_string(
        hide_password=False)


def _pg_tables(database_url: str) -> int:
    """How many tables the database's schema has; InvalidInput if it cannot be reached."""
    engine = create_engine(_sqlalchemy_url(database_url), connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
            )).scalar_one())
    except SQLAlchemyError as err:
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        raise InvalidInput(f"cannot connect to {_shown(database_url)}: {reason}") from None
    finally:
        engine.dispose()


def backup_postgresql(database_url: str, output: Path) -> None:
    """``pg_dump`` the database (custom format) to ``output``, whole or not at all."""
    tool = pg_tool("pg_dump")
    if not _pg_tables(database_url):
        raise InvalidInput(f"{_shown(database_url)} has no tables: nothing to back up")
    libpq, env = _libpq(database_url)
    part = output.with_name(f".{output.name}.{os.getpid()}.part")
    try:
        _run_tool([tool, "--format=custom", "--file", str(part), "--dbname", libpq], env,
                  "pg_dump")
        part.chmod(0o600)
        os.replace(part, output)
    finally:
        part.unlink(missing_ok=True)


def restore_postgresql(backup: Path, database_url: str, force: bool) -> None:
    """``pg_restore`` a custom-format dump into the target in one transaction."""
    with backup.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        raise InvalidInput(f"{backup} is a SQLite backup: restore it into a sqlite:/// URL")
    if not head.startswith(PGDUMP_MAGIC):
        raise InvalidInput(f"{backup} is not a Staffel backup (not a pg_dump "
                           "custom-format file)")
    tool = pg_tool("pg_restore")
    libpq, env = _libpq(database_url)
    listing = _run_tool([tool, "--list", str(backup)], env, "pg_restore --list")
    if not re.search(r"\bTABLE \S+ alembic_version\b", listing):
        raise InvalidInput(f"{backup} is a PostgreSQL dump but not of a Staffel database")
    tables = _pg_tables(database_url)
    if tables and not force:
        raise Conflict(f"{_shown(database_url)} is not empty ({tables} tables): restore into "
                       "a new database, or give --force to replace its tables")
    args = [tool, "--dbname", libpq, "--no-owner", "--no-privileges", "--exit-on-error",
            "--single-transaction"]
    if tables:
        args += ["--clean", "--if-exists"]
    _run_tool([*args, str(backup)], env, "pg_restore (nothing was changed)")


# -- what both print -----------------------------------------------------------------------
def _query(database_url: str) -> Callable[[str], Any]:
    engine = create_engine(_sqlalchemy_url(database_url))

    def scalar(sql: str) -> Any:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    scalar.dispose = engine.dispose  # type: ignore[attr-defined]
    return scalar


def summary(database_url: str) -> tuple[str, str | None]:
    """One line on what a database holds (schema revision, cases, tasks, audit events) and
    one encrypted value to test keys with (None if it holds none)."""
    scalar = _query(database_url)
    try:
        revision = scalar("SELECT version_num FROM alembic_version")
        counts = {name: scalar(f"SELECT count(*) FROM {table}") for name, table in
                  (("cases", "cases"), ("tasks", "human_tasks"),
                   ("audit events", "audit_events"))}
        sample = scalar("SELECT person FROM cases WHERE person LIKE 'gAAAAA%' LIMIT 1")
    finally:
        scalar.dispose()  # type: ignore[attr-defined]
    shown = ", ".join(f"{n} {name}" for name, n in counts.items())
    return f"schema {revision}, {shown}", sample


def keys_lines(database_url: str, sample: str | None) -> list[str]:
    """Where the restored database's keys must be, and whether the keys found there open its
    data (never a key or a value)."""
    if os.environ.get("STAFFEL_DATA_KEYS"):
        return ["Keys: from STAFFEL_DATA_KEYS/STAFFEL_INDEX_KEY; they must be the backed-up "
                "database's."]
    path = key_file_of(database_url)
    if path is None:
        return ["Keys: none configured. Set STAFFEL_KEYS_FILE to a copy of the backed-up "
                "database's keys file before starting Staffel."]
    if not path.is_file():
        return [f"Keys: {path} does not exist. Put a copy of the backed-up database's keys "
                "file there BEFORE starting Staffel (it would otherwise make new keys, which "
                "cannot read this data)."]
    if sample is None:
        return [f"Keys: {path} (no encrypted value to check them with)."]
    try:
        read_key_file(path).decrypt(sample.encode())
    except KeysError:
        return [f"WARNING: the keys file {path} does NOT open this data: it belongs to another "
                "database. Put the backed-up database's keys file there."]
    return [f"Keys: {path} opens the restored data."]


def register(main: click.Group) -> None:
    """Add ``backup`` and ``restore`` to the ``staffel`` command."""
    from web.cli_common import database_url_option, handle_errors

    @main.command("backup")
    @database_url_option
    @click.option("--output", required=True, type=click.Path(path_type=Path),
                  help="The backup file to write (SQLite: a database file; PostgreSQL: a "
                       "pg_dump custom-format file).")
    @click.option("--force", is_flag=True, help="Replace an existing output file.")
    @handle_errors
    def backup(database_url: str, output: Path, force: bool) -> None:
        """Back up the database (SQLite online backup; PostgreSQL pg_dump). The keys file is
        not included: keep it separately."""
        kind = database_kind(database_url)
        if output.exists() and not force:
            raise Conflict(f"{output} exists: choose a new name, or give --force to replace it")
        if not output.parent.is_dir():
            raise InvalidInput(f"the directory {output.parent} does not exist")
        if kind == "sqlite":
            backup_sqlite(database_url, output)
            line, _sample = summary(f"sqlite:///{output}")
        else:
            backup_postgresql(database_url, output)
            line, _sample = summary(database_url)
        click.echo(f"backup written: {output} ({output.stat().st_size} bytes; {line})")
        keys = ("STAFFEL_DATA_KEYS/STAFFEL_INDEX_KEY" if os.environ.get("STAFFEL_DATA_KEYS")
                else key_file_of(database_url) or "STAFFEL_KEYS_FILE")
        click.echo(f"{KEYS_REMINDER} This database's keys: {keys}")

    @main.command("restore")
    @database_url_option
    @click.option("--input", "input_file", required=True, type=click.Path(path_type=Path),
                  help="A file written by 'staffel backup'.")
    @click.option("--force", is_flag=True,
                  help="Replace the target even if it already has tables.")
    @handle_errors
    def restore(database_url: str, input_file: Path, force: bool) -> None:
        """Restore a backup into a database (refused into a non-empty one unless --force).
        The backed-up database's keys file must be put in place separately."""
        kind = database_kind(database_url)
        if not input_file.is_file():
            raise InvalidInput(f"no backup file at {input_file}")
        if kind == "sqlite":
            restore_sqlite(input_file, database_url, force)
        else:
            restore_postgresql(input_file, database_url, force)
        line, sample = summary(database_url)
        click.echo(f"restored {input_file} into {_shown(database_url)} ({line})")
        for note in keys_lines(database_url, sample):
            click.echo(note, err=note.startswith("WARNING"))
        click.echo("Then: staffel init-db (migrates an older backup), staffel audit verify.")
