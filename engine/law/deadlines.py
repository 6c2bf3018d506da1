"""German deadline arithmetic (§§187-193 BGB) and the lifecycle dates built on it.

Pure functions: no I/O, no clock. Every date argument is a :class:`datetime.date` or an ISO
``YYYY-MM-DD`` string (task data is JSON); anything else raises
:class:`engine.errors.InvalidInput`. ``land`` is a Land code as used by the ``holidays``
package (``NW``, ``BE``, ``BY`` ...): it decides which public holidays move a deadline.

Vocabulary: a *period* (Frist) ends on a computed day; a *deadline* is a period whose end
moves to the next working day when it falls on a Saturday, Sunday or public holiday
(§193 BGB, §26(3) SGB X). Benefit periods and internal reminders never move (§26(4) SGB X).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import holidays
from dateutil.relativedelta import relativedelta

from engine.errors import InvalidInput
from engine.law.rules import DEFAULT_RULES, LANDS, LegalRules

DateLike = date | str

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ONE_DAY = timedelta(days=1)

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
        return cls(key, as_date(value, "date"), DEADLINE_LEGAL_BASIS[key], _land(land))


# --- input coercion ---------------------------------------------------------------------------


def as_date(value: Any, field: str = "date") -> date:
    """Return ``value`` as a date: a ``date`` itself or an ISO ``YYYY-MM-DD`` string.

    A ``datetime`` is rejected (it would silently carry a time of day into day arithmetic).
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(
        f"{field} must be a date (YYYY-MM-DD)",
        [{"field": field, "message": f"not a date: {value!r}"}],
    )


def date_from_iso(s: str) -> date:
    """Parse an ISO ``YYYY-MM-DD`` string into a date (for diagram expressions)."""
    if not isinstance(s, str):
        raise InvalidInput("expected an ISO date string", [{"field": "s", "message": repr(s)}])
    return as_date(s, "s")


def _land(land: Any) -> str:
    if not isinstance(land, str) or land not in LANDS:
        message = f"{land!r} is not one of {sorted(LANDS)}"
        raise InvalidInput("unknown Land", [{"field": "land", "message": message}])
    return land


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(
            f"{field} must be a non-negative integer", [{"field": field, "message": repr(value)}]
        )
    return value


