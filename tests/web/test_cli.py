"""The ``staffel`` CLI against a real database: happy paths, clear errors, exit codes."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from tests.conftest import ENGINE_DIAGRAMS
from web.cli import main
from web.cli_common import open_engine


@pytest.fixture
def cli(database_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, [*args, "--database-url", database_url],
                             catch_exceptions=False)

    run("init-db", "--clock", "simulated")
    return run


def test_the_whole_loop_through_the_cli(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("deploy", str(ENGINE_DIAGRAMS))
    assert result.exit_code == 0, result.output
    assert "basic v1 (new)" in result.output
    result = cli("start-case", "--family-name", "Haddad", "--given-name", "Rana",
                 "--birth-date", "1990-04-12", "--process", "basic", "--land", "NW",
                 "--bamf-aktenzeichen", "8123456-423")
    assert result.exit_code == 0, result.output
    task_id = re.search(r"open task (\S+) Task_register \[sozialamt\]", result.output).group(1)
    result = cli("tasks", "--team", "sozialamt")
    assert task_id in result.output and "1 open task(s)" in result.output
    result = cli("complete", task_id, "--data", json.dumps({"interpreter_needed": False}))
    assert result.exit_code == 0, result.output
    result = cli("message", "bamf_decision", "--bamf-aktenzeichen", "8123456-423",
                 "--payload", '{"outcome": "refugee"}')
    assert result.exit_code == 0 and "delivered bamf_decision" in result.output
    result = cli("clock", "advance", "--days", "3")
    assert result.exit_code == 0
    assert "clock at 2026-01-08T08:00:00+00:00; 0 timer(s) fired" in result.output
    result = cli("fire-due")
    assert result.exit_code == 0 and "fired 0" in result.output
    result = cli("audit", "verify")
    assert result.exit_code == 0 and "intact" in result.output


@pytest.mark.parametrize(("args", "code", "needle"), [
    (("complete", "0e4c7e1f-0000-4000-8000-000000000000"), 3, "does not exist"),
    (("complete", "x", "--data", "{not json"), 2, "not JSON"),
    (("message", "bamf_decision", "--bamf-aktenzeichen", "nope"), 3, "no such case"),
    (("start-case", "--family-name", "A", "--given-name", "B", "--birth-date", "1990-13-01",
      "--process", "basic", "--land", "NW"), 2, "birth_date"),
    (("clock", "advance", "--to", "2020-01-01T00:00:00Z"), 2, "cannot go back"),
    (("clock", "advance", "--to", "tomorrow"), 2, "ISO"),
])
def test_errors_are_clear_and_exit_non_zero(cli, args, code, needle) -> None:  # type: ignore[no-untyped-def]
    cli("deploy", str(ENGINE_DIAGRAMS))
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert needle in result.output


LANDS_LISTED = "BB, BE, BW, BY, HB, HE, HH, MV, NI, NW, RP, SH, SL, SN, ST, TH"


@pytest.mark.parametrize(("land", "needle"), [
    (None, "Missing option '--land'"),
    ("", "Missing option '--land'"),
    ("XX", "Invalid value for '--land': 'XX' is no Land"),
])
def test_start_case_needs_the_land(cli, land, needle) -> None:  # type: ignore[no-untyped-def]
    """No silent NW: the Land's holidays move every deadline of the case."""
    cli("deploy", str(ENGINE_DIAGRAMS))
    args = ["start-case", "--family-name", "Haddad", "--given-name", "Rana",
            "--birth-date", "1990-04-12", "--process", "basic"]
    result = cli(*args, *(["--land", land] if land is not None else []))
    assert result.exit_code == 2, result.output
    assert needle in result.output and LANDS_LISTED in result.output
    assert "0 open task(s)" in cli("tasks").output  # no case was started


def test_start_case_takes_the_land_in_any_case(cli, database_url) -> None:  # type: ignore[no-untyped-def]
    cli("deploy", str(ENGINE_DIAGRAMS))
    result = cli("start-case", "--family-name", "Haddad", "--given-name", "Rana",
                 "--birth-date", "1990-04-12", "--process", "basic", "--land", " by")
    assert result.exit_code == 0, result.output
    case_id = re.search(r"case \S+ \((\S+)\)", result.output).group(1)  # type: ignore[union-attr]
    assert open_engine(database_url).cases.get(case_id).land == "BY"


def test_a_rejected_deploy_lists_problems_and_exits_2(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.bpmn"
    bad.write_text("<not-bpmn/>")
    result = cli("deploy", str(bad))
    assert result.exit_code == 2
    assert "bad.bpmn" in result.output and "not a BPMN or DMN" in result.output
