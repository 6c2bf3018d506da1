"""Issue 15, point 6: a date that passed without the step it triggers is named, rule by rule;
closed cases and dates still to come are not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from engine import CaseInfo, DeadlineInfo, MissedStep, missed_steps
from engine.model import WaitInfo

TODAY = date(2027, 7, 2)


def case(stage: str = "S3b", benefit: str = "asylblg", waits: tuple[str, ...] = (),
         **days: str) -> CaseInfo:
    return CaseInfo(
        id="c1", case_number="ST-1", land="NW", entry="asylum", stage=stage,
        benefit_system=benefit, bamf_aktenzeichen=None, person=None,
        created_at=datetime(2027, 3, 1, tzinfo=UTC), closed_at=None, status="running",
        deadlines={k: DeadlineInfo(k, date.fromisoformat(v), "§", "NW") for k, v in days.items()},
        waiting_for=[WaitInfo(m, m, "e", None, None, None) for m in waits])


@pytest.mark.parametrize(("info", "expected"), [
    (case(sgb2_start="2027-07-01"),
     [MissedStep("benefits_still_asylblg", "sgb2_start", date(2027, 7, 1))]),
    (case(sgb2_start="2027-07-01", asylblg_end="2027-06-30"),  # one warning, not two
     [MissedStep("benefits_still_asylblg", "sgb2_start", date(2027, 7, 1))]),
    (case(asylblg_end="2027-06-30"),
     [MissedStep("benefits_still_asylblg", "asylblg_end", date(2027, 6, 30))]),
    (case(sgb2_start="2027-07-01", benefit="sgb2"), []),  # the transfer happened
    (case(sgb2_start="2027-07-02"), []),  # the day itself is not over
    (case(benefit="sgb2", stage="S5", waits=("sgb2_application_received",),
          sgb2_application_deadline="2027-06-30"),
     [MissedStep("sgb2_application_missing", "sgb2_application_deadline", date(2027, 6, 30))]),
    (case(benefit="sgb2", stage="S5", sgb2_application_deadline="2027-06-30"), []),
    (case(benefit="sgb2", stage="S5", ip_responsibility_end="2027-06-01"),
     [MissedStep("ip_still_responsible", "ip_responsibility_end", date(2027, 6, 1))]),
    (case(benefit="sgb2", stage="S6", ip_responsibility_end="2027-06-01"), []),
])
def test_rules(info: CaseInfo, expected: list[MissedStep]) -> None:
    assert missed_steps(info, TODAY) == expected


def test_oldest_first_and_closed_cases_have_none() -> None:
    both: Any = case(stage="S5", ip_responsibility_end="2027-05-01", sgb2_start="2027-06-01")
    assert [m.key for m in missed_steps(both, TODAY)] == ["ip_still_responsible",
                                                          "benefits_still_asylblg"]
    closed = replace(both, closed_at=datetime(2027, 6, 2, tzinfo=UTC))
    assert missed_steps(closed, TODAY) == []
