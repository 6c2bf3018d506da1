"""The lifecycle's legal dates, built on the calendar arithmetic of
:mod:`engine.law.calendar`: deemed service, lawsuit deadline, finality, AsylbLG end, SGB II
start and application deadline, permit renewal, residence obligation, course entitlement,
Duldung review, the end of the Integration Point's responsibility, objection deadline.

Pure functions: no I/O, no clock; every parameter comes from :class:`~engine.law.rules.LegalRules`.
:data:`HELPERS` are the functions diagrams may call from sandboxed expressions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from engine.errors import InvalidInput
from engine.law.calendar import (
    DateLike,
    add_period,
    add_period_from_day_start,
    add_working_days,
    as_date,
    check_land,
    date_from_iso,
    deadline,
    end_of_month,
    first_of_next_month,
    is_working_day,
    last_working_day_of_month,
    next_working_day_on_or_after,
    working_days_between,
)
from engine.law.rules import DEFAULT_RULES, LegalRules

#: Legal basis of each deadline key the engine stores (shown to caseworkers).
DEADLINE_LEGAL_BASIS: dict[str, str] = {
    "served_on": "§37(2) SGB X, §41(2) VwVfG, §4(2) VwZG (deemed notification of a posted letter)",
    "lawsuit_deadline": "§74(1) AsylG; §§187(1), 188(2), 193 BGB, §57 VwGO, §222 ZPO",
    "decision_final_on": "§74(1) AsylG (lawsuit deadline expired unused)",
    "asylblg_end": "§1(3) AsylbLG",
    "sgb2_start": "§37(2) SGB II",
    "sgb2_application_deadline": "§37(2) sentence 2 SGB II (internal: last working day)",
    "permit_renewal_reminder": "§81(4) AufenthG (internal reminder)",
    "wohnsitzauflage_end": "§12a(1) AufenthG; §§187(2), 188(2) BGB",
    "course_entitlement_expiry": "§44(2) AufenthG; §§187(1), 188(2) BGB",
    "duldung_review": "§25(5) AufenthG, §1(1) Nr. 3c AsylbLG",
    "ip_responsibility_end": "local rule (Integration Point); §§187(2), 188(2) BGB",
}


@dataclass(frozen=True)
class Deadline:
    """A computed date with its legal basis and the Land whose holidays were applied."""

    key: str
    date: date
    legal_basis: str
    land: str

    @classmethod
    def of(cls, key: str, value: DateLike, land: str) -> Deadline:
        """Build a deadline for ``key``, taking its legal basis from DEADLINE_LEGAL_BASIS."""
        if key not in DEADLINE_LEGAL_BASIS:
            raise InvalidInput("unknown deadline key", [{"field": "key", "message": key}])
        return cls(key, as_date(value, "date"), DEADLINE_LEGAL_BASIS[key], check_land(land))


# --- lifecycle dates --------------------------------------------------------------------------


def deemed_served_on(posted_on: DateLike, land: str, rules: LegalRules = DEFAULT_RULES) -> date:
    """Return the day a posted letter counts as notified (Bekanntgabefiktion).

    §37(2) SGB X, §41(2) VwVfG, §4(2) VwZG as amended from 2025-01-01: the 4th day after
    posting (3rd day for letters posted before the cutover), moved to the next working day
    of ``land`` if that day is a weekend or holiday (BSG, B 14 AS 12/09 R, applying §26(3)).
    """
    posted = as_date(posted_on, "posted_on")
    n = (
        rules.deemed_notification_days
        if posted >= rules.deemed_notification_cutover
        else rules.deemed_notification_days_before_cutover
    )
    return deadline(posted, land=land, days=n)


def lawsuit_deadline(
    served_on: DateLike, land: str, *, short: bool = False, rules: LegalRules = DEFAULT_RULES
) -> date:
    """Return the last day to sue against a BAMF decision (§74(1) AsylG).

    2 weeks after service; 1 week (``short``) in §36 cases and Dublin cases (§34a(2) AsylG);
    moved per §193 BGB (§57(2) VwGO, §222(2) ZPO).
    """
    weeks = rules.lawsuit_weeks_short if short else rules.lawsuit_weeks
    return deadline(served_on, land=land, weeks=weeks)


def decision_final_on(lawsuit_deadline: DateLike) -> date:
    """Return the day a BAMF decision becomes final when nobody sues (§74(1) AsylG).

    The deadline expires at the end of its last day, so the decision is final (unanfechtbar)
    from the start of the following day: the day after the last day to sue.
    """
    return as_date(lawsuit_deadline, "lawsuit_deadline") + timedelta(days=1)


def asylblg_end(
    outcome: str,
    decision_date: DateLike,
    decision_final_on: DateLike | None = None,
    served_on: DateLike | None = None,
    rules: LegalRules = DEFAULT_RULES,
) -> date:
    """Return the last day of AsylbLG entitlement after recognition (§1(3) AsylbLG).

    ``outcome`` ``"asylum"`` (Art. 16a GG, §1(3) Nr. 2): end of the month of the BAMF decision,
    even before it is final. ``"refugee"`` / ``"subsidiary"`` (§1(3) Nr. 1): end of the month
    of ``decision_final_on``; with ``rules.asylblg_end_rule == "month_served"`` end of the month
    of ``served_on`` (local practice). A benefit period: never moved (§26(4) SGB X).
    """
    decided = as_date(decision_date, "decision_date")
    if outcome == "asylum":
        return end_of_month(decided)
    if outcome not in ("refugee", "subsidiary"):
        raise InvalidInput(
            "unknown outcome",
            [{"field": "outcome", "message": "must be 'asylum', 'refugee' or 'subsidiary'"}],
        )
    if rules.asylblg_end_rule == "month_served":
        field, value = "served_on", served_on
    else:
        field, value = "decision_final_on", decision_final_on
    if value is None:
        raise InvalidInput(f"{field} is required", [{"field": field, "message": "missing"}])
    return end_of_month(as_date(value, field))


def sgb2_start(asylblg_end: DateLike) -> date:
    """Return the first day of SGB II: the day after AsylbLG ends (§37(2) SGB II, no gap)."""
    return first_of_next_month(as_date(asylblg_end, "asylblg_end"))


def sgb2_application_deadline(sgb2_start: DateLike, land: str) -> date:
    """Return the internal deadline to file the SGB II application (§37(2) sentence 2 SGB II).

    The application reaches back to the 1st of the month it is filed in, so it must be filed
    within the first SGB II month; internally by its last *working* day (moved backwards).
    """
    return last_working_day_of_month(as_date(sgb2_start, "sgb2_start"), land)


def permit_renewal_reminder(valid_until: DateLike, rules: LegalRules = DEFAULT_RULES) -> date:
    """Return the internal reminder to apply for a permit renewal (§81(4) AufenthG).

    Expiry (the printed date, never recomputed) minus ``rules.permit_renewal_weeks_before``
    weeks. Not moved: it is an internal reminder, not a legal deadline.
    """
    expiry = as_date(valid_until, "valid_until")
    return expiry - timedelta(weeks=rules.permit_renewal_weeks_before)


def wohnsitzauflage_end(recognised_on: DateLike, rules: LegalRules = DEFAULT_RULES) -> date:
    """Return the last day of the residence obligation (§12a(1) AufenthG).

    "Three years from recognition": read as a period beginning at the start of the
    recognition day (§187(2) BGB), since the obligation binds on that day already; it ends
    on the day before the same day number (§188(2) 2nd alt.): 2027-06-01 -> 2030-05-31.
    Not moved (not a deadline for an act).
    """
    return add_period_from_day_start(recognised_on, years=rules.wohnsitzauflage_years)


def course_entitlement_expiry(
    permit_issued_on: DateLike, rules: LegalRules = DEFAULT_RULES
) -> date:
    """Return the last day of the integration course entitlement (§44(2) AufenthG).

    "Lapses one year after the permit was issued": the issuing is an event (§187(1) BGB), so
    the last day is the same day number one year later. Not moved.
    """
    return add_period(permit_issued_on, years=rules.course_entitlement_years)


def duldung_review(duldung_issued_on: DateLike, rules: LegalRules = DEFAULT_RULES) -> date:
    """Return the day 18 months of Duldung are complete: ABH review task (§25(5) AufenthG).

    Counted from the Duldung decision as an event (§187(1) BGB); SGB II may follow from the
    next month (§1(1) Nr. 3c AsylbLG). Internal task date: not moved.
    """
    return add_period(duldung_issued_on, months=rules.duldung_review_months)


def ip_responsibility_end(start: DateLike, rules: LegalRules = DEFAULT_RULES) -> date:
    """Return the last day of the IP's special responsibility (local rule).

    12 months starting with the day the case entered the IP; the start day counts
    (§187(2) BGB), so 2027-06-01 -> 2028-05-31. Ends earlier if the course is completed.
    """
    return add_period_from_day_start(start, months=rules.ip_responsibility_months)


def objection_deadline(notified_on: DateLike, land: str, rules: LegalRules = DEFAULT_RULES) -> date:
    """Return the last day for an objection (Widerspruch, §84(1) SGG): 1 month, §193 BGB."""
    return deadline(notified_on, land=land, months=rules.objection_months)


def sgb2_renewal_reminder(approval_end: DateLike, rules: LegalRules = DEFAULT_RULES) -> date:
    """Return the internal reminder to renew SGB II (§41(3) SGB II): 6 weeks before the end.

    Not moved: internal reminder.
    """
    end = as_date(approval_end, "approval_end")
    return end - timedelta(weeks=rules.sgb2_renewal_weeks_before)


#: Functions diagrams may call from sandboxed expressions.
HELPERS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        as_date, date_from_iso, is_working_day, next_working_day_on_or_after, add_period,
        add_period_from_day_start, deadline, deemed_served_on, lawsuit_deadline, end_of_month,
        first_of_next_month, last_working_day_of_month, add_working_days, working_days_between,
        asylblg_end, sgb2_start, sgb2_application_deadline, decision_final_on,
        permit_renewal_reminder, wohnsitzauflage_end, course_entitlement_expiry, duldung_review,
        ip_responsibility_end, objection_deadline, sgb2_renewal_reminder,
    )
}  # fmt: skip
