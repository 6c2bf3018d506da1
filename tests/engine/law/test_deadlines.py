"""Lifecycle legal dates of engine.law.deadlines (deemed service, lawsuit deadline, AsylbLG end,
SGB II start, ...): worked examples, legal basis, the Deadline record and the helper registry.

The calendar arithmetic they rest on is tested in ``test_calendar.py``."""

from __future__ import annotations

from datetime import date

import pytest

from engine.errors import InvalidInput
from engine.law import deadlines as dl
from engine.law.deadlines import (
    DEADLINE_LEGAL_BASIS,
    HELPERS,
    Deadline,
    asylblg_end,
    course_entitlement_expiry,
    decision_final_on,
    deemed_served_on,
    duldung_review,
    earliest_lawsuit_deadline,
    ip_responsibility_end,
    lawsuit_deadline,
    objection_deadline,
    permit_renewal_reminder,
    sgb2_application_deadline,
    sgb2_application_last_day,
    sgb2_application_timely,
    sgb2_renewal_reminder,
    sgb2_start,
    wohnsitzauflage_end,
)
from engine.law.rules import DEFAULT_RULES

D = date


# --- lifecycle dates --------------------------------------------------------------------------


def test_deemed_notification_four_days_from_2025() -> None:
    assert deemed_served_on(D(2025, 3, 6), "NW") == D(2025, 3, 10)  # Thu + 4 = Mon
    assert deemed_served_on(D(2025, 3, 4), "NW") == D(2025, 3, 10)  # Tue + 4 = Sat -> Mon
    # Thu 2025-01-02 + 4 = Mon 2025-01-06: Epiphany in BY, not in NW
    assert deemed_served_on(D(2025, 1, 2), "NW") == D(2025, 1, 6)
    assert deemed_served_on(D(2025, 1, 2), "BY") == D(2025, 1, 7)


def test_deemed_notification_three_days_before_2025() -> None:
    assert deemed_served_on(D(2024, 12, 10), "NW") == D(2024, 12, 13)  # Tue + 3 = Fri
    assert deemed_served_on(D(2024, 12, 12), "NW") == D(2024, 12, 16)  # Thu + 3 = Sun -> Mon
    assert deemed_served_on(D(2024, 12, 30), "NW") == D(2025, 1, 2)  # posted 2024: 3 days
    assert deemed_served_on(D(2024, 12, 31), "NW") == D(2025, 1, 3)
    assert deemed_served_on(D(2025, 1, 1), "NW") == D(2025, 1, 6)  # Wed + 4 = Sun -> Mon


def test_deemed_notification_cutover_is_a_rule() -> None:
    rules = DEFAULT_RULES.with_overrides(deemed_notification_cutover=D(2026, 1, 1))
    assert deemed_served_on(D(2025, 3, 4), "NW", rules) == D(2025, 3, 7)


def test_lawsuit_deadline() -> None:
    assert lawsuit_deadline(D(2027, 6, 2), "NW") == D(2027, 6, 16)
    assert lawsuit_deadline(D(2027, 6, 2), "NW", short=True) == D(2027, 6, 9)
    # ends on Fronleichnam: moves in NW only
    assert lawsuit_deadline(D(2027, 5, 13), "NW") == D(2027, 5, 28)
    assert lawsuit_deadline(D(2027, 5, 13), "BE") == D(2027, 5, 27)
    assert lawsuit_deadline(D(2027, 5, 20), "NW", short=True) == D(2027, 5, 28)
    assert decision_final_on(D(2027, 5, 28)) == D(2027, 5, 29)


def test_refugee_chain_to_sgb2_application() -> None:
    served = D(2027, 6, 10)
    last_day = lawsuit_deadline(served, "NW")
    assert last_day == D(2027, 6, 24)
    end = asylblg_end("refugee", served, last_day)
    assert end == D(2027, 6, 30)
    start = sgb2_start(end)
    assert start == D(2027, 7, 1)
    assert sgb2_application_deadline(start, "NW") == D(2027, 7, 30)  # 31 Jul is a Saturday
    assert sgb2_application_last_day(start) == D(2027, 7, 31)  # the legal end: not moved
    assert sgb2_application_deadline(D(2028, 9, 1), "NW") == D(2028, 9, 29)


def test_asylblg_end_rules() -> None:
    # served Wed 16.06.2027, last day to sue Wed 30.06., final Thu 01.07.
    served, last_day = D(2027, 6, 16), lawsuit_deadline(D(2027, 6, 16), "NW")
    assert (last_day, decision_final_on(last_day)) == (D(2027, 6, 30), D(2027, 7, 1))
    # default: the Gestattung lapses at the end of 30.06. -> AsylbLG ends with June
    assert DEFAULT_RULES.asylblg_end_rule == "month_lawsuit_deadline"
    assert asylblg_end("subsidiary", served, last_day) == D(2027, 6, 30)
    assert asylblg_end("refugee", "2027-06-16", "2027-06-30") == D(2027, 6, 30)
    final_rule = DEFAULT_RULES.with_overrides(asylblg_end_rule="month_final")
    assert asylblg_end("refugee", served, last_day, final_rule) == D(2027, 7, 31)
    served_rule = DEFAULT_RULES.with_overrides(asylblg_end_rule="month_served")
    # served 20.05.2027, last day 03.06.: the month of service (May), whatever the last day
    assert asylblg_end("refugee", D(2027, 5, 20), D(2027, 6, 3), served_rule) == D(2027, 5, 31)
    assert asylblg_end("refugee", D(2027, 5, 20), rules=served_rule) == D(2027, 5, 31)
    # Art. 16a GG: the month of service (dated 28.04., served 13.05.), whatever the rule
    assert asylblg_end("asylum", D(2027, 5, 13)) == D(2027, 5, 31)
    assert asylblg_end("asylum", "2027-05-13", rules=final_rule) == D(2027, 5, 31)
    with pytest.raises(InvalidInput, match="lawsuit_deadline is required"):
        asylblg_end("refugee", D(2027, 5, 14))
    with pytest.raises(InvalidInput, match="unknown outcome"):
        asylblg_end("deportation_ban", D(2027, 5, 14), D(2027, 5, 28))


