"""Issue 13 item 4: the last day to sue moves by the holidays at the seat of the competent
Verwaltungsgericht (§57(2) VwGO, §222(2) ZPO), not only by the Land's.

Seat holidays beyond the Land's, as used here (Bavaria, Art. 1 BayFTG):
  Assumption 15 Aug  Munich, Augsburg, Regensburg, Würzburg (mainly Catholic); not Ansbach,
                     Bayreuth (mainly Protestant), so not in the Land calendar
  Friedensfest 8 Aug Augsburg only
  15.08. / 08.08.: 2026 Sat / Sat, 2027 Sun / Sun, 2028 Tue / Tue, 2029 Wed / Wed
Land holidays still apply at every seat (BY: Epiphany 6 Jan, All Saints 1 Nov, Corpus Christi;
Saarland has Assumption as a Land holiday; Berlin Frauentag 8 Mar; NW Corpus Christi
2028-06-15). Expected dates are written by hand, never computed with the functions under test.
"""

from __future__ import annotations

from datetime import date

import pytest

from engine.errors import InvalidInput
from engine.law.calendar import _holidays
from engine.law.courts import (
    COURTS,
    DEFAULT_COURTS,
    check_court,
    court_name,
    court_or_default,
    default_court,
    is_working_day_at_seat,
    next_working_day_at_seat,
    seat_holidays,
)
from engine.law.deadlines import earliest_lawsuit_deadline, lawsuit_deadline
from engine.law.lands import LANDS

D = date.fromisoformat

# served, court, short (1 week), last day to sue; 2 weeks = same weekday 14 days later
# (§§187(1), 188(2) BGB), moved off a weekend or a holiday at the court's seat
LAWSUIT = [
    # 2-week deadline ends Tue 15.08.2028, Assumption
    ("2028-08-01", "VG_MUENCHEN", False, "2028-08-16"),    # Munich: holiday -> Wed 16.08.
    ("2028-08-01", "VG_AUGSBURG", False, "2028-08-16"),    # Augsburg: holiday -> Wed
    ("2028-08-01", "VG_REGENSBURG", False, "2028-08-16"),  # Catholic seat -> Wed
    ("2028-08-01", "VG_WUERZBURG", False, "2028-08-16"),   # Catholic seat -> Wed
    ("2028-08-01", "VG_ANSBACH", False, "2028-08-15"),     # Protestant seat: a working day
    ("2028-08-01", "VG_BAYREUTH", False, "2028-08-15"),    # Protestant seat: a working day
    ("2028-08-01", "VG_SAARLOUIS", False, "2028-08-16"),   # Saarland: a Land holiday anyway
    ("2028-08-01", "VG_KOELN", False, "2028-08-15"),       # NW: a working day
    # 2-week deadline ends Tue 08.08.2028, Friedensfest
    ("2028-07-25", "VG_AUGSBURG", False, "2028-08-09"),    # Augsburg only -> Wed 09.08.
    ("2028-07-25", "VG_MUENCHEN", False, "2028-08-08"),    # Munich: a working day
    ("2028-07-25", "VG_ANSBACH", False, "2028-08-08"),     # Ansbach: a working day
    # 1 week (§36, Dublin): served Tue 01.08. -> Tue 08.08.; served Tue 08.08. -> Tue 15.08.
    ("2028-08-01", "VG_AUGSBURG", True, "2028-08-09"),     # Friedensfest -> Wed 09.08.
    ("2028-08-01", "VG_MUENCHEN", True, "2028-08-08"),     # Munich: a working day
    ("2028-08-08", "VG_MUENCHEN", True, "2028-08-16"),     # Assumption -> Wed 16.08.
    ("2028-08-08", "VG_AUGSBURG", True, "2028-08-16"),     # Assumption -> Wed 16.08.
    ("2028-08-08", "VG_BAYREUTH", True, "2028-08-15"),     # working day in Bayreuth
    # 2029: 15.08. and 08.08. are Wednesdays
    ("2029-08-01", "VG_MUENCHEN", False, "2029-08-16"),    # Wed 15.08. -> Thu 16.08.
    ("2029-08-01", "VG_ANSBACH", False, "2029-08-15"),
    ("2029-07-25", "VG_AUGSBURG", False, "2029-08-09"),    # Wed 08.08. -> Thu 09.08.
    ("2029-08-08", "VG_AUGSBURG", True, "2029-08-16"),     # Wed 15.08. -> Thu 16.08.
    # 2026 / 2027: the local holidays fall on weekends, every seat moves to the Monday
    ("2026-08-01", "VG_MUENCHEN", False, "2026-08-17"),    # Sat 15.08.2026 -> Mon 17.08.
    ("2026-08-01", "VG_ANSBACH", False, "2026-08-17"),
    ("2027-07-25", "VG_AUGSBURG", False, "2027-08-09"),    # Sun 08.08.2027 -> Mon 09.08.
    ("2027-08-01", "VG_MUENCHEN", False, "2027-08-16"),    # Sun 15.08.2027 -> Mon 16.08.
    # the Land's holidays apply at every seat
    ("2027-12-23", "VG_AUGSBURG", False, "2028-01-07"),    # Thu 06.01.2028 Epiphany -> Fri
    ("2028-10-18", "VG_MUENCHEN", False, "2028-11-02"),    # Wed 01.11.2028 All Saints -> Thu
    ("2028-06-01", "VG_KOELN", False, "2028-06-16"),       # Thu 15.06.2028 Corpus Christi
    ("2028-02-23", "VG_BERLIN", False, "2028-03-09"),      # Wed 08.03.2028 Frauentag -> Thu
    ("2028-10-17", "VG_LEIPZIG", False, "2028-11-01"),     # Tue 31.10. Reformation Day (SN)
    ("2028-12-11", "VG_HAMBURG", True, "2028-12-18"),      # Mon 18.12.: a working day
]


