"""``staffel rules recompute``: the table of changed dates, ``--dry-run`` writes nothing,
``--case`` limits it, ``--rules`` decides which rules are in force; exit codes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tests.engine.test_recompute import decided_case, old_engine, snapshot
from tests.lifecycle.helpers import advance_to, deadline_dates
from web.cli import main


def run(database_url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["rules", "recompute", *args, "--database-url",
                                     database_url], catch_exceptions=False)


def test_recompute_from_the_command_line(make_engine: Any, database_url: str,
                                         tmp_path: Path) -> None:
    old = old_engine(make_engine)
    case_id = decided_case(old, "8000011-423")
    other_id = decided_case(old, "8000012-423")
    advance_to(old, "2027-06-20")
    number = old.cases.get(case_id).case_number
    other = old.cases.get(other_id).case_number

    practice = tmp_path / "old.toml"
    practice.write_text('[rules]\nasylblg_end_rule = "month_final"\n', encoding="utf-8")
    same = run(database_url, "--dry-run", "--rules", str(practice))
    assert same.exit_code == 0, same.output
    assert "No open case" in same.output

    before = snapshot(old)
    dry = run(database_url, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert snapshot(old) == before  # --dry-run writes nothing
    lines = dry.output.splitlines()
    assert lines[0] == "Dry run: nothing written."
    assert any(number in line and "asylblg_end" in line and "2027-07-31 → 2027-06-30" in line
               for line in lines)
    assert any(other in line and "sgb2_start" in line and "2027-08-01 → 2027-07-01" in line
               for line in lines)
    assert "2 case(s) with changed dates, 0 changed." in dry.output

    one = run(database_url, "--case", number)
    assert one.exit_code == 0, one.output
    assert other not in one.output and "1 case(s) with changed dates, 1 changed." in one.output
    assert deadline_dates(old, case_id)["asylblg_end"] == date(2027, 6, 30)
    assert deadline_dates(old, other_id)["asylblg_end"] == date(2027, 7, 31)

    unknown = run(database_url, "--case", "NOPE-1")
    assert unknown.exit_code == 3
    assert "no such case: NOPE-1" in unknown.output
