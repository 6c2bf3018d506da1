from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from engine.errors import InvalidInput
from engine.law.lands import LANDS
from engine.law.rules import DEFAULT_RULES, LegalRules


def test_defaults() -> None:
    r = DEFAULT_RULES
    assert r == LegalRules()
    assert (r.deemed_notification_days, r.deemed_notification_days_before_cutover) == (4, 3)
    assert r.deemed_notification_cutover == date(2025, 1, 1)
    assert (r.lawsuit_weeks, r.lawsuit_weeks_short, r.objection_months) == (2, 1, 1)
    assert (r.permit_renewal_weeks_before, r.wohnsitzauflage_years) == (10, 3)
    assert (r.course_entitlement_years, r.duldung_review_months) == (1, 18)
    assert (r.sgb2_approval_months, r.sgb2_renewal_weeks_before) == (12, 6)
    assert (r.ip_responsibility_months, r.handover_ack_working_days) == (12, 5)
    assert (r.exit_deadline_days, r.exit_deadline_days_short) == (30, 7)
    assert (r.lid_pass_min_score, r.lid_questions, r.dtz_pass_level) == (15, 33, "B1")
    assert r.asylblg_end_rule == "month_lawsuit_deadline"
    assert r.posting_fiction_weekend == "next_working_day"
    assert r.default_land == "NW"
    assert len(LANDS) == 16


def test_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_RULES.lawsuit_weeks = 3  # type: ignore[misc]


def test_with_overrides_returns_copy() -> None:
    r = DEFAULT_RULES.with_overrides(lawsuit_weeks=3, default_land="BE")
    assert (r.lawsuit_weeks, r.default_land) == (3, "BE")
    assert DEFAULT_RULES.lawsuit_weeks == 2


@pytest.mark.parametrize(
    "kw",
    [
        {"no_such_rule": 1},
        {"asylblg_end_rule": "month_decided"},
        {"posting_fiction_weekend": "bsg"},
        {"default_land": "XX"},
        {"lawsuit_weeks": -1},
        {"lawsuit_weeks": "2"},
        {"lid_pass_min_score": 40},
        {"deemed_notification_cutover": "2025-01-01"},
    ],
)
def test_invalid_overrides(kw: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        DEFAULT_RULES.with_overrides(**kw)