@pytest.mark.parametrize(("served", "court", "short", "last_day"), LAWSUIT,
                         ids=[f"{r[1]}-{r[0]}-{'1w' if r[2] else '2w'}" for r in LAWSUIT])
def test_lawsuit_deadline_at_the_seat(served: str, court: str, short: bool,
                                      last_day: str) -> None:
    land = COURTS[court].land
    assert lawsuit_deadline(served, land, short=short, court=court) == D(last_day)


def test_without_a_court_the_land_calendar_decides() -> None:
    # Munich's Assumption is not a holiday of Bavaria as a whole
    assert lawsuit_deadline("2028-08-01", "BY") == D("2028-08-15")
    assert lawsuit_deadline("2028-08-01", "BY", court="VG_MUENCHEN") == D("2028-08-16")


def test_the_earliest_possible_end_counts_at_the_seat_too() -> None:
    # posted Mon 31.07.2028 (BY): 4th day Fri 04.08., no contest; last day Fri 18.08.
    assert earliest_lawsuit_deadline("2028-07-31", "BY", court="VG_MUENCHEN") is None
    # posted Thu 17.05.2029 (BY): 4th day Whit Monday 21.05. -> Tue 22.05. (BSG), last day
    # Tue 05.06.; strict Mon 21.05. + 2 weeks = Mon 04.06. (a working day in Munich too)
    assert earliest_lawsuit_deadline("2029-05-17", "BY", court="VG_MUENCHEN") == D("2029-06-04")
    # 1 week: strict Mon 28.05.; BSG Tue 29.05.
    assert earliest_lawsuit_deadline("2029-05-17", "BY", short=True,
                                     court="VG_AUGSBURG") == D("2029-05-28")


@pytest.mark.parametrize(("day", "court", "working"), [
    ("2028-08-15", "VG_MUENCHEN", False),
    ("2028-08-15", "VG_ANSBACH", True),
    ("2028-08-08", "VG_AUGSBURG", False),
    ("2028-08-08", "VG_REGENSBURG", True),
    ("2028-08-12", "VG_ANSBACH", False),   # Saturday
    ("2028-01-06", "VG_BAYREUTH", False),  # Epiphany (BY)
])
def test_working_days_at_the_seat(day: str, court: str, working: bool) -> None:
    assert is_working_day_at_seat(day, court) is working


def test_next_working_day_at_the_seat() -> None:
    assert next_working_day_at_seat("2028-08-08", "VG_AUGSBURG") == D("2028-08-09")
    assert next_working_day_at_seat("2028-08-12", "VG_MUENCHEN") == D("2028-08-14")
    assert next_working_day_at_seat(D("2028-08-15"), "VG_WUERZBURG") == D("2028-08-16")


def test_every_land_has_a_default_court_in_that_land() -> None:
    assert set(DEFAULT_COURTS) == LANDS
    for land, key in DEFAULT_COURTS.items():
        assert COURTS[key].land == land and COURTS[key].default
    assert len(COURTS) == 51  # all Verwaltungsgerichte
    assert {k for k, c in COURTS.items() if c.land == "BY"} == {
        "VG_ANSBACH", "VG_AUGSBURG", "VG_BAYREUTH", "VG_MUENCHEN", "VG_REGENSBURG",
        "VG_WUERZBURG"}
    assert default_court("BY") == "VG_ANSBACH" and default_court("NW") == "VG_DUESSELDORF"


@pytest.mark.parametrize("land", sorted(LANDS))
def test_a_default_court_never_moves_a_day_later_than_the_land(land: str) -> None:
    """The default court's seat has exactly the Land's holidays: a case that names no court
    (or was created before courts were recorded) keeps the dates it had."""
    for year in range(2026, 2030):
        assert seat_holidays(default_court(land), year) == _holidays(land, year)


def test_local_holidays_come_on_top_of_the_lands() -> None:
    for key in ("VG_MUENCHEN", "VG_AUGSBURG"):
        assert seat_holidays(key, 2028) > _holidays("BY", 2028)
    assert seat_holidays("VG_AUGSBURG", 2028) - _holidays("BY", 2028) == {
        D("2028-08-08"), D("2028-08-15")}
    assert seat_holidays("VG_MUENCHEN", 2028) - _holidays("BY", 2028) == {D("2028-08-15")}


def test_check_court_names_the_field() -> None:
    assert check_court("VG_AUGSBURG", "BY") == "VG_AUGSBURG"
    with pytest.raises(InvalidInput) as unknown:
        check_court("VG_ATLANTIS")
    assert [e["field"] for e in unknown.value.errors] == ["court"]
    with pytest.raises(InvalidInput) as elsewhere:
        check_court("VG_MUENCHEN", "NW")
    assert elsewhere.value.errors[0]["field"] == "court"
    assert "VG München is in BY" in elsewhere.value.errors[0]["message"]
    with pytest.raises(InvalidInput):
        lawsuit_deadline("2028-08-01", "NW", court="VG_MUENCHEN")
    with pytest.raises(InvalidInput):
        lawsuit_deadline("2028-08-01", "BY", court="vg_muenchen")


def test_court_or_default_and_names() -> None:
    assert court_or_default(None, "BY") == "VG_ANSBACH"
    assert court_or_default("VG_MUENCHEN", "BY") == "VG_MUENCHEN"
    assert court_name("VG_MUENCHEN") == "VG München"
    with pytest.raises(InvalidInput):
        default_court("XX")
