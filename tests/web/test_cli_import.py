"""``staffel import``: exit 0 with a summary when taken, 2 with a clear message when rejected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine import Staffel
from tests.adapters.imports_world import DATA, counts, new_engine, waits, world
from tests.data.imports.make_large import write
from web.cli import main


@pytest.fixture
def eng(make_engine: Any) -> Staffel:
    return new_engine(make_engine)


def run(database_url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["import", *args, "--database-url", database_url],
                              catch_exceptions=False)


def test_a_taken_file_exits_0_with_a_summary(eng: Staffel, database_url: str) -> None:
    w = world(eng)
    result = run(database_url, "permits", str(DATA / "permits_mixed.csv"), "--user", "anna")
    assert result.exit_code == 0, result.output
    assert ("rows 10: correlated 1, clarification 3, invalid 5, duplicate 0, kept for later 1"
            in result.output)
    assert "line 4: invalid bad_date [Geburtsdatum]" in result.output
    assert "permit_issued" not in waits(eng, w.haddad)
    assert any(e.actor == "anna" and e.action == "import_finished" for e in eng.audit.events())
    again = run(database_url, "permits", str(DATA / "permits_mixed.csv"))
    assert again.exit_code == 0 and "already imported, nothing changed" in again.output


@pytest.mark.parametrize(("kind", "name", "needle"), [
    ("permits", "permits_xxe.xml", "document type declarations"),
    ("permits", "permits_wrong_header.csv", "wrong header"),
    ("decisions", "decisions_invalid_outcome.xml", "decisions.xsd"),
])
def test_a_rejected_file_exits_2_and_changes_nothing(eng: Staffel, database_url: str,
                                                     kind: str, name: str, needle: str) -> None:
    world(eng)
    before = counts(eng)
    result = run(database_url, kind, str(DATA / name))
    assert result.exit_code == 2
    assert needle in result.output and "nothing was imported" in result.output
    assert counts(eng) == before


def test_bad_arguments(database_url: str, tmp_path: Path) -> None:
    assert run(database_url, "visa", str(DATA / "permits_mixed.csv")).exit_code == 2
    assert run(database_url, "permits", str(tmp_path / "missing.csv")).exit_code == 2


def test_progress_bar_for_large_files(eng: Staffel, database_url: str, tmp_path: Path) -> None:
    path = write(tmp_path / "big.csv", 3000)
    result = run(database_url, "permits", str(path))
    assert result.exit_code == 0, result.output
    assert "importing big.csv" in result.output  # the bar (stderr is mixed in by CliRunner)
    assert "rows 3000: correlated 0, clarification 2997, invalid 3" in result.output
