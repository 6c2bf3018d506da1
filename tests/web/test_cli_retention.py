"""``staffel retention run``: ``--dry-run`` lists case numbers and counts and writes nothing,
the run erases; the periods come from the options or the environment; bad periods exit 2."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner

from engine import Staffel
from tests.conftest import ENGINE_DIAGRAMS
from tests.engine.privacy.erasure_scene import PERSON, closed_case
from tests.web.conftest import snapshot
from web.cli import main


def run(database_url: str, *args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, ["retention", "run", *args, "--database-url",
                                     database_url], catch_exceptions=False, env=env)


def test_dry_run_then_run(make_engine: Any, database_url: str,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    eng: Staffel = make_engine()
    eng.definitions.deploy_directory(ENGINE_DIAGRAMS, actor="tester")
    case_id = closed_case(eng)
    number = eng.cases.get(case_id).case_number
    eng.clock.advance(by=timedelta(days=40))
    monkeypatch.delenv("STAFFEL_RETENTION_DAYS", raising=False)

    default = run(database_url, "--dry-run")  # 1095 days: nothing due yet
    assert default.exit_code == 0, default.output
    assert "0 case(s) would erase" in default.output and "(1095 days)" in default.output

    before = snapshot(eng)
    dry = run(database_url, "--dry-run", env={"STAFFEL_RETENTION_DAYS": "30"})
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("Dry run: nothing written.")
    assert number in dry.output and "would erase: instances 1, messages 0" in dry.output
    assert "1 case(s) would erase" in dry.output
    assert all(v not in dry.output for v in PERSON.values() if isinstance(v, str))
    assert snapshot(eng) == before and eng.cases.get(case_id).person

    done = run(database_url, "--retention-days", "30")
    assert done.exit_code == 0, done.output
    assert f"{number}  ended" in done.output and "erased: person_fields 5" in done.output
    assert eng.cases.get(case_id).person == {}
    again = run(database_url, "--retention-days", "30")
    assert "0 case(s) erased" in again.output


def test_bad_periods_exit_2(make_engine: Any, database_url: str) -> None:
    make_engine()
    bad = CliRunner().invoke(main, ["retention", "run", "--retention-days", "-5",
                                    "--database-url", database_url])
    assert bad.exit_code == 2 and "case_days" in bad.output
    env_bad = CliRunner().invoke(main, ["retention", "run", "--database-url", database_url],
                                 env={"STAFFEL_IMPORT_ORIGINAL_DAYS": "bald"})
    assert env_bad.exit_code == 2 and "import_original_days" in env_bad.output
