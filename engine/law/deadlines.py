"""The lifecycle's legal dates, built on the calendar arithmetic of
:mod:`engine.law.calendar`: deemed service, lawsuit deadline (and its earliest possible end
where the posting fiction is contested), finality, AsylbLG end, SGB II start, application
deadline (internal reminder and legal end), permit renewal, residence obligation, course
entitlement, Duldung review, the end of the Integration Point's responsibility, objection
deadline.

Pure functions: no I/O, no clock; every parameter comes from :class:`~engine.law.rules.LegalRules`.
:data:`HELPERS` are the functions diagrams may call from sandboxed expressions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from engine.errors import InvalidInput
from engine.law.basis import legal_basis
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
from engine.law.courts import check_court, next_working_day_at_seat
from engine.law.rules import DEFAULT_RULES, POSTING_FICTION_READINGS, LegalRules
from engine.law.settings import RuleBook, in_force

#: plain rules, or rules over time (a case uses the values in force on the relevant day)
Rules = LegalRules | RuleBook

#: Legal basis of each deadline key the engine stores (shown to caseworkers).
DEADLINE_LEGAL_BASIS: dict[str, str] = {
    "served_on": "§37(2) SGB X, §41(2) VwVfG, §4(2) VwZG (deemed notification of a posted letter)",
    "lawsuit_deadline": "§74(1) AsylG; §§187(1), 188(2), 193 BGB, §57 VwGO, §222 ZPO",
    "lawsuit_deadline_earliest": (
        "§74(1) AsylG with the strict reading of §41(2) VwVfG, §4(2) VwZG (deemed notification "
        "not moved off a weekend/holiday): earliest possible last day to sue"
    ),
    "decision_final_on": "§74(1) AsylG (lawsuit deadline expired unused)",
    "asylblg_end": "§1(3) AsylbLG; §67(1) Nr. 6 AsylG; §43(1) VwVfG",
    "sgb2_start": "§37(2) SGB II",
    "sgb2_application_deadline": (
        "§37(2) sentence 2 SGB II (internal reminder: last working day; legal end: last day "
        "of the first SGB II month)"
    ),
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


def deemed_served_on(posted_on: DateLike, land: str, rules: Rules = DEFAULT_RULES) -> date:
    """Return the day a posted letter counts as notified (Bekanntgabefiktion).

    §37(2) SGB X, §41(2) VwVfG, §4(2) VwZG as amended from 2025-01-01: the 4th day after
    posting (3rd day for letters posted before the cutover). If that day is a weekend or
    holiday of ``land`` it moves to the next working day (BSG, B 14 AS 12/09 R, applying
    §26(3) SGB X), unless ``rules.posting_fiction_weekend == "strict"`` keeps the day itself.
    """
    posted = as_date(posted_on, "posted_on")
    rules = in_force(rules, posted)
    return _deemed_served_on(posted, land, rules, rules.posting_fiction_weekend)


def _deemed_served_on(posted_on: DateLike, land: str, rules: LegalRules, reading: str) -> date:
    posted = as_date(posted_on, "posted_on")
    n = (
        rules.deemed_notification_days
        if posted >= rules.deemed_notification_cutover
        else rules.deemed_notification_days_before_cutover
    )
    if reading == "strict":
        check_land(land)
        return add_period(posted, days=n)
    return deadline(posted, land=land, days=n)


def lawsuit_deadline(
    served_on: DateLike, land: str, *, short: bool = False, rules: Rules = DEFAULT_RULES,
    court: str | None = None,
) -> date:
    """Return the last day to sue against a BAMF decision (§74(1) AsylG).

    2 weeks after service; 1 week (``short``) in §36 cases and Dublin cases (§34a(2) AsylG);
    an end on a weekend or holiday moves to the next working day at the seat of ``court``
    (§57(2) VwGO, §222(2) ZPO; :mod:`engine.law.courts`, a court of ``land``), or by the
    holidays of ``land`` when no court is given.
    """
    served = as_date(served_on, "served_on")
    now = in_force(rules, served)
    weeks = now.lawsuit_weeks_short if short else now.lawsuit_weeks
    if court is None:
        return deadline(served, land=land, weeks=weeks)
    seat = check_court(court, check_land(land))
    return next_working_day_at_seat(add_period(served, weeks=weeks), seat)


def earliest_lawsuit_deadline(
    posted_on: DateLike, land: str, *, short: bool = False, rules: Rules = DEFAULT_RULES,
    court: str | None = None,
) -> date | None:
    """Return the earliest possible last day to sue after a posted decision, if it is earlier.

    "Frühestes mögliches Fristende": where the deemed notification day falls on a weekend or
    holiday, the readings of the posting fiction differ (``rules.posting_fiction_weekend``);
    the strict one (no move) can give an earlier last day to sue than the BSG line. Returns
    that earlier day when it is before the lawsuit deadline the configured reading drives,
    else ``None`` (the readings agree, or the configured reading is the earliest already).
    Service moves by the holidays of ``land``, the last day to sue by those at the seat of
    ``court`` (as :func:`lawsuit_deadline`).
    """
    driven = lawsuit_deadline(
        deemed_served_on(posted_on, land, rules), land, short=short, rules=rules, court=court
    )
    posted_rules = in_force(rules, as_date(posted_on, "posted_on"))
    earliest = min(
        lawsuit_deadline(
            _deemed_served_on(posted_on, land, posted_rules, reading), land, short=short,
            rules=rules, court=court,
        )
        for reading in sorted(POSTING_FICTION_READINGS)
    )
    return earliest if earliest < driven else None


def decision_final_on(lawsuit_deadline: DateLike) -> date:
    """Return the day a BAMF decision becomes final when nobody sues (§74(1) AsylG).

    The deadline expires at the end of its last day, so the decision is final (unanfechtbar)
    from the start of the following day: the day after the last day to sue.
    """
    return as_date(lawsuit_deadline, "lawsuit_deadline") + timedelta(days=1)


def asylblg_end(
    outcome: str,
    served_on: DateLike,
    lawsuit_deadline: DateLike | None = None,
    rules: Rules = DEFAULT_RULES,
) -> date:
    """Return the last day of AsylbLG entitlement after recognition (§1(3) AsylbLG).

    ``outcome`` ``"asylum"`` (Art. 16a GG, §1(3) Nr. 2): end of the month in which the
    recognition takes effect, i.e. is served (given or deemed, §43(1) VwVfG), even before it
    is final; never the month of the decision's date. ``"refugee"`` / ``"subsidiary"``
    (§1(3) Nr. 1 with §67(1) Nr. 6 AsylG) by ``rules.asylblg_end_rule``: end of the month that
    contains ``lawsuit_deadline`` (default: the Gestattung lapses at the end of the last day to
    sue), of the day after it (``"month_final"``) or of ``served_on`` (``"month_served"``).
    A benefit period: never moved (§26(4) SGB X).
    """
    served = as_date(served_on, "served_on")
    rules = in_force(rules, served)
    if outcome == "asylum" or (
        outcome in ("refugee", "subsidiary") and rules.asylblg_end_rule == "month_served"
    ):
        return end_of_month(served)
    if outcome not in ("refugee", "subsidiary"):
        raise InvalidInput(
            "unknown outcome",
            [{"field": "outcome", "message": "must be 'asylum', 'refugee' or 'subsidiary'"}],
        )
    if lawsuit_deadline is None:
        raise InvalidInput(
            "lawsuit_deadline is required", [{"field": "lawsuit_deadline", "message": "missing"}]
        )
    last_day = as_date(lawsuit_deadline, "lawsuit_deadline")
    if rules.asylblg_end_rule == "month_final":
        return end_of_month(decision_final_on(last_day))
    return end_of_month(last_day)


def sgb2_start(asylblg_end: DateLike) -> date:
    """Return the first day of SGB II: the day after AsylbLG ends (§37(2) SGB II, no gap)."""
    return first_of_next_month(as_date(asylblg_end, "asylblg_end"))


def sgb2_application_deadline(sgb2_start: DateLike, land: str) -> date:
    """Return the internal deadline to file the SGB II application (§37(2) sentence 2 SGB II).

    The application reaches back to the 1st of the month it is filed in, so it must be filed
    within the first SGB II month; internally by its last *working* day (moved backwards).
    Drives only the reminder; whether an application was in time is decided by the legal end,
    :func:`sgb2_application_last_day`.
    """
    return last_working_day_of_month(as_date(sgb2_start, "sgb2_start"), land)


def sgb2_application_last_day(sgb2_start: DateLike) -> date:
    """Return the legal last day to file the SGB II application (§37(2) sentence 2 SGB II).

    The last calendar day of the first SGB II month, whatever its weekday: an application
    filed then still reaches back to the 1st. Not moved (the application can be filed on any
    day, e.g. online or at the night letterbox).
    """
    return end_of_month(as_date(sgb2_start, "sgb2_start"))


def sgb2_application_timely(received_on: DateLike, sgb2_start: DateLike) -> bool:
    """True when an SGB II application received on ``received_on`` covers ``sgb2_start``.

    Compared with the legal end (:func:`sgb2_application_last_day`), not with the internal
    reminder date: an application on Saturday 30.10.2027 for a start in October is in time.
    """
    return as_date(received_on, "received_on") <= sgb2_application_last_day(sgb2_start)


def permit_renewal_reminder(valid_until: DateLike, rules: Rules = DEFAULT_RULES) -> date:
    """Return the internal reminder to apply for a permit renewal (§81(4) AufenthG).

    Expiry (the printed date, never recomputed) minus ``rules.permit_renewal_weeks_before``
    weeks. Not moved: it is an internal reminder, not a legal deadline.
    """
    expiry = as_date(valid_until, "valid_until")
    return expiry - timedelta(weeks=in_force(rules, expiry).permit_renewal_weeks_before)


def wohnsitzauflage_end(recognised_on: DateLike, rules: Rules = DEFAULT_RULES) -> date:
    """Return the last day of the residence obligation (§12a(1) AufenthG).

    "Three years from recognition": read as a period beginning at the start of the
    recognition day (§187(2) BGB), since the obligation binds on that day already; it ends
    on the day before the same day number (§188(2) 2nd alt.): 2027-06-01 -> 2030-05-31.
    Not moved (not a deadline for an act).
    """
    day = as_date(recognised_on, "recognised_on")
    return add_period_from_day_start(day, years=in_force(rules, day).wohnsitzauflage_years)


def course_entitlement_expiry(
    permit_issued_on: DateLike, rules: Rules = DEFAULT_RULES
) -> date:
    """Return the last day of the integration course entitlement (§44(2) AufenthG).

    "Lapses one year after the permit was issued": the issuing is an event (§187(1) BGB), so
    the last day is the same day number one year later. Not moved.
    """
    day = as_date(permit_issued_on, "permit_issued_on")
    return add_period(day, years=in_force(rules, day).course_entitlement_years)


def duldung_review(duldung_issued_on: DateLike, rules: Rules = DEFAULT_RULES) -> date:
    """Return the day 18 months of Duldung are complete: ABH review task (§25(5) AufenthG).

    Counted from the Duldung decision as an event (§187(1) BGB); SGB II may follow from the
    next month (§1(1) Nr. 3c AsylbLG). Internal task date: not moved.
    """
    day = as_date(duldung_issued_on, "duldung_issued_on")
    return add_period(day, months=in_force(rules, day).duldung_review_months)


def ip_responsibility_end(start: DateLike, rules: Rules = DEFAULT_RULES) -> date:
    """Return the last day of the IP's special responsibility (local rule).

    12 months starting with the day the case entered the IP; the start day counts
    (§187(2) BGB), so 2027-06-01 -> 2028-05-31. Ends earlier if the course is completed.
    """
    day = as_date(start, "start")
    return add_period_from_day_start(day, months=in_force(rules, day).ip_responsibility_months)


def objection_deadline(notified_on: DateLike, land: str, rules: Rules = DEFAULT_RULES) -> date:
    """Return the last day for an objection (Widerspruch, §84(1) SGG): 1 month, §193 BGB."""
    day = as_date(notified_on, "notified_on")
    return deadline(day, land=land, months=in_force(rules, day).objection_months)


def sgb2_renewal_reminder(approval_end: DateLike, rules: Rules = DEFAULT_RULES) -> date:
    """Return the internal reminder to renew SGB II (§41(3) SGB II): 6 weeks before the end.

    Not moved: internal reminder.
    """
    end = as_date(approval_end, "approval_end")
    return end - timedelta(weeks=in_force(rules, end).sgb2_renewal_weeks_before)


#: Functions diagrams may call from sandboxed expressions.
HELPERS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        as_date, date_from_iso, is_working_day, next_working_day_on_or_after, add_period,
        add_period_from_day_start, deadline, deemed_served_on, lawsuit_deadline,
        earliest_lawsuit_deadline, end_of_month, first_of_next_month, last_working_day_of_month,
        add_working_days, working_days_between, asylblg_end, sgb2_start,
        sgb2_application_deadline, sgb2_application_last_day, sgb2_application_timely,
        decision_final_on, permit_renewal_reminder, wohnsitzauflage_end,
        course_entitlement_expiry, duldung_review, ip_responsibility_end, objection_deadline,
        sgb2_renewal_reminder, legal_basis,
    )
}  # fmt: skip
