"""Calendar arithmetic of engine.law.calendar: §§187-193 BGB periods and deadlines, working
days and holidays per Land, month ends, date input; worked examples and properties."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import InvalidInput
from engine.law.calendar import (
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
from engine.law.lands import LANDS

D = date

# --- §188(2)/(3) BGB: event periods -----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (D(2027, 1, 31), D(2027, 2, 28)),  # §188(3): no 31 Feb -> last day of Feb
        (D(2028, 1, 31), D(2028, 2, 29)),  # leap year
        (D(2027, 1, 30), D(2027, 2, 28)),
        (D(2028, 1, 30), D(2028, 2, 29)),
        (D(2028, 1, 29), D(2028, 2, 29)),  # exists in a leap year: same day number
        (D(2027, 3, 31), D(2027, 4, 30)),
        (D(2027, 5, 15), D(2027, 6, 15)),  # same day number
        (D(2027, 12, 15), D(2028, 1, 15)),  # across the year
    ],
)
def test_add_one_month(start: date, expected: date) -> None:
    assert add_period(start, months=1) == expected


def test_week_period_ends_on_same_weekday() -> None:
    start = D(2027, 5, 5)  # Wednesday
    assert add_period(start, weeks=2) == D(2027, 5, 19)
    assert add_period(start, weeks=2).weekday() == start.weekday()


def test_days_and_years() -> None:
    assert add_period(D(2027, 6, 1), days=30) == D(2027, 7, 1)
    assert add_period(D(2028, 2, 29), years=1) == D(2029, 2, 28)
    assert add_period(D(2027, 6, 1)) == D(2027, 6, 1)


def test_negative_or_non_int_period_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="days must be a non-negative integer"):
        add_period(D(2027, 6, 1), days=-1)
    with pytest.raises(InvalidInput, match="months must be a non-negative integer"):
        add_period(D(2027, 6, 1), months=True)
    with pytest.raises(InvalidInput, match="period out of range"):
        add_period(D(9999, 6, 1), years=1)


# --- §187(2) BGB: periods from the start of a day ---------------------------------------------


@pytest.mark.parametrize(
    ("start", "kw", "expected"),
    [
        # §188(2) 2nd alt.: the day before the same day number
        (D(2027, 6, 1), {"months": 12}, D(2028, 5, 31)),
        (D(2027, 3, 1), {"months": 1}, D(2027, 3, 31)),
        (D(2027, 1, 28), {"months": 1}, D(2027, 2, 27)),
        (D(2027, 6, 1), {"years": 3}, D(2030, 5, 31)),
        # chosen reading: if the same day number is missing, §188(3) gives the last day of the
        # month and nothing is subtracted (the "day before" a missing day is missing as well)
        (D(2027, 3, 31), {"months": 1}, D(2027, 4, 30)),
        (D(2027, 1, 30), {"months": 1}, D(2027, 2, 28)),
        (D(2027, 1, 29), {"months": 1}, D(2027, 2, 28)),
        (D(2028, 1, 29), {"months": 1}, D(2028, 2, 28)),  # 29 Feb exists: the day before
        (D(2028, 2, 29), {"months": 12}, D(2029, 2, 28)),
        (D(2028, 2, 29), {"years": 4}, D(2032, 2, 28)),  # 29 Feb 2032 exists: the day before
        # days and weeks count the start day
        (D(2027, 6, 1), {"days": 1}, D(2027, 6, 1)),
        (D(2027, 6, 1), {"days": 10}, D(2027, 6, 10)),
        (D(2027, 6, 2), {"weeks": 1}, D(2027, 6, 8)),  # Wed -> Tue
    ],
)
def test_add_period_from_day_start(start: date, kw: dict[str, int], expected: date) -> None:
    assert add_period_from_day_start(start, **kw) == expected


def test_empty_period_from_day_start_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="empty period"):
        add_period_from_day_start(D(2027, 6, 1))


# --- §193 BGB: working days and moves ---------------------------------------------------------


def test_corpus_christi_moves_in_nw_not_in_be() -> None:
    start = D(2027, 5, 13)  # + 2 weeks = Thu 2027-05-27, Fronleichnam
    assert add_period(start, weeks=2) == D(2027, 5, 27)
    assert deadline(start, land="NW", weeks=2) == D(2027, 5, 28)
    assert deadline(start, land="BE", weeks=2) == D(2027, 5, 27)


def test_weekend_moves_to_monday() -> None:
    assert deadline(D(2027, 6, 5), land="NW", weeks=1) == D(2027, 6, 14)  # Sat -> Mon
    assert deadline(D(2027, 6, 6), land="NW", weeks=1) == D(2027, 6, 14)  # Sun -> Mon


def test_easter() -> None:
    # ends Good Friday 2027-03-26 -> Sat, Sun, Easter Monday -> Tuesday
    assert deadline(D(2027, 3, 12), land="NW", weeks=2) == D(2027, 3, 30)
    # ends Easter Monday 2027-03-29 -> Tuesday
    assert deadline(D(2027, 3, 15), land="BE", weeks=2) == D(2027, 3, 30)
    assert not is_working_day(D(2027, 3, 26), "BY")
    assert not is_working_day(D(2027, 3, 29), "SN")


def test_christmas_eve_and_new_years_eve_are_working_days() -> None:
    for land in sorted(LANDS):
        assert is_working_day(D(2027, 12, 24), land)  # Friday
        assert is_working_day(D(2027, 12, 31), land)  # Friday
    assert deadline(D(2027, 12, 10), land="NW", weeks=2) == D(2027, 12, 24)


def test_christmas_days_move() -> None:
    # 2028-12-25 Mon and 26 Tue are holidays -> Wednesday
    assert deadline(D(2028, 12, 11), land="NW", weeks=2) == D(2028, 12, 27)
    assert deadline(D(2028, 12, 12), land="BE", weeks=2) == D(2028, 12, 27)


def test_regional_holidays() -> None:
    assert not is_working_day(D(2027, 3, 8), "BE")  # Frauentag
    assert is_working_day(D(2027, 3, 8), "NW")
    assert not is_working_day(D(2027, 11, 17), "SN")  # Buß- und Bettag
    assert is_working_day(D(2027, 11, 17), "NW")


def test_next_working_day_on_or_after() -> None:
    assert next_working_day_on_or_after(D(2027, 6, 2), "NW") == D(2027, 6, 2)
    assert next_working_day_on_or_after(D(2027, 5, 27), "NW") == D(2027, 5, 28)


@pytest.mark.parametrize("land", ["XX", "nw", "Augsburg", "", None, 5])
def test_unknown_land_is_rejected(land: object) -> None:
    with pytest.raises(InvalidInput, match="unknown Land") as exc:
        is_working_day(D(2027, 6, 1), land)  # type: ignore[arg-type]
    assert exc.value.errors[0]["field"] == "land"
    with pytest.raises(InvalidInput, match="unknown Land"):
        deadline(D(2027, 6, 1), land=land, weeks=2)  # type: ignore[arg-type]


def test_working_day_counting() -> None:
    # after Wed 2027-05-26: Thu 27 (NW holiday), Fri 28, Sat, Sun, Mon 31
    assert working_days_between(D(2027, 5, 26), D(2027, 5, 31), "NW") == 2
    assert working_days_between(D(2027, 5, 26), D(2027, 5, 31), "BE") == 3
    assert working_days_between(D(2027, 5, 31), D(2027, 5, 26), "NW") == -2
    assert working_days_between(D(2027, 5, 26), D(2027, 5, 26), "NW") == 0
    assert add_working_days(D(2027, 5, 26), 2, "NW") == D(2027, 5, 31)
    assert add_working_days(D(2027, 5, 26), 2, "BE") == D(2027, 5, 28)
    assert add_working_days(D(2027, 6, 5), 0, "NW") == D(2027, 6, 7)  # Sat -> Mon
    assert add_working_days(D(2027, 6, 7), 0, "NW") == D(2027, 6, 7)
    with pytest.raises(InvalidInput, match="n must be a non-negative integer"):
        add_working_days(D(2027, 6, 7), -1, "NW")


def test_month_helpers() -> None:
    assert end_of_month(D(2028, 2, 10)) == D(2028, 2, 29)
    assert end_of_month(D(2027, 12, 31)) == D(2027, 12, 31)
    assert first_of_next_month(D(2027, 12, 31)) == D(2028, 1, 1)
    assert first_of_next_month(D(2027, 1, 1)) == D(2027, 2, 1)
    assert last_working_day_of_month(D(2027, 7, 5), "NW") == D(2027, 7, 30)  # 31 is Sat
    assert last_working_day_of_month(D(2027, 6, 5), "NW") == D(2027, 6, 30)


# --- input coercion ------------------------------------------------------------------------


def test_iso_strings_are_accepted() -> None:
    assert deadline("2027-05-13", land="NW", weeks=2) == D(2027, 5, 28)
    assert is_working_day("2027-05-27", "BE")
    assert date_from_iso("2028-02-29") == D(2028, 2, 29)
    assert as_date(D(2027, 1, 1)) == D(2027, 1, 1)


@pytest.mark.parametrize(
    "value", ["2027-02-30", "27-05-13", "20270513", "2027-W01-1", "", None, 20270513,
              datetime(2027, 5, 13, 12, 0), [2027, 5, 13]],
)  # fmt: skip
def test_bad_dates_are_rejected(value: object) -> None:
    with pytest.raises(InvalidInput, match=r"^date must be a date"):
        as_date(value)
    with pytest.raises(InvalidInput, match=r"^d must be a date"):
        end_of_month(value)  # type: ignore[arg-type]


def test_date_from_iso_rejects_dates() -> None:
    with pytest.raises(InvalidInput, match="expected an ISO date string"):
        date_from_iso(D(2027, 1, 1))  # type: ignore[arg-type]




# --- check_land -------------------------------------------------------------------------------


def test_check_land_returns_each_of_the_sixteen_codes() -> None:
    assert len(LANDS) == 16
    assert {check_land(land) for land in LANDS} == LANDS
    assert check_land("NW") == "NW"


@pytest.mark.parametrize("land", ["XX", "nw", " NW", "NRW", "", None, 5, ["NW"]])
def test_check_land_rejects_anything_else_naming_the_field(land: object) -> None:
    with pytest.raises(InvalidInput, match="unknown Land") as exc:
        check_land(land)
    (error,) = exc.value.errors
    assert error["field"] == "land"
    assert error["message"].startswith(f"{land!r} is not one of ['BB', 'BE', ")


# --- properties -------------------------------------------------------------------------------

dates = st.dates(min_value=D(1995, 1, 1), max_value=D(2095, 12, 31))
lands = st.sampled_from(sorted(LANDS))
small = st.integers(min_value=0, max_value=30)


@given(dates, lands, small, st.integers(0, 8), st.integers(0, 24))
def test_deadline_is_working_day_shortly_after_period_end(
    start: date, land: str, days: int, weeks: int, months: int
) -> None:
    end = add_period(start, days=days, weeks=weeks, months=months)
    result = deadline(start, land=land, days=days, weeks=weeks, months=months)
    assert is_working_day(result, land)
    assert end <= result <= end + timedelta(days=5)
    if is_working_day(end, land):
        assert result == end


@given(dates)
def test_one_month_lands_in_next_calendar_month(start: date) -> None:
    end = add_period(start, months=1)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1
    assert end.day == min(start.day, end_of_month(end).day)


@given(dates, st.integers(1, 120))
def test_day_start_period_is_event_period_minus_one_day_unless_clamped(
    start: date, months: int
) -> None:
    event_end = add_period(start, months=months)
    result = add_period_from_day_start(start, months=months)
    if event_end.day == start.day:
        assert result == event_end - timedelta(days=1)
    else:  # §188(3): the day number does not exist in the end month
        assert result == event_end == end_of_month(event_end)


@given(dates, st.integers(1, 10))
def test_week_period_keeps_weekday(start: date, weeks: int) -> None:
    assert add_period(start, weeks=weeks).weekday() == start.weekday()
    assert add_period_from_day_start(start, weeks=weeks).weekday() == (start.weekday() - 1) % 7


@settings(max_examples=60)
@given(dates, lands, st.integers(1, 40))
def test_add_working_days_roundtrip(start: date, land: str, n: int) -> None:
    result = add_working_days(start, n, land)
    assert is_working_day(result, land)
    assert working_days_between(start, result, land) == n
    assert working_days_between(start, result - timedelta(days=1), land) == n - 1


@given(dates, lands)
def test_weekends_are_never_working_days(d: date, land: str) -> None:
    if d.weekday() >= 5:
        assert not is_working_day(d, land)
    saturday = d + timedelta(days=(5 - d.weekday()) % 7)
    assert not is_working_day(saturday, land)
    assert not is_working_day(saturday + timedelta(days=1), land)


@given(dates, lands)
def test_iso_string_and_date_agree(d: date, land: str) -> None:
    assert as_date(d.isoformat()) == d
    assert deadline(d.isoformat(), land=land, weeks=2) == deadline(d, land=land, weeks=2)


@given(dates, lands)
def test_last_working_day_of_month_is_last(d: date, land: str) -> None:
    last = last_working_day_of_month(d, land)
    assert is_working_day(last, land)
    assert (last.year, last.month) == (d.year, d.month)
    assert working_days_between(last, end_of_month(d), land) == 0
