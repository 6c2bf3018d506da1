"""scripts/backup-postgres.sh, the operators' pg_dump script: clear refusals of bad input,
and on the PostgreSQL pass a dump that ``staffel restore`` takes back whole."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_URL
from tests.ops.test_backup import counts, populate, staffel

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "backup-postgres.sh"


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the script with the given arguments and extra environment."""
    clean = {k: v for k, v in os.environ.items() if k != "STAFFEL_DATABASE_URL"}
    return subprocess.run(["bash", str(SCRIPT), *args], env={**clean, **env},
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(("args", "code", "needle"), [
    ((), 2, "no database"),
    (("-d", "sqlite:///instance/staffel.db"), 2, "not a PostgreSQL URL"),
    (("-d", "postgresql://staffel@127.0.0.1:1/x", "-k", "soon"), 2, "whole number"),
    (("-d", "postgresql://staffel@127.0.0.1:1/x", "-o", "/no/such/dir"), 2, "does not exist"),
])
def test_the_script_refuses_bad_input(args: tuple[str, ...], code: int, needle: str) -> None:
    done = run(*args)
    assert done.returncode == code and needle in done.stderr, done.stderr


def test_the_script_names_missing_tools(tmp_path: Path) -> None:
    done = run("-d", "postgresql://staffel@127.0.0.1:1/x", "-o", str(tmp_path),
               STAFFEL_PG_BINDIR=str(tmp_path))
    assert done.returncode == 1 and "pg_dump/pg_restore not found" in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not PG_URL, reason="needs STAFFEL_TEST_DATABASE_URL")
def test_a_script_dump_restores(make_engine: Any, database_url: str, empty_database_url: str,
                                tmp_path: Path) -> None:
    populate(make_engine)
    done = run("-d", database_url, "-o", str(tmp_path), "-k", "30")
    assert done.returncode == 0, done.stderr
    dump = Path(done.stdout.strip())
    assert dump.parent == tmp_path and dump.name.startswith("staffel-")
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert "NOT in this dump" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == [dump.name]
    restored = staffel("restore", "--database-url", empty_database_url, "--input", str(dump))
    assert restored.exit_code == 0, restored.output
    assert counts(empty_database_url) == counts(database_url)
