"""The script engine's helpers, engine.execution.scripting: the allow-list diagrams may call,
deadline helpers bound to the configured rules, and the time helpers ``timer_at``, ``sla_due``,
``today`` and ``rule`` under the engine clock and the running case's Land."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine.errors import InvalidInput, ScriptError
from engine.execution.clock import SimulatedClock, using_clock
from engine.execution.effects import CASE_HELPERS, CaseEffects, collecting
from engine.execution.sandbox import SandboxScriptEngine
from engine.execution.scripting import (
    helper_functions,
    make_script_engine,
    rule_value,
    sla_due,
    timer_at,
    today,
)
from engine.law import deadlines
from engine.law.rules import DEFAULT_RULES
from tests.conftest import START


def test_the_helper_list() -> None:
    helpers = helper_functions(DEFAULT_RULES)
    assert set(helpers) == (set(deadlines.HELPERS) | set(CASE_HELPERS)
                            | {"timer_at", "sla_due", "watch_due", "today", "rule"})
    for name in ("deadline", "lawsuit_deadline", "add_working_days", "asylblg_end", "set_stage",
                 "record_deadline", "close_case", "handover_proposed", "timer_at", "sla_due"):
        assert callable(helpers[name]), name
    assert helpers["set_stage"] is CASE_HELPERS["set_stage"]
    assert helpers["add_period"] is deadlines.HELPERS["add_period"]  # no rules: unbound


def test_deadline_helpers_are_bound_to_the_configured_rules() -> None:
    short = DEFAULT_RULES.with_overrides(lawsuit_weeks=4, asylblg_end_rule="month_served")
    default, custom = helper_functions(DEFAULT_RULES), helper_functions(short)
    assert default["lawsuit_deadline"](date(2027, 6, 2), "NW") == date(2027, 6, 16)
    assert custom["lawsuit_deadline"](date(2027, 6, 2), "NW") == date(2027, 6, 30)
    assert default["rule"]("lawsuit_weeks") == 2 and custom["rule"]("lawsuit_weeks") == 4


@pytest.mark.parametrize(("day", "hour", "expected"), [
    ("2027-03-10", 6, "2027-03-10T06:00:00+01:00"),  # winter: CET
    ("2027-07-01", 9, "2027-07-01T09:00:00+02:00"),  # summer: CEST
    (date(2027, 3, 28), 0, "2027-03-28T00:00:00+01:00"),  # the day summer time begins
    ("2027-03-10", "8", "2027-03-10T08:00:00+01:00"),
])
def test_timer_at_is_an_hour_of_a_berlin_day(day: object, hour: object, expected: str) -> None:
    assert timer_at(day, hour) == expected  # type: ignore[arg-type]


def test_timer_at_defaults_to_midnight_and_refuses_bad_days() -> None:
    assert timer_at("2027-12-24") == "2027-12-24T00:00:00+01:00"
    with pytest.raises(InvalidInput, match="must be a date"):
        timer_at("24.12.2027")
    with pytest.raises(ValueError, match=r"hour must be in 0\.\.23"):
        timer_at("2027-12-24", 24)


@pytest.mark.parametrize(("now", "land", "days", "expected"), [
    (START, "NW", 3, "2027-03-04T23:00:00+00:00"),  # Monday + 3 working days
    (datetime(2027, 5, 25, 9, tzinfo=UTC), "NW", 3, "2027-05-31T22:00:00+00:00"),
    (datetime(2027, 5, 25, 9, tzinfo=UTC), "BE", 3, "2027-05-28T22:00:00+00:00"),
    (datetime(2027, 3, 5, 10, tzinfo=UTC), "BE", 1, "2027-03-09T23:00:00+00:00"),
])
def test_sla_due_counts_in_the_running_case_land(now: datetime, land: str, days: int,
                                                 expected: str) -> None:
    with using_clock(SimulatedClock(now)), collecting(CaseEffects("case", land)):
        assert sla_due(days) == expected


def test_sla_due_outside_a_case_run_is_refused() -> None:
    with using_clock(SimulatedClock(START)), \
            pytest.raises(ScriptError, match="only be used while a case's process runs"):
        sla_due(3)


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2027, 3, 1, 22, 59, tzinfo=UTC), date(2027, 3, 1)),
    (datetime(2027, 3, 1, 23, 0, tzinfo=UTC), date(2027, 3, 2)),  # midnight in Berlin
    (datetime(2027, 6, 30, 22, 0, tzinfo=UTC), date(2027, 7, 1)),  # summer: UTC+2
])
def test_today_is_the_berlin_date_of_the_engine_clock(now: datetime, expected: date) -> None:
    with using_clock(SimulatedClock(now)):
        assert today() == expected


def test_rule_value() -> None:
    assert rule_value("handover_ack_working_days", rules=DEFAULT_RULES) == 5
    assert rule_value("default_land", rules=DEFAULT_RULES) == "NW"
    for name in ("nope", "", "__class__", 3):
        with pytest.raises(ScriptError, match="unknown legal rule"):
            rule_value(name, rules=DEFAULT_RULES)  # type: ignore[arg-type]


def test_rule_value_on_a_day_uses_the_value_in_force() -> None:
    from engine.law.settings import parse_rules

    book = parse_rules({"changes": [{"rule": "lawsuit_weeks", "from": date(2026, 6, 12),
                                     "value": 3}]})
    assert rule_value("lawsuit_weeks", rules=book) == 2
    assert rule_value("lawsuit_weeks", "2026-06-11", rules=book) == 2
    assert rule_value("lawsuit_weeks", "2026-06-12", rules=book) == 3


def test_the_script_engine_calls_the_helpers() -> None:
    engine = make_script_engine(DEFAULT_RULES, time_limit=0.5)
    assert isinstance(engine, SandboxScriptEngine)
    with using_clock(SimulatedClock(START)), collecting(CaseEffects("case", "NW")) as effects:
        context = {"day": "2027-03-10"}
        assert engine.environment.evaluate("timer_at(day, 6)", context) == (
            "2027-03-10T06:00:00+01:00")
        assert engine.environment.evaluate("sla_due(3)", {}) == "2027-03-04T23:00:00+00:00"
        assert engine.environment.evaluate("rule('lawsuit_weeks')", {}) == 2
        engine.environment.execute("set_stage('S2')", {}, {})
    assert effects.stage == "S2"
