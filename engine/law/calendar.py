"""German calendar arithmetic: §§187-193 BGB periods and deadlines, working days and public
holidays per Land, month ends. Pure functions: no I/O, no clock.

Every date argument is a :class:`datetime.date` or an ISO ``YYYY-MM-DD`` string (task data is
JSON); anything else raises :class:`engine.errors.InvalidInput`. ``land`` is a Land code as
used by the ``holidays`` package (``NW``, ``BE``, ``BY`` ...): it decides which public
holidays move a deadline.

Vocabulary: a *period* (Frist) ends on a computed day; a *deadline* is a period whose end
moves to the next working day when it falls on a Saturday, Sunday or public holiday
(§193 BGB, §26(3) SGB X). Benefit periods and internal reminders never move (§26(4) SGB X).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import holidays
from dateutil.relativedelta import relativedelta

from engine.errors import InvalidInput
from engine.law.lands import LANDS

DateLike = date | str

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ONE_DAY = timedelta(days=1)


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


def check_land(land: Any) -> str:
    """The Land code, if it is one of the 16 (InvalidInput otherwise)."""
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
    day, land = as_date(d, "d"), check_land(land)
    return day.weekday() < 5 and day not in _holidays(land, day.year)


def next_working_day_on_or_after(d: DateLike, land: str) -> date:
    """Return ``d`` if it is a working day, else the next working day (§193 BGB).

    Only the end of a period moves; apply this to the computed end, never to the start.
    """
    day, land = as_date(d, "d"), check_land(land)
    while not is_working_day(day, land):
        day += _ONE_DAY
    return day


def add_working_days(d: DateLike, n: int, land: str) -> date:
    """Return the ``n``-th working day after ``d`` (``d`` itself is not counted).

    ``n == 0`` returns ``d`` if it is a working day, else the next working day. Used for
    internal time limits set in working days (e.g. handover acknowledgement).
    """
    day, land, n = as_date(d, "d"), check_land(land), _count(n, "n")
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
    start, end, land = as_date(a, "a"), as_date(b, "b"), check_land(land)
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
    day, land = end_of_month(d), check_land(land)
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
