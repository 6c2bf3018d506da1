"""Issue 15, points 1 and 2: plausibility rules next to a form's JSON Schema (``x-rules``),
checked at completion against the engine's day and at deploy time; validation errors as codes
with parameters, one entry per field."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine import DeployError, InvalidInput, Staffel
from engine.definitions.form_messages import TEMPLATES, english, template_key
from engine.definitions.form_rules import (
    Reference,
    check_rules,
    conditions,
    page_rules,
    parse_reference,
    rule_problems,
    shift,
)
from engine.definitions.forms import form_errors
from tests.form_plausibility import deploy_plausibility, start_plausibility
from tests.web.conftest import snapshot

FORMS = Path(__file__).resolve().parents[3] / "bpmn" / "forms"
TODAY = date(2027, 3, 1)
DATES = {"type": "string", "format": "date"}


def real(name: str) -> dict[str, Any]:
    return dict(json.loads((FORMS / f"{name}.schema.json").read_text(encoding="utf-8")))


def form(*rules: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"a": DATES, "b": DATES,
                                             "flag": {"type": "boolean", "title": "Flag"},
                                             "when": {"type": "string",
                                                      "format": "date-time"}},
            "x-rules": list(rules), **extra}


@pytest.mark.parametrize(("text", "expected"), [
    ("today", Reference()),
    ("today+P1D", Reference(days=1)),
    ("today-P1Y", Reference(years=-1)),
    ("today+P1Y2M3W4D", Reference(years=1, months=2, days=25)),
    ("filed_on", Reference(field="filed_on")),
    ("today+P", None), ("todayP1D", None), ("today+1D", None), ("", None),
])
def test_references(text: str, expected: Reference | None) -> None:
    assert parse_reference(text) == expected


def test_months_are_clamped_to_the_last_day() -> None:
    assert shift(date(2027, 1, 31), months=1) == date(2027, 2, 28)
    assert shift(date(2028, 2, 29), years=-1) == date(2027, 2, 28)
    assert shift(date(2027, 3, 1), days=-1) == date(2027, 2, 28)


def test_a_gestattung_valid_until_before_the_application_date_is_refused() -> None:
    schema = real("gestattung")
    errors = form_errors(schema, {"asylum_application_filed_on": "2027-02-01",
                                  "gestattung_valid_until": "2027-01-31"}, TODAY)
    assert errors == [{"field": "gestattung_valid_until", "code": "not_before",
                       "params": {"limit": "2027-02-01", "day": "2027-01-31",
                                  "other": "asylum_application_filed_on",
                                  "other_title": "Asylantrag gestellt am"},
                       "message": "The date must not be before “Asylantrag gestellt am” "
                                  "(2027-02-01)."}]
    assert form_errors(schema, {"asylum_application_filed_on": "2027-02-01",
                                "gestattung_valid_until": "2027-02-01"}, TODAY) == []


def test_today_is_the_day_given_not_the_wall_clock() -> None:
    schema = real("registration")
    data = {"interpreter_needed": False, "languages": ["ar"], "identity_documents": "none",
            "consent_given": True, "consent_purpose": "Kurs", "consent_recipients": ["lotse"],
            "consent_date": "2099-01-01"}
    (error,) = form_errors(schema, data, TODAY)
    assert (error["field"], error["code"]) == ("consent_date", "not_after")
    assert error["params"] == {"limit": "2027-03-01", "day": "2099-01-01", "today": True}
    assert error["message"] == "The date must not lie in the future (today is 2027-03-01)."
    assert form_errors(schema, data, date(2099, 1, 1)) == []


def test_a_handover_appointment_in_the_past_is_refused_by_its_berlin_day() -> None:
    schema = real("handover_proposal")
    data = {"handover_appointment_mode": "video", "handover_data_package": ["identity"]}
    past = form_errors(schema, {**data, "handover_appointment_at": "2027-02-28T10:00:00+01:00"},
                       TODAY)
    assert [(e["field"], e["code"]) for e in past] == [("handover_appointment_at",
                                                        "not_before")]
    # 23:30 UTC on 28.02. is 00:30 on 01.03. in Berlin: today, allowed
    assert form_errors(schema, {**data, "handover_appointment_at": "2027-02-28T23:30:00Z"},
                       TODAY) == []


@pytest.mark.parametrize(("rule", "value", "broken"), [
    ({"field": "a", "before": "today"}, "2027-03-01", True),
    ({"field": "a", "before": "today"}, "2027-02-28", False),
    ({"field": "a", "after": "today+P1W"}, "2027-03-08", True),
    ({"field": "a", "after": "today+P1W"}, "2027-03-09", False),
    ({"field": "a", "not_before": "today-P1Y"}, "2026-02-28", True),
    ({"field": "a", "not_before": "today-P1Y"}, "2026-03-01", False),
    ({"field": "a", "not_after": "today"}, "2027-03-02", True),
    ({"field": "a", "not_after": "today"}, "2027-03-01", False),
    ({"field": "a", "not_after": "today"}, "not a date", False),  # the schema's to report
])
def test_comparisons_with_the_engine_day(rule: dict[str, Any], value: str,
                                         broken: bool) -> None:
    assert bool(check_rules(form(rule), {"a": value}, TODAY)) is broken


def test_a_rule_on_another_field_waits_for_that_field() -> None:
    schema = form({"field": "b", "after": "a"})
    assert check_rules(schema, {"b": "2027-01-01"}, TODAY) == []
    (error,) = check_rules(schema, {"a": "2027-01-01", "b": "2027-01-01"}, TODAY)
    assert error["code"] == "after" and error["params"]["other_title"] == "a"


def test_required_if_and_if_then_say_why_an_optional_field_is_needed() -> None:
    schema = form({"field": "a", "required_if": {"flag": True}})
    assert form_errors(schema, {"flag": False}, TODAY) == []
    (error,) = form_errors(schema, {"flag": True}, TODAY)
    assert error["code"] == "required_because"
    assert error["params"] == {"because": "flag", "because_title": "Flag",
                               "because_value": True}
    assert error["message"] == "Required because “yes” is chosen for “Flag”."
    registration = real("registration")
    assert set(conditions(registration)) == {"consent_purpose", "consent_recipients",
                                             "consent_date"}
    errors = form_errors(registration, {"interpreter_needed": True, "languages": ["ar"],
                                        "identity_documents": "none", "consent_given": True},
                         TODAY)
    assert {e["field"]: e["code"] for e in errors} == {
        "consent_purpose": "required_because", "consent_recipients": "required_because",
        "consent_date": "required_because"}


def test_a_custom_message_replaces_the_standard_one() -> None:
    schema = form({"field": "a", "not_after": "today",
                   "message": {"de": "Nicht in der Zukunft.", "en": "Not in the future."}})
    (error,) = form_errors(schema, {"a": "2030-01-01"}, TODAY)
    assert error["message"] == "Not in the future."


def test_each_field_once_with_every_problem_and_a_hint_that_says_what_to_enter() -> None:
    schema = real("registration")
    errors = form_errors(schema, {"interpreter_needed": "ja", "languages": ["arabisch", "ar",
                                                                           "ar"],
                                  "identity_documents": "none", "consent_given": False,
                                  "reason": "x"}, TODAY)
    fields = [e["field"] for e in errors]
    assert len(fields) == len(set(fields)) == 3
    by_field = {e["field"]: e for e in errors}
    assert by_field["(root)"]["code"] == "unknown_fields"
    assert by_field["interpreter_needed"]["code"] == "type"
    languages = by_field["languages"]
    assert {p["code"] for p in languages["problems"]} == {"pattern", "uniqueItems"}
    pattern = next(p for p in languages["problems"] if p["code"] == "pattern")
    assert pattern["params"]["value"] == "arabisch" and pattern["params"]["item"] == 1
    assert "ISO 639-1" in pattern["params"]["hint"]["de"]
    assert "ISO 639-1" in pattern["message"] and "arabisch" in languages["message"]


@pytest.mark.parametrize(("code", "params", "key"), [
    ("type", {"expected": "integer"}, "type_integer"),
    ("type", {"expected": "null"}, "type"),
    ("format", {"format": "date"}, "format_date"),
    ("format", {"format": "ipv4"}, "format"),
    ("pattern", {"value": "x"}, "pattern"),
    ("pattern", {"value": "x", "hint": "h"}, "pattern_hint"),
    ("minItems", {"limit": 1}, "minItems_one"),
    ("minItems", {"limit": 2}, "minItems"),
    ("not_after", {"limit": "2027-03-01", "today": True}, "not_after_today"),
    ("not_after", {"limit": "2027-03-02"}, "not_after_day"),
    ("before", {"limit": "2027-03-02", "other": "a"}, "before_field"),
    ("anyOf", {"detail": "…"}, "invalid"),
])
def test_every_problem_has_a_text(code: str, params: dict[str, Any], key: str) -> None:
    assert template_key(code, params) == key
    text = english(code, params)
    assert text and "%(" not in text and key in TEMPLATES


@pytest.mark.parametrize("name", sorted(p.name for p in FORMS.glob("*.schema.json")))
def test_the_real_forms_have_well_formed_rules(name: str) -> None:
    schema = json.loads((FORMS / name).read_text(encoding="utf-8"))
    assert rule_problems(schema) == []


def test_the_real_forms_carry_the_rules_of_issue_15() -> None:
    assert page_rules(real("gestattung"), TODAY) == {
        "gestattung_valid_until": [{"bound": "min", "strict": False, "code": "not_before",
                                    "other": "asylum_application_filed_on",
                                    "params": {"other": "asylum_application_filed_on",
                                               "other_title": "Asylantrag gestellt am"}}],
        "asylum_application_filed_on": [{"bound": "max", "strict": False,
                                         "code": "not_after", "limit": "2027-03-01",
                                         "params": {"limit": "2027-03-01", "today": True}}]}
    assert "consent_date" in page_rules(real("registration"), TODAY)
    assert "handover_appointment_at" in page_rules(real("handover_proposal"), TODAY)
    for name in ("languages", "handover_appointment_at"):
        owner = real("registration" if name == "languages" else "handover_proposal")
        assert set(owner["properties"][name]["x-hint"]) == {"de", "en"}


@pytest.mark.parametrize(("rules", "expected"), [
    ("nope", "x-rules must be a list of rules"),
    (["nope"], "x-rules[0]: a rule must be an object"),
    ([{"field": "zz", "after": "today"}], "x-rules[0]: \"field\" must name a field"),
    ([{"field": "a", "after": "zz"}], "x-rules[0]: \"after\" names an unknown field 'zz'"),
    ([{"field": "a", "after": "a"}], "must name another date field"),
    ([{"field": "a", "after": "flag"}], "must name another date field"),
    ([{"field": "flag", "after": "today"}], "needs a date field; 'flag'"),
    ([{"field": "a", "after": "today+1D"}], "\"after\" must be \"today\""),
    ([{"field": "a"}], "a rule needs exactly one of"),
    ([{"field": "a", "after": "today", "before": "b"}], "a rule needs exactly one of"),
    ([{"field": "a", "later_than": "today"}], "unknown keyword(s) 'later_than'"),
    ([{"field": "a", "required_if": {"zz": 1}}], "unknown field(s) 'zz'"),
    ([{"field": "a", "required_if": []}], "\"required_if\" must be an object"),
    ([{"field": "a", "after": "today", "message": {"fr": "x"}}], "\"message\" must be"),
])
def test_malformed_rules_are_named(rules: Any, expected: str) -> None:
    problems = rule_problems(form() | {"x-rules": rules})
    assert len(problems) == 1 and expected in problems[0], problems


def test_a_malformed_hint_is_named() -> None:
    schema = form() | {"x-rules": []}
    schema["properties"] = {**schema["properties"], "c": {"type": "string", "x-hint": 3}}
    assert rule_problems(schema) == ['c: "x-hint" must be a text or {"de": "...", "en": "..."}']


def test_a_bad_rule_is_a_deploy_error_naming_file_and_rule(engine: Staffel) -> None:
    bad = real("gestattung")
    bad["x-rules"].append({"field": "gestattung_valid_until", "after": "filed_on"})
    before = snapshot(engine)
    with pytest.raises(DeployError) as err:
        engine.definitions.deploy({"forms/gestattung.schema.json": json.dumps(bad)},
                                  actor="owner")
    (problem,) = err.value.problems
    assert problem.file == "forms/gestattung.schema.json"
    assert problem.message == "x-rules[2]: \"after\" names an unknown field 'filed_on'"
    assert snapshot(engine) == before


def test_completion_checks_the_rules_and_changes_nothing_when_refused(
        engine: Staffel) -> None:
    deploy_plausibility(engine)
    tasks = start_plausibility(engine)
    before = snapshot(engine)
    with pytest.raises(InvalidInput, match=r"^the form data is not valid$") as err:
        engine.tasks.complete(tasks["Task_gestattung"],
                              {"asylum_application_filed_on": "2027-03-02",
                               "gestattung_valid_until": "2027-01-01"}, actor="cw")
    assert [(e["field"], e["code"]) for e in err.value.errors] == [
        ("asylum_application_filed_on", "not_after"), ("gestattung_valid_until", "not_before")]
    assert snapshot(engine) == before
    assert engine.tasks.info(tasks["Task_gestattung"]).state == "open"
    engine.clock.advance(by=timedelta(days=1))  # the engine's day
    engine.tasks.complete(tasks["Task_gestattung"], {"asylum_application_filed_on": "2027-03-02",
                                                     "gestattung_valid_until": "2027-09-01"},
                          actor="cw")
    assert engine.tasks.info(tasks["Task_gestattung"]).state == "completed"
