"""The legal settings file (issue 13, item 6): every rule settable without code, each change
with its date of effect, checked when read with errors naming the file, the key and what is
allowed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine import RuleBook, RulesFileError, Staffel, load_rules, rule_docs
from engine.law.rules import DEFAULT_RULES, LegalRules
from engine.law.settings import parse_rules, rule_types

DATA = Path(__file__).resolve().parents[2] / "data" / "rules"


def test_the_example_file_sets_values_and_changes_by_date() -> None:
    book = load_rules(DATA / "example.toml")
    assert book.source.endswith("example.toml")
    assert book.set_by_file == {"ip_responsibility_months", "handover_ack_working_days"}
    assert book.base.ip_responsibility_months == 18
    assert book.on(date(2026, 6, 11)).lawsuit_weeks == 2      # before the change
    assert book.on(date(2026, 6, 12)).lawsuit_weeks == 3      # from the day itself
    assert book.on(date(2027, 12, 31)).lawsuit_weeks == 3
    assert book.on(date(2028, 1, 1)).lawsuit_weeks == 2       # the later change wins
    assert book.on(date(2028, 1, 1)).ip_responsibility_months == 18
    assert [(d, v) for d, v, _ in book.timeline("lawsuit_weeks")] == [
        (None, 2), (date(2026, 6, 12), 3), (date(2028, 1, 1), 2)]


def test_every_problem_of_a_bad_file_is_named() -> None:
    with pytest.raises(RulesFileError) as err:
        load_rules(DATA / "bad.toml")
    assert str(DATA / "bad.toml") in err.value.message
    problems = {e["field"]: e["message"] for e in err.value.errors}
    assert problems["rules.lawsuit_weeks"] == "must be a whole number"
    assert problems["rules.asylblg_end_rule"].startswith("must be one of [")
    assert problems["rules.no_such_rule"].startswith("no such legal rule")
    assert problems["changes[1].from"] == "must be a date (2026-06-12)"


@pytest.mark.parametrize(("text", "field", "message"), [
    ("[rules\n", None, "not valid TOML"),
    ("[other]\nx = 1\n", "other", "unknown section"),
    ("rules = 3\n", "rules", "must be a table"),
    ("changes = 3\n", "changes", "must be an array of tables"),
    ("[[changes]]\nrule = 'lawsuit_weeks'\nvalue = 3\n", "changes[1].from", "is required"),
    ("[[changes]]\nrule = 'lawsuit_weeks'\nfrom = 2026-01-01\nvalue = 3\nwhy = 'x'\n",
     "changes[1].why", "unknown key"),
    ("[[changes]]\nrule = 'lawsuit_weeks'\nfrom = 2027-01-01\nvalue = 3\n"
     "[[changes]]\nrule = 'lawsuit_weeks'\nfrom = 2026-01-01\nvalue = 2\n",
     "changes", "in date order"),
    ("[rules]\nlid_pass_min_score = 40\n", "lid_pass_min_score", "cannot exceed"),
    ("[rules]\nlawsuit_weeks = -1\n", "lawsuit_weeks", "non-negative"),
    ("[rules]\ndefault_land = 'XX'\n", "default_land", "must be one of"),
    ("[rules]\ndeemed_notification_cutover = 2025-01-01T00:00:00\n",
     "rules.deemed_notification_cutover", "must be a date"),
], ids=["toml", "section", "rules type", "changes type", "no from", "unknown key", "order",
        "combination", "negative", "land", "date-time"])
def test_bad_settings(tmp_path: Path, text: str, field: str | None, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesFileError) as err:
        load_rules(path)
    assert str(path) in err.value.message
    if field is None:
        assert message in err.value.message
    else:
        assert any(e["field"] == field and message in e["message"] for e in err.value.errors), \
            err.value.errors


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RulesFileError, match="no such settings file"):
        load_rules(tmp_path / "missing.toml")


def test_every_rule_has_a_type_and_an_explanation() -> None:
    names = {f for f in rule_types()}
    assert set(rule_docs()) == names
    assert all(rule_docs()[n] for n in names)


def test_no_file_means_the_law_as_built_in() -> None:
    book = parse_rules({})
    assert book.base == DEFAULT_RULES and book.changes == ()
    assert book.on(date(2030, 1, 1)) == DEFAULT_RULES


def test_the_engine_takes_a_rule_book(make_engine) -> None:  # type: ignore[no-untyped-def]
    book = load_rules(DATA / "example.toml")
    eng: Staffel = make_engine(rules=book)
    assert eng.rulebook is book
    assert isinstance(eng.rules, LegalRules) and eng.rules.ip_responsibility_months == 18
    plain: Staffel = make_engine()
    assert plain.rulebook == RuleBook() and plain.rules == DEFAULT_RULES
