"""Dates that passed without the step they call for: the warnings of a case's deadline table.

A legal date is only useful if what it triggers happens. Each rule here names a deadline key
the diagrams record and the state the case should have left once that day is over; a case
still in that state gets a :class:`MissedStep` (shown on the case view next to the date).
Closed cases get none. The rules read only what :class:`engine.model.CaseInfo` carries.

| key | warned when the day is over and … |
|---|---|
| ``sgb2_start`` | the person still draws AsylbLG (the transfer to the Jobcenter did not happen) |
| ``asylblg_end`` | still AsylbLG (only when ``sgb2_start`` did not warn already) |
| ``sgb2_application_deadline`` | the case still waits for the SGB II application |
| ``ip_responsibility_end`` | the case is still at the Integration Point (stage S5) |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.model import CaseInfo

ASYLBLG = "asylblg"
SGB2_APPLICATION_MESSAGE = "sgb2_application_received"
IP_STAGE = "S5"


@dataclass(frozen=True)
class MissedStep:
    """A date that passed while the step it triggers did not happen.

    ``key`` names the missing step (``benefits_still_asylblg``, ``sgb2_application_missing``,
    ``ip_still_responsible``); ``deadline`` the date's key, ``day`` the date."""

    key: str
    deadline: str
    day: date


def _passed(case: CaseInfo, key: str, today: date) -> date | None:
    info = case.deadlines.get(key)
    return info.date if info is not None and info.date < today else None


def missed_steps(case: CaseInfo, today: date) -> list[MissedStep]:
    """The steps a case missed by ``today`` (the engine's Berlin day), oldest date first."""
    if case.closed_at is not None:
        return []
    found: list[MissedStep] = []
    start = _passed(case, "sgb2_start", today)
    if start is not None and case.benefit_system == ASYLBLG:
        found.append(MissedStep("benefits_still_asylblg", "sgb2_start", start))
    end = _passed(case, "asylblg_end", today)
    if end is not None and start is None and case.benefit_system == ASYLBLG:
        found.append(MissedStep("benefits_still_asylblg", "asylblg_end", end))
    applied_by = _passed(case, "sgb2_application_deadline", today)
    if applied_by is not None and any(w.message == SGB2_APPLICATION_MESSAGE
                                      for w in case.waiting_for):
        found.append(MissedStep("sgb2_application_missing", "sgb2_application_deadline",
                                applied_by))
    ip_end = _passed(case, "ip_responsibility_end", today)
    if ip_end is not None and case.stage == IP_STAGE:
        found.append(MissedStep("ip_still_responsible", "ip_responsibility_end", ip_end))
    return sorted(found, key=lambda m: m.day)
