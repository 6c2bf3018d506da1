"""Engine gaps the lifecycle diagrams ran into, each pinned by a minimal test.

1. Diagrams must not write legal parameters as literals (LIFECYCLE.md: "every number and rule
   ... is a parameter in one place"), but the sandbox offered no way to read
   ``engine/rules.py``: the handover acknowledgment limit (``handover_ack_working_days``) and
   the DTZ pass level (``dtz_pass_level``) were unreachable. Fix: helper ``rule(name)``.
2. The sandbox exposes ``date``, whose ``date.today()`` reads the wall clock, so a diagram that
   needs "today" (e.g. a permit report without an issue date) computed wrong dates under the
   simulated clock. Fix: helper ``today()``, the engine clock's date in Europe/Berlin.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from engine.errors import NotFound, ScriptError
from engine.execution.clock import SimulatedClock, using_clock
from engine.execution.scripting import make_script_engine
from engine.law.rules import DEFAULT_RULES
from tests.lifecycle.helpers import PERSON


def evaluate(expression: str, rules=DEFAULT_RULES):  # type: ignore[no-untyped-def]
    return make_script_engine(rules).environment.evaluate(expression, {})


def test_rule_reads_the_configured_legal_parameters() -> None:
    assert evaluate("rule('handover_ack_working_days')") == 5
    assert evaluate("rule('dtz_pass_level')") == "B1"
    custom = DEFAULT_RULES.with_overrides(handover_ack_working_days=7)
    assert evaluate("rule('handover_ack_working_days')", custom) == 7


def test_rule_refuses_unknown_and_private_names() -> None:
    for name in ("nope", "__class__", "with_overrides"):
        with pytest.raises(ScriptError, match=f"^unknown legal rule '{name}'$"):
            evaluate(f"rule({name!r})")


def test_today_is_the_engine_date_in_berlin() -> None:
    # 23:30 UTC on 1 March is already 2 March in Berlin (CET, UTC+1)
    with using_clock(SimulatedClock(datetime(2027, 3, 1, 23, 30, tzinfo=UTC))):
        assert evaluate("today()") == date(2027, 3, 2)
    with using_clock(SimulatedClock(datetime(2031, 7, 1, 8, 0, tzinfo=UTC))):
        assert evaluate("today()") == date(2031, 7, 1)


# 3. A message behind an event-based gateway ("application or deadline, whichever comes first")
#    was not registered as a wait: SpiffWorkflow keeps the gateway's events in a
#    MultipleEventDefinition on the gateway task, and engine/messages.py only looked for plain
#    MessageEventDefinitions, so correlate() answered "not waiting". Fix: engine/messages.py
#    also looks inside MultipleEventDefinitions; correlate() catches the inner definition.

GATEWAY_DIAGRAM = Path(__file__).parent / "data" / "event_gateway.bpmn"


def test_message_behind_an_event_based_gateway_is_waited_for(make_engine) -> None:  # type: ignore[no-untyped-def]
    eng = make_engine()
    eng.definitions.deploy({"event_gateway.bpmn": GATEWAY_DIAGRAM.read_bytes()})
    case = eng.cases.start(PERSON, "NW", process_key="event_gateway")
    after = eng.messages.correlate("sgb2_application_received", {"received_on": "2027-03-15"},
                          case_id=case.id)
    assert after.status == "completed" and after.stage == "S5"


def test_timer_behind_an_event_based_gateway_still_wins_when_due(make_engine) -> None:  # type: ignore[no-untyped-def]
    eng = make_engine()
    eng.definitions.deploy({"event_gateway.bpmn": GATEWAY_DIAGRAM.read_bytes()})
    case = eng.cases.start(PERSON, "NW", process_key="event_gateway")
    eng.clock.advance(to=datetime(2027, 3, 30, 22, 0, tzinfo=UTC))  # 31 March 00:00 Berlin
    assert eng.cases.get(case.id).status == "completed"
    with pytest.raises(NotFound, match=f"^case {case.case_number} is not waiting for message "
                                       "'sgb2_application_received'$"):
        eng.messages.correlate("sgb2_application_received", {"received_on": "2027-03-31"},
                      case_id=case.id)
