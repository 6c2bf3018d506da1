"""Nothing a script can reach may be shared and mutable (issue 14, hole 1): a deployed script
once set ``lawsuit_deadline.keywords['rules']`` and every other case got a 52-week lawsuit
deadline. Every name in the script globals is tried: attributes and items written, bound
arguments replaced — each attempt fails, and the next script sees the law unchanged."""

from __future__ import annotations

from datetime import date

import pytest

from engine.errors import ScriptError
from engine.execution.clock import SimulatedClock, using_clock
from engine.execution.effects import CaseEffects, collecting
from engine.execution.scripting import helper_functions, make_script_engine
from engine.law.rules import DEFAULT_RULES
from engine.law.settings import parse_rules
from tests.conftest import START

ATTACKS = (
    "{name}.keywords['rules'] = None",
    "{name}.keywords.clear()",
    "{name}.func = None",
    "{name}.args = ()",
    "{name}.anything = 1",
    "{name}['x'] = 1",
)
BOOK = parse_rules({"changes": [{"rule": "lawsuit_weeks", "from": date(2030, 1, 1),
                                 "value": 3}]})


@pytest.mark.parametrize("rules", [DEFAULT_RULES, BOOK], ids=["plain", "rule book"])
def test_no_script_can_change_what_other_scripts_get(rules: object) -> None:
    engine = make_script_engine(rules, time_limit=0.5)  # type: ignore[arg-type]
    names = sorted(helper_functions(rules))  # type: ignore[arg-type]
    assert len(names) > 30
    with using_clock(SimulatedClock(START)), collecting(CaseEffects("case", "NW")):
        for name in names:
            for attack in ATTACKS:
                with pytest.raises(ScriptError):
                    engine.environment.execute(attack.format(name=name), {}, {})
            with pytest.raises(ScriptError):  # bound rules cannot be replaced per call either
                engine.environment.evaluate(
                    "lawsuit_deadline('2027-05-12', 'NW', rules=None)", {})
        assert engine.environment.evaluate("lawsuit_deadline('2027-05-12', 'NW')", {}) == \
            date(2027, 5, 26)
        assert engine.environment.evaluate("rule('lawsuit_weeks')", {}) == 2


def test_the_helpers_are_plain_functions() -> None:
    import functools

    for name, helper in helper_functions(BOOK).items():
        assert not isinstance(helper, functools.partial), name
