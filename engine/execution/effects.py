"""Case effects: what a diagram's scripts say about the case beyond their own task data.

Scripts call the helpers :func:`set_stage`, :func:`set_benefit_system`, :func:`record_deadline`
and :func:`close_case`. They record into the :class:`CaseEffects` of the run in progress (a
context variable); the runtime applies them to the case rows in the same transaction, so a
failed run leaves no trace.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.errors import ScriptError
from engine.persistence.models import LEGAL_BASIS_LENGTH

STAGES = ("S1", "S2", "S3a", "S3b", "S3c", "S3d", "S3e", "S4", "S4a", "S4b", "S5", "S6")
BENEFIT_SYSTEMS = ("asylblg", "sgb2")


@dataclass
class RecordedDeadline:
    """A deadline a script computed, with its legal basis and the Land used."""

    key: str
    due_on: date
    legal_basis: str
    land: str


@dataclass
class HandoverStep:
    """A step of a warm handover a script reported (proposed, acknowledged or escalated)."""

    key: str
    step: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class CaseEffects:
    """Everything scripts said about the case during one run."""

    case_id: str
    land: str
    stage: str | None = None
    benefit_system: str | None = None
    deadlines: dict[str, RecordedDeadline] = field(default_factory=dict)
    handovers: list[HandoverStep] = field(default_factory=list)
    closed: bool = False
    #: the case's Verwaltungsgericht (None: the Land's default court)
    court: str | None = None

    @property
    def empty(self) -> bool:
        """True when no script recorded anything."""
        return (self.stage is None and self.benefit_system is None and not self.deadlines
                and not self.handovers and not self.closed)


_current: contextvars.ContextVar[CaseEffects | None] = contextvars.ContextVar(
    "staffel_case_effects", default=None
)


@contextlib.contextmanager
def collecting(effects: CaseEffects) -> Iterator[CaseEffects]:
    """Collect the effects of the scripts that run inside the block."""
    token = _current.set(effects)
    try:
        yield effects
    finally:
        _current.reset(token)


def _effects() -> CaseEffects:
    effects = _current.get()
    if effects is None:
        raise ScriptError("case helpers can only be used while a case's process runs")
    return effects


def current_land() -> str:
    """The Land of the case whose process is running (for working-day helpers)."""
    return _effects().land


def case_court() -> str:
    """The key of the case's Verwaltungsgericht, whose seat's holidays move the last day to
    sue (the Land's default court when the case names none)."""
    from engine.law.courts import court_or_default

    effects = _effects()
    return court_or_default(effects.court, effects.land)


def case_court_name() -> str:
    """The name of the case's Verwaltungsgericht (``"VG Augsburg"``), for legal-basis texts."""
    from engine.law.courts import court_name

    return court_name(case_court())


def set_stage(stage: str) -> str:
    """Set the case's legal stage (``S1`` … ``S6``)."""
    if stage not in STAGES:
        raise ScriptError(f"unknown stage {stage!r}; known: {', '.join(STAGES)}")
    _effects().stage = stage
    return stage


def set_benefit_system(system: str) -> str:
    """Set the case's benefit system (``asylblg`` or ``sgb2``)."""
    if system not in BENEFIT_SYSTEMS:
        raise ScriptError(f"unknown benefit system {system!r}; known: asylblg, sgb2")
    _effects().benefit_system = system
    return system


def record_deadline(key: str, due_on: Any, legal_basis: str, land: str | None = None) -> str:
    """Store a computed deadline on the case; returns the date as ISO text for task data."""
    effects = _effects()
    if isinstance(due_on, str):
        due_on = date.fromisoformat(due_on)
    if not isinstance(due_on, date):
        raise ScriptError(f"deadline {key!r} needs a date, got {type(due_on).__name__}")
    if not isinstance(legal_basis, str) or not 0 < len(legal_basis) <= LEGAL_BASIS_LENGTH:
        raise ScriptError(f"deadline {key!r}: the legal basis must be 1 to "
                          f"{LEGAL_BASIS_LENGTH} characters")
    effects.deadlines[key] = RecordedDeadline(key, due_on, legal_basis, land or effects.land)
    return due_on.isoformat()


def _team(value: Any, what: str) -> str:
    from engine.law.teams import TEAM_KEYS

    if value not in TEAM_KEYS:
        raise ScriptError(f"{what} must be a team key, got {value!r}")
    return str(value)


def handover_proposed(key: str, from_team: str, to_team: str, legal_basis: str, purpose: str,
                      appointment_at: Any = None, shared_fields: Any = None,
                      consent: Any = None) -> str:
    """Record that ``from_team`` proposes handing the case to ``to_team`` (warm handover)."""
    fields = {
        "from_team": _team(from_team, "from_team"), "to_team": _team(to_team, "to_team"),
        "legal_basis": str(legal_basis), "purpose": str(purpose),
        "appointment_at": appointment_at, "consent": None if consent is None else bool(consent),
        "shared_fields": [str(f) for f in (shared_fields or [])],
    }
    _effects().handovers.append(HandoverStep(str(key), "proposed", fields))
    return str(key)


def handover_acknowledged(key: str) -> str:
    """Record that the receiving team acknowledged the handover ``key``."""
    _effects().handovers.append(HandoverStep(str(key), "acknowledged"))
    return str(key)


def handover_escalated(key: str) -> str:
    """Record that the handover ``key`` was not acknowledged in time and was escalated."""
    _effects().handovers.append(HandoverStep(str(key), "escalated"))
    return str(key)


def close_case() -> bool:
    """Mark the case closed (the lifecycle reached its end)."""
    _effects().closed = True
    return True


CASE_HELPERS: dict[str, Callable[..., Any]] = {
    "set_stage": set_stage,
    "set_benefit_system": set_benefit_system,
    "record_deadline": record_deadline,
    "close_case": close_case,
    "case_court": case_court,
    "case_court_name": case_court_name,
    "handover_proposed": handover_proposed,
    "handover_acknowledged": handover_acknowledged,
    "handover_escalated": handover_escalated,
}
