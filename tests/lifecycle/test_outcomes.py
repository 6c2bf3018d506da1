"""The BAMF decision table (bpmn/bamf_outcome.dmn) and its deadlines, one row per outcome.

All decisions: dated Wed 28.04.2027, formally served Thu 13.05.2027 (NW). Two weeks end on
Thu 27.05.2027 = Fronleichnam -> Fri 28.05.; one week (§36 / Dublin) ends on Thu 20.05.
Exit deadline (rejections other than Dublin): 30 days (§38(1) AsylG) end on Sat 12.06. ->
Mon 14.06.; one week (§36(1): manifestly unfounded, inadmissible) on Thu 20.05.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.law.rules import DEFAULT_RULES
from tests.lifecycle.helpers import (
    advance_to,
    complete_open,
    deadline_dates,
    new_engine,
    register_asylum,
    start_asylum,
    tasks_by_team,
)

AZ = "8123456-423"

# outcome, stage, lawsuit deadline, (asylblg_end, sgb2_start) or None
OUTCOMES = [
    # Art. 16a: AsylbLG ends with the month of service (May, §43(1) VwVfG), not of the
    # decision's date (April), and before finality
    ("asylum", "S3a", "2027-05-28", ("2027-05-31", "2027-06-01")),
    # §3 / §4 AsylG: the month that contains the last day to sue (Fri 28.05.) -> end of May
    ("refugee", "S3b", "2027-05-28", ("2027-05-31", "2027-06-01")),
    ("subsidiary", "S3c", "2027-05-28", ("2027-05-31", "2027-06-01")),
    # deportation ban: SGB II only once the permit exists -> no benefit dates yet
    ("deportation_ban", "S3d", "2027-05-28", None),
    ("rejected", "S4", "2027-05-28", None),
    ("rejected_manifestly_unfounded", "S4", "2027-05-20", None),
    # §29(1) Nr. 2, 4 AsylG (protection elsewhere in the EU, follow-up application): as §36
    ("inadmissible", "S4", "2027-05-20", None),
    ("dublin", "S4", "2027-05-20", None),
]
FINAL = {"2027-05-28": "2027-05-29", "2027-05-20": "2027-05-21"}  # the day after
# exit deadline and the start of its legal basis; Dublin: deportation order, no exit deadline
EXIT = {"rejected": ("2027-06-14", "§38(1) AsylG"),
        "rejected_manifestly_unfounded": ("2027-05-20", "§36(1) AsylG"),
        "inadmissible": ("2027-05-20", "§36(1) AsylG")}


@pytest.mark.parametrize(("outcome", "stage", "lawsuit", "benefit_dates"), OUTCOMES,
                         ids=[row[0] for row in OUTCOMES])
def test_outcome_sets_stage_and_deadlines(make_engine: Any, outcome: str, stage: str,
                                          lawsuit: str, benefit_dates: Any) -> None:
    eng = new_engine(make_engine)
    case = start_asylum(eng, AZ)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-05-13")
    view = eng.messages.correlate("bamf_decision", {"outcome": outcome,
                                                    "decision_date": "2027-04-28",
                                                    "served_on": "2027-05-13"},
                                  correlation={"bamf_aktenzeichen": AZ})
    assert view.stage == stage and view.benefit_system == "asylblg"
    expected = {"served_on": "2027-05-13", "lawsuit_deadline": lawsuit,
                "decision_final_on": FINAL[lawsuit]}
    if benefit_dates:
        expected |= {"asylblg_end": benefit_dates[0], "sgb2_start": benefit_dates[1]}
    if outcome in EXIT:
        expected["exit_deadline"] = EXIT[outcome][0]
        assert view.deadlines["exit_deadline"].legal_basis.startswith(EXIT[outcome][1])
    assert {k: v.isoformat() for k, v in deadline_dates(eng, case.id).items()} == expected
    assert view.deadlines["lawsuit_deadline"].legal_basis.startswith(
        "§74(1) Hs. 2" if lawsuit == "2027-05-20" else "§74(1) Hs. 1")


def test_local_practice_month_of_service_is_a_rule_not_a_diagram_change(make_engine: Any
                                                                        ) -> None:
    """rules.asylblg_end_rule = "month_served": AsylbLG ends with the month of service."""
    eng = new_engine(lambda: make_engine(
        rules=DEFAULT_RULES.with_overrides(asylblg_end_rule="month_served")))
    case = start_asylum(eng, AZ)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-10-20")
    eng.messages.correlate("bamf_decision", {"outcome": "refugee", "decision_date": "2027-10-18",
                                    "served_on": "2027-10-20"},
                  correlation={"bamf_aktenzeichen": AZ})
    dates = {k: v.isoformat() for k, v in deadline_dates(eng, case.id).items()}
    # served Wed 20.10.2027, + 2 weeks = Wed 03.11., final Thu 04.11. (November), but the
    # local rule takes the month of service: AsylbLG ends 31.10., SGB II from 01.11.
    assert dates == {"served_on": "2027-10-20", "lawsuit_deadline": "2027-11-03",
                     "decision_final_on": "2027-11-04", "asylblg_end": "2027-10-31",
                     "sgb2_start": "2027-11-01"}
    assert "Zustellungsmonat" in eng.cases.get(case.id).deadlines["asylblg_end"].legal_basis


def test_duldung_review_without_permit_closes_the_case_in_s4(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    case = start_asylum(eng, AZ)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-03-05")
    eng.messages.correlate("bamf_decision", {"outcome": "rejected", "decision_date": "2027-03-03",
                                    "served_on": "2027-03-05"},
                  correlation={"bamf_aktenzeichen": AZ})
    advance_to(eng, "2027-03-20")  # Fri 05.03. + 2 weeks = Fri 19.03.; final on 20.03.
    complete_open(eng, case.id, "Task_duldung_check", {"duldung_reason": "no_travel_route"})
    eng.messages.correlate("duldung_issued", {"issued_on": "2027-03-22"}, case_id=case.id)
    assert deadline_dates(eng, case.id)["duldung_review"].isoformat() == "2028-09-22"
    advance_to(eng, "2028-09-22")
    assert tasks_by_team(eng, case.id) == {"auslaenderbehoerde": ["Task_duldung_review"]}
    complete_open(eng, case.id, "Task_duldung_review", {"review_decision": "exit"})
    view = eng.cases.get(case.id)
    assert (view.stage, view.benefit_system, view.status) == ("S4", "asylblg", "completed")
    assert view.closed_at is not None and view.open_tasks == []
