"""``staffel backup`` / ``staffel restore`` (issue 16, "Operating"): a database filled through
the engine is backed up, restored into a fresh database and verified there (audit chain, the
same counts and persons, a case worked on); every bad input gives a clear message, a non-zero
exit and leaves the target as it was. SQLite, and PostgreSQL when STAFFEL_TEST_DATABASE_URL
is set (pg_dump/pg_restore of the server's Debian package)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from engine import Staffel
from engine.persistence.db import normalise_url
from tests.conftest import PG_URL
from tests.lifecycle.helpers import (
    REGISTRATION,
    complete_open,
    new_engine,
    recognised_refugee,
    register_asylum,
    start_asylum,
)
from web.cli import main

TABLES = ("cases", "human_tasks", "audit_events", "timers", "message_waits", "users",
          "case_deadlines", "person_name_tokens")
needs_sqlite = pytest.mark.skipif(bool(PG_URL), reason="SQLite files (the SQLite pass)")
needs_pg = pytest.mark.skipif(not PG_URL, reason="needs STAFFEL_TEST_DATABASE_URL")


def staffel(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run a ``staffel`` command in this process."""
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def counts(database_url: str) -> dict[str, int]:
    """Rows per table of :data:`TABLES`."""
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in TABLES}
    finally:
        engine.dispose()


def persons(eng: Staffel) -> list[tuple[str, str, str]]:
    """Every case's person (decrypted), sorted."""
    page = eng.cases.list(per_page=100)
    found = []
    for summary in page.items:
        person = eng.cases.get(summary.id).person or {}
        found.append((person["family_name"], person["given_name"], person["birth_date"]))
    return sorted(found)


def populate(make_engine: Any) -> tuple[Staffel, dict[str, str]]:
    """Three asylum cases at different stages (S1, S2, S3b) and a user, through the engine."""
    eng = new_engine(make_engine)
    cases = {"s1": start_asylum(eng, "8000001-001").id}
    cases["s2"] = start_asylum(eng, "8000001-002").id
    register_asylum(eng, cases["s2"])
    cases["s3b"] = recognised_refugee(eng, "8000001-003")
    eng.people.add("anna", "a long enough password 1", ["caseworker"], ["sozialamt"],
                   check_strength=False)
    return eng, cases


def keys_for(source_url: str, target_url: str) -> None:
    """Put the source's keys file where the target looks for it (SQLite: next to the file;
    the PostgreSQL pass names one file for every database)."""
    if source_url.startswith("sqlite:///"):
        shutil.copy(source_url.removeprefix("sqlite:///") + ".keys",
                    target_url.removeprefix("sqlite:///") + ".keys")


def test_a_backup_restores_into_a_fresh_database(make_engine: Any, database_url: str,
                                                 empty_database_url: str,
                                                 tmp_path: Path) -> None:
    eng, cases = populate(make_engine)
    before, people = counts(database_url), persons(eng)
    output = tmp_path / "staffel.backup"

    made = staffel("backup", "--database-url", database_url, "--output", str(output))
    assert made.exit_code == 0, made.output
    assert "backup written" in made.output and "3 cases" in made.output
    assert "keys file of the encryption at rest is NOT in the backup" in made.output

    restored = staffel("restore", "--database-url", empty_database_url, "--input", str(output))
    assert restored.exit_code == 0, restored.output
    assert "restored" in restored.output and "3 cases" in restored.output
    keys_for(database_url, empty_database_url)

    verified = staffel("audit", "verify", "--database-url", empty_database_url)
    assert verified.exit_code == 0, verified.output
    assert f"audit chain intact: {before['audit_events']} event(s)" in verified.output
    assert counts(empty_database_url) == before
    again = Staffel(empty_database_url, clock="auto")
    again.init_db()
    try:
        assert persons(again) == people
        assert again.cases.get(cases["s3b"]).stage == "S3b"
        complete_open(again, cases["s1"], "Task_register", REGISTRATION)
        assert "Task_asylblg_grant" in {t.name for t in again.cases.get(cases["s1"]).open_tasks}
        assert again.audit.verify().ok
        assert again.people.get("anna") is not None
    finally:
        again.close()
    # the restore's own check of the keys, now that they are in place
    again_restore = staffel("restore", "--database-url", empty_database_url, "--input",
                            str(output), "--force")
    assert again_restore.exit_code == 0, again_restore.output
    assert "opens the restored data" in again_restore.output


