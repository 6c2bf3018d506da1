"""The deployed DMN files with the processes that really call their decisions."""

from __future__ import annotations

from engine import Staffel


def test_only_the_calling_process_uses_a_decision(engine: Staffel) -> None:
    (route,) = [f for f in engine.definitions.decision_files() if f.name == "route.dmn"]
    # call.bpmn holds 'parent' (with the business-rule task) and 'child' (without one)
    assert route.used_by == ["parent"]
    assert route.decisions and route.revision == 1
