"""The legal rules on a page (issue 13, item 6): administrators and process owners see every
rule with its value, its source and its changes; the settings file is checked when the app
starts; every rule has a German explanation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from engine import RuleBook, RulesFileError, Staffel, load_rules, rule_docs
from tests.web.test_pages_support import HTML, login, text
from web import create_app, get_engine
from web.pages.rule_labels import RULE_TEXTS

DATA = Path(__file__).resolve().parents[1] / "data" / "rules"


def words(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


@pytest.fixture
def ruled_app(api_engine: Staffel) -> Flask:
    api_engine.context.rulebook = load_rules(DATA / "example.toml")
    return create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "TESTING": True,
                       "CASE_PROCESS": "basic", "SECRET_KEY": "test"})


def test_admins_see_every_rule_with_source_and_changes(ruled_app: Flask) -> None:
    client = ruled_app.test_client()
    login(client, "admin")
    page = client.get("/admin/rules", headers=HTML)
    assert page.status_code == 200
    html, shown = text(page), words(page)
    for name in rule_docs():
        assert f'id="rule-{name}"' in html
    row = shown.split("lawsuit_weeks_short")[0].split("lawsuit_weeks")[-1]
    assert "Klagefrist" in row and "ab 12.06.2026: 3" in row and "ab 01.01.2028: 2" in row
    assert "Einstellungsdatei" in shown and "example.toml" in shown


@pytest.mark.parametrize("user", ["cw_soz", "sup_soz"])
def test_other_roles_get_404(ruled_app: Flask, user: str) -> None:
    client = ruled_app.test_client()
    login(client, user)
    assert client.get("/admin/rules", headers=HTML).status_code == 404


def test_every_rule_has_a_german_and_an_english_explanation() -> None:
    assert set(RULE_TEXTS) == set(rule_docs())
    assert all(de and en and de != en for de, en in RULE_TEXTS.values())


def test_the_app_checks_the_settings_file_when_it_starts(tmp_path: Path) -> None:
    config = {"DATABASE_URL": f"sqlite:///{tmp_path}/s.db", "DEPLOY_ON_START": False,
              "SECRET_KEY": "test", "CLOCK": "simulated"}
    with pytest.raises(RulesFileError):
        create_app({**config, "RULES": str(DATA / "bad.toml")})
    app = create_app({**config, "RULES": str(DATA / "example.toml")})
    assert get_engine(app).rules.ip_responsibility_months == 18


def test_staffel_rules_show(tmp_path: Path) -> None:
    from web.cli import main

    runner = CliRunner()
    shown = runner.invoke(main, ["rules", "show", "--rules", str(DATA / "example.toml")])
    assert shown.exit_code == 0, shown.output
    assert "ip_responsibility_months = 18   (settings file)" in shown.output
    assert "    from 2026-06-12: 3   # Beispiel" in shown.output
    bad = runner.invoke(main, ["rules", "show", "--rules", str(DATA / "bad.toml")])
    assert bad.exit_code == 2
    assert "rules.lawsuit_weeks: must be a whole number" in bad.output
    env = runner.invoke(main, ["rules", "show"], env={"STAFFEL_RULES": str(DATA / "bad.toml")})
    assert env.exit_code == 2
    default = runner.invoke(main, ["rules", "show"], env={"STAFFEL_RULES": ""})
    assert default.exit_code == 0 and "Legal rules from: defaults" in default.output


def test_every_command_that_moves_a_case_uses_the_settings_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """start-case, complete, message, clock advance and the scheduler open the engine through
    ``open_engine``: with STAFFEL_RULES (or --rules) they compute with the operator's rules."""
    from web.cli_common import open_engine

    url = f"sqlite:///{tmp_path}/r.db"
    with_file = open_engine(url, rules_file=DATA / "example.toml")
    assert with_file.rulebook.source.endswith("example.toml")
    with_file.close()
    monkeypatch.setenv("STAFFEL_RULES", str(DATA / "example.toml"))
    from_env = open_engine(url)
    assert from_env.rules.ip_responsibility_months == 18
    from_env.close()
    monkeypatch.setenv("STAFFEL_RULES", str(DATA / "bad.toml"))
    with pytest.raises(RulesFileError):
        open_engine(url)
    monkeypatch.delenv("STAFFEL_RULES")
    plain = open_engine(url)
    assert plain.rulebook == RuleBook()
    plain.close()


def test_serve_and_scheduler_refuse_a_bad_settings_file(tmp_path: Path) -> None:
    from web.cli import main

    runner = CliRunner()
    url = f"sqlite:///{tmp_path}/r.db"
    for command in (["serve", "--port", "0"], ["scheduler"]):
        bad = runner.invoke(main, [*command, "--database-url", url,
                                   "--rules", str(DATA / "bad.toml")])
        assert bad.exit_code == 2, bad.output
        assert "rules.lawsuit_weeks: must be a whole number" in bad.output
