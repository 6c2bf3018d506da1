"""The legal settings file (issue 13, item 6): every rule settable without code, each change
with its date of effect, checked when read with errors naming the file, the key and what is
allowed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine import InvalidInput, RuleBook, RulesFileError, Staffel, load_rules, rule_docs
from engine.law.basis import legal_basis
from engine.law.deadlines import deemed_served_on, lawsuit_deadline
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


# --- the value in force on the relevant day, and the text that names it ----------------------

LONGER = parse_rules({"changes": [
    {"rule": "lawsuit_weeks", "from": date(2026, 6, 12), "value": 3, "note": "test"},
    {"rule": "deemed_notification_days", "from": date(2027, 1, 1), "value": 5},
]})


@pytest.mark.parametrize(("served", "expected"), [
    # served Thu 11.06.2026, before the change: 2 weeks -> Thu 25.06.2026 (NW)
    ("2026-06-11", date(2026, 6, 25)),
    # served Fri 12.06.2026, the change's first day: 3 weeks -> Fri 03.07.2026
    ("2026-06-12", date(2026, 7, 3)),
])
def test_the_lawsuit_deadline_uses_the_weeks_in_force_on_the_day_of_service(
        served: str, expected: date) -> None:
    assert lawsuit_deadline(served, "NW", rules=LONGER) == expected


@pytest.mark.parametrize(("posted", "expected", "text"), [
    # posted Mon 23.12.2024, before the 2025 cut-over: 3rd day = Thu 26.12. (2nd Christmas
    # day) -> Fri 27.12.2024
    ("2024-12-23", date(2024, 12, 27), "Bekanntgabe am 3. Tag"),
    # posted Mon 06.01.2025: 4th day = Fri 10.01.2025
    ("2025-01-06", date(2025, 1, 10), "Bekanntgabe am 4. Tag"),
    # posted Mon 04.01.2027, after the file's change to 5 days: Sat 09.01. -> Mon 11.01.2027
    ("2027-01-04", date(2027, 1, 11), "Bekanntgabe am 5. Tag"),
])
def test_the_posting_fiction_uses_and_names_the_days_in_force(
        posted: str, expected: date, text: str) -> None:
    assert deemed_served_on(posted, "NW", LONGER) == expected
    assert text in legal_basis("served_on", posted, rules=LONGER)


def test_the_basis_names_the_weeks_months_and_years_used() -> None:
    assert "2 Wochen" in legal_basis("lawsuit_deadline", "2026-06-11", rules=LONGER)
    assert "3 Wochen" in legal_basis("lawsuit_deadline", "2026-06-12", rules=LONGER)
    assert "1 Woche " in legal_basis("lawsuit_deadline", "2026-06-12", short=True, rules=LONGER)
    assert "18 Monate seit der Duldung" in legal_basis("duldung_review", "2027-01-01")
    assert "12 Monate ab SGB II-Beginn" in legal_basis("ip_responsibility_end", "2027-01-01")
    assert "3 Jahre ab Anerkennung" in legal_basis("wohnsitzauflage_end", "2027-01-01")
    assert "1 Jahr nach Erteilung" in legal_basis("course_entitlement_expiry", "2027-01-01")
    with pytest.raises(InvalidInput):
        legal_basis("nope", "2027-01-01")


def test_a_case_uses_the_rules_of_its_day_through_the_whole_process(make_engine) -> None:  # type: ignore[no-untyped-def]
    from tests.lifecycle.helpers import (
        BPMN_DIR,
        advance_to,
        deadline_dates,
        register_asylum,
        start_asylum,
    )

    book = parse_rules({"changes": [{"rule": "lawsuit_weeks", "from": date(2027, 5, 1),
                                     "value": 3}]})
    eng: Staffel = make_engine(rules=book)
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    case = start_asylum(eng)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-05-12")
    eng.messages.receive("bamf_decision", {"outcome": "refugee", "decision_date": "2027-05-10",
                                           "served_on": "2027-05-12"}, case_id=case.id)
    # served Wed 12.05.2027, 3 weeks in force -> Wed 02.06.2027
    assert deadline_dates(eng, case.id)["lawsuit_deadline"] == date(2027, 6, 2)
    basis = eng.cases.get(case.id).deadlines["lawsuit_deadline"].legal_basis
    assert "3 Wochen" in basis


def test_the_asylblg_end_basis_follows_the_outcome_and_the_rule_in_force() -> None:
    book = parse_rules({"changes": [{"rule": "asylblg_end_rule", "from": date(2027, 1, 1),
                                     "value": "month_served"}]})
    assert "Art. 16a GG" in legal_basis("asylblg_end", "2027-05-12", outcome="asylum",
                                        rules=book)
    assert "Klagefrist abläuft" in legal_basis("asylblg_end", "2026-12-30",
                                               outcome="refugee", rules=book)
    assert "Zustellungsmonats" in legal_basis("asylblg_end", "2027-01-04", outcome="refugee",
                                              rules=book)