@needs_sqlite
def test_a_running_sqlite_database_is_backed_up_at_one_moment(make_engine: Any,
                                                             database_url: str,
                                                             tmp_path: Path) -> None:
    populate(make_engine)
    writer = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    writer.execute("CREATE TABLE half_written (x INTEGER)")
    output = tmp_path / "online.backup"
    made = staffel("backup", "--database-url", database_url, "--output", str(output))
    writer.execute("COMMIT")
    writer.close()
    assert made.exit_code == 0, made.output
    copy = sqlite3.connect(output)
    names = {n for (n,) in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    mode = copy.execute("PRAGMA journal_mode").fetchone()[0]
    copy.close()
    assert "cases" in names and "half_written" not in names
    assert mode == "delete"  # one self-contained file


@needs_sqlite
def test_a_restore_names_keys_that_do_not_open_the_data(make_engine: Any, database_url: str,
                                                        tmp_path: Path) -> None:
    populate(make_engine)
    output = tmp_path / "b.backup"
    assert staffel("backup", "--database-url", database_url, "--output",
                   str(output)).exit_code == 0
    target = f"sqlite:///{tmp_path / 'new.db'}"
    missing = staffel("restore", "--database-url", target, "--input", str(output))
    assert missing.exit_code == 0 and "new.db.keys does not exist" in missing.output
    other = tmp_path / "other.db"
    Staffel(f"sqlite:///{other}").init_db()  # makes other.db.keys: keys of another database
    shutil.copy(f"{other}.keys", tmp_path / "new.db.keys")
    wrong = staffel("restore", "--database-url", target, "--input", str(output), "--force")
    assert wrong.exit_code == 0
    assert "does NOT open this data" in wrong.output


# -- bad inputs: a clear message, a non-zero exit, nothing changed ------------------------
@pytest.fixture
def sqlite_backup(make_engine: Any, database_url: str, tmp_path: Path) -> Path:
    """A backup of a populated SQLite database (SQLite pass only)."""
    if PG_URL:
        pytest.skip("SQLite files (the SQLite pass)")
    populate(make_engine)
    output = tmp_path / "good.backup"
    assert staffel("backup", "--database-url", database_url, "--output",
                   str(output)).exit_code == 0
    return output


def test_a_backup_of_a_missing_database_is_refused(tmp_path: Path) -> None:
    output = tmp_path / "x.backup"
    result = staffel("backup", "--database-url", f"sqlite:///{tmp_path / 'none.db'}",
                     "--output", str(output))
    assert result.exit_code == 2 and "no database at" in result.output
    assert not output.exists() and not (tmp_path / "none.db").exists()


@pytest.mark.parametrize(("url", "needle"), [
    ("mysql://staffel@db/staffel", "no database URL Staffel uses"),
    ("sqlite:///:memory:", "in-memory"),
])
def test_a_backup_of_a_wrong_url_is_refused(tmp_path: Path, url: str, needle: str) -> None:
    output = tmp_path / "x.backup"
    result = staffel("backup", "--database-url", url, "--output", str(output))
    assert result.exit_code == 2 and needle in result.output, result.output
    assert not output.exists()


def test_a_backup_into_a_missing_directory_is_refused(sqlite_backup: Path,
                                                      database_url: str,
                                                      tmp_path: Path) -> None:
    output = tmp_path / "no" / "such" / "x.backup"
    result = staffel("backup", "--database-url", database_url, "--output", str(output))
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not (tmp_path / "no").exists()


def test_a_backup_never_overwrites_a_file(sqlite_backup: Path, database_url: str) -> None:
    before = sqlite_backup.read_bytes()
    result = staffel("backup", "--database-url", database_url, "--output", str(sqlite_backup))
    assert result.exit_code == 4 and "exists" in result.output and "--force" in result.output
    assert sqlite_backup.read_bytes() == before


def test_a_restore_of_a_missing_file_is_refused(database_url: str, tmp_path: Path) -> None:
    before = counts(database_url)
    result = staffel("restore", "--database-url", database_url, "--input",
                     str(tmp_path / "nothing.backup"), "--force")
    assert result.exit_code == 2 and "no backup file at" in result.output
    assert counts(database_url) == before


@pytest.mark.parametrize(("url", "needle"), [
    ("mysql://staffel@db/staffel", "no database URL Staffel uses"),
    ("sqlite:///{tmp}/no/such/dir/x.db", "does not exist"),
    ("sqlite:///:memory:", "in-memory"),
])
def test_a_restore_to_a_wrong_url_is_refused(sqlite_backup: Path, tmp_path: Path, url: str,
                                             needle: str) -> None:
    result = staffel("restore", "--database-url", url.format(tmp=tmp_path), "--input",
                     str(sqlite_backup))
    assert result.exit_code == 2 and needle in result.output, result.output
    assert not (tmp_path / "no").exists()


def test_a_restore_into_a_non_empty_database_needs_force(sqlite_backup: Path,
                                                         make_engine: Any,
                                                         tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path / 'busy.db'}"
    busy = Staffel(target, clock="simulated")
    busy.init_db()
    busy.people.add("only_here", "a long enough password 2", ["admin"], [],
                    check_strength=False)
    busy.close()
    before = counts(target)
    refused = staffel("restore", "--database-url", target, "--input", str(sqlite_backup))
    assert refused.exit_code == 4 and "is not empty" in refused.output
    assert "--force" in refused.output
    assert counts(target) == before
    forced = staffel("restore", "--database-url", target, "--input", str(sqlite_backup),
                     "--force")
    assert forced.exit_code == 0, forced.output
    assert counts(target)["cases"] == 3 and counts(target)["users"] == before["users"]


@pytest.mark.parametrize(("content", "needle"), [
    (b"just some text\n", "not a Staffel backup"),
    (b"PGDMP\x01\x0f\x00" + bytes(64), "is a PostgreSQL dump"),
    ("other-sqlite", "not a Staffel backup (no Staffel tables)"),
    ("truncated", "cannot be read"),
])
def test_a_file_that_is_no_backup_is_refused(sqlite_backup: Path, database_url: str,
                                             tmp_path: Path, content: Any,
                                             needle: str) -> None:
    bad = tmp_path / "bad.backup"
    if content == "other-sqlite":
        other = sqlite3.connect(bad)
        other.execute("CREATE TABLE notes (x TEXT)")
        other.close()
    elif content == "truncated":
        bad.write_bytes(sqlite_backup.read_bytes()[:8192])
    else:
        bad.write_bytes(content)
    before = counts(database_url)
    result = staffel("restore", "--database-url", database_url, "--input", str(bad),
                     "--force")
    assert result.exit_code == 2 and needle in result.output, result.output
    assert counts(database_url) == before


def test_a_sqlite_backup_is_refused_by_postgresql(sqlite_backup: Path) -> None:
    result = staffel("restore", "--database-url", "postgresql://staffel@127.0.0.1:1/x",
                     "--input", str(sqlite_backup))
    assert result.exit_code == 2 and "is a SQLite backup" in result.output


def test_missing_postgresql_tools_are_named(tmp_path: Path) -> None:
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP" + bytes(64))
    env = {"STAFFEL_PG_BINDIR": str(tmp_path)}
    made = staffel("backup", "--database-url", "postgresql://staffel@127.0.0.1:1/x",
                   "--output", str(tmp_path / "y.dump"), env=env)
    assert made.exit_code == 1 and "pg_dump not found" in made.output
    assert "postgresql-client" in made.output and not (tmp_path / "y.dump").exists()
    restored = staffel("restore", "--database-url", "postgresql://staffel@127.0.0.1:1/x",
                       "--input", str(dump), env=env)
    assert restored.exit_code == 1 and "pg_restore not found" in restored.output


@needs_pg
def test_postgresql_bad_inputs_change_nothing(make_engine: Any, database_url: str,
                                              empty_database_url: str,
                                              tmp_path: Path) -> None:
    populate(make_engine)
    output = tmp_path / "pg.backup"
    assert staffel("backup", "--database-url", database_url, "--output",
                   str(output)).exit_code == 0
    unreachable = staffel("restore", "--database-url", "postgresql://staffel@127.0.0.1:1/x",
                          "--input", str(output))
    assert unreachable.exit_code == 2 and "cannot connect to" in unreachable.output
    before = counts(database_url)
    refused = staffel("restore", "--database-url", database_url, "--input", str(output))
    assert refused.exit_code == 4 and "is not empty" in refused.output
    broken = tmp_path / "broken.backup"
    broken.write_bytes(output.read_bytes()[: output.stat().st_size // 2])
    failed = staffel("restore", "--database-url", database_url, "--input", str(broken),
                     "--force")
    assert failed.exit_code != 0 and "pg_restore" in failed.output, failed.output
    assert counts(database_url) == before
    half = staffel("restore", "--database-url", empty_database_url, "--input", str(broken))
    assert half.exit_code != 0
    engine = create_engine(normalise_url(empty_database_url))
    with engine.connect() as conn:  # one transaction: not even a part of the tables came
        assert conn.execute(text("SELECT count(*) FROM pg_tables "
                                 "WHERE schemaname = 'public'")).scalar_one() == 0
    engine.dispose()
