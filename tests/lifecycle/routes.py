"""The route table machinery: a route is a list of steps, each an action plus what must hold after.

After every step the driver checks the stage, the benefit system, the open tasks per team
(exactly) and the complete set of recorded deadlines (exactly: a deadline that does not apply
must not exist). Expected dates are written by hand in the tables, never computed with the
helpers the diagrams use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine import Staffel
from tests.lifecycle.helpers import (
    ACK,
    ASYLBLG_GRANT,
    CLOSE,
    GESTATTUNG,
    PERSON,
    REGISTRATION,
    advance_to,
    complete_open,
    proposal,
    tasks_by_team,
    warm_handover,
)

Action = Callable[[Staffel, str | None], str | None]
Check = Callable[[Staffel, str], None]
AZ = "8123456-423"


@dataclass(frozen=True)
class Step:
    """One action of a route and what must hold afterwards (None: not checked in this step)."""

    label: str
    do: Action
    stage: str | None = None
    benefit: str | None = None
    tasks: dict[str, list[str]] | None = None
    deadlines: dict[str, str] = field(default_factory=dict)  # first recorded in this step
    check: Check | None = None


# --- actions ------------------------------------------------------------------------------
def start(entry: str = "asylum", on: str | None = None) -> Action:
    def act(eng: Staffel, _case: str | None) -> str:
        if on:
            advance_to(eng, on)
        az = AZ if entry == "asylum" else None
        return eng.cases.start(PERSON, "NW", entry, az, actor="cw_eingangszone").id
    return act


def complete(name: str, data: dict[str, Any]) -> Action:
    def act(eng: Staffel, case: str | None) -> None:
        assert case is not None
        complete_open(eng, case, name, data)
    return act


def message(name: str, on: str | None = None, **payload: Any) -> Action:
    """Deliver a message (BAMF decisions by Aktenzeichen, everything else by case id)."""
    def act(eng: Staffel, case: str | None) -> None:
        assert case is not None
        if on:
            advance_to(eng, on)
        if name == "bamf_decision":
            eng.messages.correlate(name, payload, correlation={"bamf_aktenzeichen": AZ})
        else:
            eng.messages.correlate(name, payload, case_id=case)
    return act


def at(day: str, hour: int = 9) -> Action:
    def act(eng: Staffel, _case: str | None) -> None:
        advance_to(eng, day, hour)
    return act


def handover(appointment: str, continuity: bool = False) -> Action:
    def act(eng: Staffel, case: str | None) -> None:
        assert case is not None
        warm_handover(eng, case, appointment, continuity=continuity)
    return act


def propose(appointment: str) -> Action:
    return complete("Task_handover_propose", proposal(appointment))


def acknowledge_and_close() -> Action:
    def act(eng: Staffel, case: str | None) -> None:
        assert case is not None
        complete_open(eng, case, "Task_handover_ack", ACK)
        complete_open(eng, case, "Task_handover_close", CLOSE)
    return act


def seq(*actions: Action) -> Action:
    def act(eng: Staffel, case: str | None) -> str | None:
        for action in actions:
            case = action(eng, case) or case
        return case
    return act


def asylum_registered(registration: dict[str, Any] = REGISTRATION) -> Action:
    """Start on 2027-03-01 and do registration, AsylbLG grant and Gestattung (S2)."""
    return seq(start(), complete("Task_register", registration),
               complete("Task_asylblg_grant", ASYLBLG_GRANT),
               complete("Task_gestattung", GESTATTUNG))


# --- driver -------------------------------------------------------------------------------
def run_route(eng: Staffel, name: str, steps: list[Step]) -> str:
    """Run every step and check what it promises; returns the case id."""
    case: str | None = None
    expected: dict[str, str] = {}
    for step in steps:
        case = step.do(eng, case) or case
        assert case is not None
        where = f"route {name!r}, step {step.label!r}"
        view = eng.cases.get(case)
        if step.stage is not None:
            assert view.stage == step.stage, f"{where}: stage {view.stage}"
        if step.benefit is not None:
            assert view.benefit_system == step.benefit, f"{where}: {view.benefit_system}"
        if step.tasks is not None:
            open_now = tasks_by_team(eng, case)
            assert open_now == step.tasks, f"{where}: open tasks {open_now}"
        expected.update(step.deadlines)
        actual = {key: info.date.isoformat() for key, info in view.deadlines.items()}
        assert actual == expected, f"{where}: deadlines {actual}"
        assert all(info.land == "NW" for info in view.deadlines.values()), where
        if step.check is not None:
            step.check(eng, case)
    assert case is not None
    return case