@lru_cache(maxsize=4096)
def _holidays(land: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DE", subdiv=land, years=year).keys())


# --- working days -----------------------------------------------------------------------------


def is_working_day(d: DateLike, land: str) -> bool:
    """Mon-Fri and not a statutory public holiday of ``land`` (§193 BGB, §26(3) SGB X).

    24 and 31 December are working days: they are not statutory holidays.
    """
    day, land = as_date(d, "d"), _land(land)
    return day.weekday() < 5 and day not in _holidays(land, day.year)


def next_working_day_on_or_after(d: DateLike, land: str) -> date:
    """Return ``d`` if it is a working day, else the next working day (§193 BGB).

    Only the end of a period moves; apply this to the computed end, never to the start.
    """
    day, land = as_date(d, "d"), _land(land)
    while not is_working_day(day, land):
        day += _ONE_DAY
    return day


def add_working_days(d: DateLike, n: int, land: str) -> date:
    """Return the ``n``-th working day after ``d`` (``d`` itself is not counted).

    ``n == 0`` returns ``d`` if it is a working day, else the next working day. Used for
    internal time limits set in working days (e.g. handover acknowledgement).
    """
    day, land, n = as_date(d, "d"), _land(land), _count(n, "n")
    if n == 0:
        return next_working_day_on_or_after(day, land)
    while n:
        day += _ONE_DAY
        if is_working_day(day, land):
            n -= 1
    return day


def working_days_between(a: DateLike, b: DateLike, land: str) -> int:
    """Count the working days after ``a`` up to and including ``b`` ("overdue by N days").

    Antisymmetric: if ``b`` is before ``a`` the result is the negated count from ``b`` to ``a``;
    ``a == b`` gives 0.
    """
    start, end, land = as_date(a, "a"), as_date(b, "b"), _land(land)
    if end < start:
        return -working_days_between(end, start, land)
    count, day = 0, start
    while day < end:
        day += _ONE_DAY
        count += is_working_day(day, land)
    return count


# --- months -----------------------------------------------------------------------------------


def end_of_month(d: DateLike) -> date:
    """Return the last day of the month of ``d`` (benefit months; never moved, §26(4) SGB X)."""
    day = as_date(d, "d")
    return day + relativedelta(day=31)


def first_of_next_month(d: DateLike) -> date:
    """Return the first day of the month after the month of ``d``."""
    return end_of_month(d) + _ONE_DAY


def last_working_day_of_month(d: DateLike, land: str) -> date:
    """Return the last working day of the month of ``d`` in ``land``.

    For internal deadlines that must be met *within* a month: the date moves backwards,
    unlike a §193 BGB deadline.
    """
    day, land = end_of_month(d), _land(land)
    while not is_working_day(day, land):
        day -= _ONE_DAY
    return day


# --- §§187-193 BGB ----------------------------------------------------------------------------


def add_period(
    start: DateLike, *, days: int = 0, weeks: int = 0, months: int = 0, years: int = 0
) -> date:
    """Return the last day of a period started by an event on ``start`` (no §193 shift).

    §187(1) BGB: the event day is not counted. §188(2) 1st alt.: a week period ends on the
    same weekday, a month/year period on the same day number; §188(3): if that day number does
    not exist, on the last day of that month (31 Jan + 1 month = 28/29 Feb). Days: start + n.
    Years and months are added first, then weeks and days.
    """
    day = as_date(start, "start")
    delta = relativedelta(
        years=_count(years, "years"), months=_count(months, "months"),
        weeks=_count(weeks, "weeks"), days=_count(days, "days"),
    )  # fmt: skip
    try:
        return day + delta
    except (OverflowError, ValueError) as exc:
        error = {"field": "start", "message": str(exc)}
        raise InvalidInput("period out of range", [error]) from exc


def add_period_from_day_start(
    start: DateLike, *, months: int = 0, years: int = 0, days: int = 0, weeks: int = 0
) -> date:
    """Return the last day of a period that begins at the start of ``start`` (§187(2) BGB).

    The start day counts, so the period ends on the day *before* the day with the same
    number / weekday (§188(2) 2nd alt.): 2027-06-01 + 12 months -> 2028-05-31; n days end on
    start + n - 1. If the same day number does not exist in the end month, §188(3) ends the
    period on the last day of that month and nothing is subtracted (the "day before" a
    missing 29/30/31 is itself missing): 2028-02-29 + 12 months -> 2029-02-28,
    2027-01-30 + 1 month -> 2027-02-28, 2027-03-31 + 1 month -> 2027-04-30.
    """
    day = as_date(start, "start")
    years, months = _count(years, "years"), _count(months, "months")
    weeks, days = _count(weeks, "weeks"), _count(days, "days")
    if not (years or months or weeks or days):
        raise InvalidInput("empty period", [{"field": "period", "message": "length is zero"}])
    same_number = add_period(day, years=years, months=months)
    clamped = same_number.day != day.day
    corresponding = add_period(same_number, weeks=weeks, days=days)
    return corresponding if clamped else corresponding - _ONE_DAY


def deadline(
    start: DateLike, *, land: str, days: int = 0, weeks: int = 0, months: int = 0, years: int = 0
) -> date:
    """Return the last day of a deadline started by an event on ``start``.

    :func:`add_period` (§§187(1), 188 BGB), then §193 BGB / §26(3) SGB X: an end on a Saturday,
    Sunday or public holiday of ``land`` moves to the next working day.
    """
    end = add_period(start, days=days, weeks=weeks, months=months, years=years)
    return next_working_day_on_or_after(end, land)


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
    return as_date(lawsuit_deadline, "lawsuit_deadline") + _ONE_DAY


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