def test_sgb2_application_in_time_is_judged_by_the_legal_end() -> None:
    # start Mon 04.10.2027 (resettlement): reminder on Fri 29.10., legal end Sun 31.10.
    assert sgb2_application_deadline(D(2027, 10, 4), "NW") == D(2027, 10, 29)
    assert sgb2_application_last_day("2027-10-04") == D(2027, 10, 31)
    assert sgb2_application_timely("2027-10-30", "2027-10-04")  # Saturday: in time
    assert sgb2_application_timely(D(2027, 10, 31), D(2027, 10, 4))
    assert not sgb2_application_timely(D(2027, 11, 1), D(2027, 10, 4))


def test_posting_fiction_readings() -> None:
    # posted Wed 12.05.2027: 4th day Sun 16.05., Mon 17.05. Pfingstmontag
    assert deemed_served_on(D(2027, 5, 12), "NW") == D(2027, 5, 18)  # BSG line
    strict = DEFAULT_RULES.with_overrides(posting_fiction_weekend="strict")
    assert deemed_served_on(D(2027, 5, 12), "NW", strict) == D(2027, 5, 16)
    # BSG: Tue 18.05. + 2 weeks = Tue 01.06.; strict: Sun 30.05. -> Mon 31.05.
    assert earliest_lawsuit_deadline(D(2027, 5, 12), "NW") == D(2027, 5, 31)
    assert earliest_lawsuit_deadline(D(2027, 5, 12), "NW", rules=strict) is None
    # posted Wed 02.06.2027: 4th day a plain Sunday, both readings end on Mon 21.06. -> None
    assert earliest_lawsuit_deadline(D(2027, 6, 2), "NW") is None
    with pytest.raises(InvalidInput, match="unknown Land"):
        deemed_served_on(D(2027, 5, 12), "XX", strict)


def test_reminders_and_local_periods() -> None:
    assert permit_renewal_reminder(D(2028, 3, 15)) == D(2028, 1, 5)  # 70 days, Wed, not moved
    assert permit_renewal_reminder(D(2028, 3, 18)) == D(2028, 1, 8)  # Saturday: not moved
    assert sgb2_renewal_reminder(D(2028, 5, 31)) == D(2028, 4, 19)
    assert wohnsitzauflage_end(D(2027, 6, 1)) == D(2030, 5, 31)
    assert course_entitlement_expiry(D(2027, 6, 1)) == D(2028, 6, 1)
    assert duldung_review(D(2027, 1, 15)) == D(2028, 7, 15)
    assert ip_responsibility_end(D(2027, 6, 1)) == D(2028, 5, 31)
    assert objection_deadline(D(2027, 4, 30), "NW") == D(2027, 5, 31)  # 30 May is a Sunday
    assert objection_deadline(D(2027, 1, 31), "NW") == D(2027, 3, 1)  # 28 Feb Sun -> 1 Mar


def test_rules_overrides_flow_through() -> None:
    rules = DEFAULT_RULES.with_overrides(ip_responsibility_months=6, permit_renewal_weeks_before=8)
    assert ip_responsibility_end(D(2027, 6, 1), rules) == D(2027, 11, 30)
    assert permit_renewal_reminder(D(2028, 3, 15), rules) == D(2028, 1, 19)


# --- legal basis, registry, Deadline ---------------------------------------------------------


def test_legal_basis_keys() -> None:
    assert set(DEADLINE_LEGAL_BASIS) == {
        "served_on", "lawsuit_deadline", "lawsuit_deadline_earliest", "decision_final_on",
        "asylblg_end", "sgb2_start",
        "sgb2_application_deadline", "permit_renewal_reminder", "wohnsitzauflage_end",
        "course_entitlement_expiry", "duldung_review", "ip_responsibility_end",
    }  # fmt: skip
    assert all(DEADLINE_LEGAL_BASIS.values())


def test_deadline_record() -> None:
    rec = Deadline.of("lawsuit_deadline", "2027-05-28", "NW")
    assert rec == Deadline(
        "lawsuit_deadline", D(2027, 5, 28), DEADLINE_LEGAL_BASIS["lawsuit_deadline"], "NW"
    )
    with pytest.raises(InvalidInput, match="unknown deadline key"):
        Deadline.of("nope", D(2027, 5, 28), "NW")
    with pytest.raises(InvalidInput, match="unknown Land"):
        Deadline.of("served_on", D(2027, 5, 28), "XX")


def test_helpers_registry() -> None:
    expected = {
        "as_date", "date_from_iso", "is_working_day", "next_working_day_on_or_after",
        "add_period", "add_period_from_day_start", "deadline", "deemed_served_on",
        "lawsuit_deadline", "end_of_month", "first_of_next_month", "last_working_day_of_month",
        "add_working_days", "working_days_between", "asylblg_end", "sgb2_start",
        "sgb2_application_deadline", "sgb2_application_last_day", "sgb2_application_timely",
        "earliest_lawsuit_deadline", "decision_final_on", "permit_renewal_reminder",
        "wohnsitzauflage_end", "course_entitlement_expiry", "duldung_review",
        "ip_responsibility_end", "objection_deadline", "sgb2_renewal_reminder", "legal_basis",
    }  # fmt: skip
    assert set(HELPERS) == expected
    assert all(HELPERS[name] is getattr(dl, name) for name in expected)
