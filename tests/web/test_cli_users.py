"""``staffel user add`` / ``user list`` and the demo users of ``staffel serve --demo``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from engine import Staffel
from engine.law.teams import TEAM_KEYS
from web.cli import main
from web.demo import DEMO_PASSWORD, seed_demo


@pytest.fixture
def cli(database_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, [*args, "--database-url", database_url], input=stdin,
                             catch_exceptions=False)

    return run


def test_user_add_with_password_from_stdin(cli, database_url: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("user", "add", "anna", "--role", "caseworker", "--team", "sozialamt",
                 "--team", "jc_leistung", "--password-stdin", stdin="a long password\n")
    assert result.exit_code == 0, result.output
    assert "user anna created: roles caseworker; teams jc_leistung, sozialamt" in result.output
    engine = Staffel(database_url)
    assert engine.people.authenticate("anna", "a long password") is not None
    engine.close()
    listing = cli("user", "list")
    assert "anna" in listing.output and "jc_leistung,sozialamt" in listing.output


def test_user_add_prompts_for_the_password_twice(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("user", "add", "root", "--role", "admin",
                 stdin="a long password\na long password\n")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("args", "stdin", "code", "needle"), [
    (("user", "add", "x", "--role", "caseworker", "--password-stdin"), "a long password\n",
     2, "need a team"),
    (("user", "add", "x", "--role", "admin", "--password-stdin"), "short\n", 2, "password"),
    (("user", "add", "x", "--role", "chief", "--password-stdin"), "a long password\n", 2,
     "Invalid value"),
    (("user", "add", "x", "--role", "caseworker", "--team", "moon", "--password-stdin"),
     "a long password\n", 2, "unknown team"),
])
def test_user_add_errors(cli, args, stdin, code, needle) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args, stdin=stdin)
    assert result.exit_code == code, result.output
    assert needle in result.output


def test_a_taken_username_exits_4(cli) -> None:  # type: ignore[no-untyped-def]
    args = ("user", "add", "x", "--role", "admin", "--password-stdin")
    assert cli(*args, stdin="a long password\n").exit_code == 0
    result = cli(*args, stdin="a long password\n")
    assert result.exit_code == 4 and "exists already" in result.output


def test_demo_users_for_every_team_and_role(make_engine) -> None:  # type: ignore[no-untyped-def]
    from tests.web.conftest import FAST_HASHER

    engine = make_engine()
    engine.context.password_hasher = FAST_HASHER
    lines = seed_demo(engine)
    assert lines[0].startswith("Demo-Logins") and DEMO_PASSWORD in lines[0]
    names = {u.username: u for u in engine.people.list()}
    assert {f"cw_{key}" for key in TEAM_KEYS} | {"supervisor", "owner", "admin"} == set(names)
    assert names["cw_jc_leistung"].teams == {"jc_leistung"}
    assert names["supervisor"].teams == TEAM_KEYS
    assert names["owner"].roles == {"process_owner"} and names["admin"].roles == {"admin"}
    assert engine.people.authenticate("cw_sozialamt", "demo") is not None
    assert any("cw_sozialamt" in line for line in lines)
    assert seed_demo(engine)[:len(names) + 2] == lines[:len(names) + 2]  # idempotent
    assert len(engine.people.list()) == len(names)


def test_user_reset_link_prints_a_one_time_link(cli, database_url: str) -> None:  # type: ignore[no-untyped-def]
    assert cli("user", "add", "root", "--role", "admin", "--password-stdin",
               stdin="a long password\n").exit_code == 0
    result = CliRunner().invoke(
        main, ["user", "reset-link", "root", "--base-url", "https://staffel.example/",
               "--database-url", database_url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert link.startswith("https://staffel.example/password/")
    engine = Staffel(database_url)
    assert engine.people.reset_link_user(link.rsplit("/", 1)[1]) == "root"
    engine.close()
    assert cli("user", "reset-link", "nobody").exit_code == 3


def test_the_last_administrator_cannot_be_deactivated(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("user", "add", "root", "--role", "admin", "--password-stdin",
               stdin="a long password\n").exit_code == 0
    result = cli("user", "deactivate", "root")
    assert result.exit_code == 4 and "last active administrator" in result.output
