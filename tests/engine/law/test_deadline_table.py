"""Issue 13: a table of legal dates 2026-2029 in NW, BY, BE, SN, TH and HH, worked out by hand.

Every row carries its reasoning (§§187-193 BGB; LIFECYCLE.md section 3; docs/legal-rules.md).
Holidays used (statutory, per Land; 24 and 31 December are working days):
  all Länder  New Year, Good Friday, Easter Monday, 1 May, Ascension, Whit Monday, 3 Oct, 25/26 Dec
  Easter      2026-04-05, 2027-03-28, 2028-04-16, 2029-04-01 (Good Friday / Easter Monday around)
  Ascension   2026-05-14, 2027-05-06, 2028-05-25, 2029-05-10; Whit Monday 05-25, 05-17, 06-05, 05-21
  NW, BY      + Corpus Christi (2026-06-04, 2027-05-27, 2028-06-15, 2029-05-31), All Saints 1 Nov
  BY          + Epiphany 6 Jan (Assumption only locally: issue 13 item 4, not here)
  BE          + International Women's Day 8 Mar
  SN          + Reformation Day 31 Oct, Buß- und Bettag (2026-11-18, 2027-11-17, 2028-11-22,
              2029-11-21)
  HH          + Reformation Day 31 Oct;  TH + Reformation Day, World Children's Day 20 Sep
Expected dates are written by hand, never computed with the functions under test.
"""

from __future__ import annotations

from datetime import date

import pytest

from engine.law.deadlines import (
    asylblg_end,
    decision_final_on,
    deemed_served_on,
    earliest_lawsuit_deadline,
    ip_responsibility_end,
    lawsuit_deadline,
    sgb2_application_deadline,
    sgb2_application_last_day,
    sgb2_application_timely,
    sgb2_start,
)
from engine.law.rules import DEFAULT_RULES

STRICT = DEFAULT_RULES.with_overrides(posting_fiction_weekend="strict")
D = date.fromisoformat

# --- 1. posting fiction: posted, Land, deemed service BSG (moved), deemed service strict ------
# §41(2) VwVfG, §4(2) VwZG, §37(2) SGB X: 4th day after posting (3rd before 2025).
POSTING = [
    ("2026-02-02", "NW", "2026-02-06", "2026-02-06"),  # Mon + 4 = Fri: working day
    ("2026-03-03", "NW", "2026-03-09", "2026-03-07"),  # Tue + 4 = Sat -> Mon 09.03.
    ("2026-03-03", "BE", "2026-03-09", "2026-03-07"),  # Sat; Sun 08.03. Frauentag anyway -> Mon
    ("2027-03-03", "BE", "2027-03-09", "2027-03-07"),  # Sun 07.03., Mon 08.03. Frauentag -> Tue
    ("2027-03-03", "NW", "2027-03-08", "2027-03-07"),  # Sun 07.03. -> Mon 08.03. (no holiday)
    ("2026-01-02", "BY", "2026-01-07", "2026-01-06"),  # Tue 06.01. Epiphany (BY) -> Wed 07.01.
    ("2026-01-02", "NW", "2026-01-06", "2026-01-06"),  # Tue 06.01. is a working day in NW
    ("2026-03-30", "NW", "2026-04-07", "2026-04-03"),  # Good Fri 03.04., weekend, Easter Mon
    ("2026-04-02", "SN", "2026-04-07", "2026-04-06"),  # Easter Monday 06.04. -> Tue 07.04.
    ("2026-05-21", "BE", "2026-05-26", "2026-05-25"),  # Whit Monday 25.05. -> Tue 26.05.
    ("2026-11-14", "SN", "2026-11-19", "2026-11-18"),  # Wed 18.11. Buß- und Bettag (SN) -> Thu
    ("2026-11-14", "NW", "2026-11-18", "2026-11-18"),  # Wed 18.11. is a working day in NW
    ("2026-12-29", "NW", "2027-01-04", "2027-01-02"),  # Sat 02.01.2027 -> Mon 04.01.
    ("2027-03-22", "NW", "2027-03-30", "2027-03-26"),  # Good Fri 26.03. ... Easter Mon -> Tue
    ("2027-05-12", "NW", "2027-05-18", "2027-05-16"),  # Sun 16.05., Whit Mon 17.05. -> Tue
    ("2027-09-16", "TH", "2027-09-21", "2027-09-20"),  # Mon 20.09. Weltkindertag (TH) -> Tue
    ("2027-09-16", "NW", "2027-09-20", "2027-09-20"),  # Mon 20.09. working day in NW
    ("2027-10-27", "NW", "2027-11-02", "2027-10-31"),  # Sun 31.10., Mon 01.11. All Saints
    ("2027-10-27", "BY", "2027-11-02", "2027-10-31"),  # the same in BY
    ("2027-10-27", "SN", "2027-11-01", "2027-10-31"),  # Sun 31.10. -> Mon 01.11. (no holiday)
    ("2027-10-27", "BE", "2027-11-01", "2027-10-31"),  # Sun 31.10. -> Mon 01.11.
    ("2027-12-22", "NW", "2027-12-27", "2027-12-26"),  # Sun 26.12. -> Mon 27.12.
    ("2027-12-28", "HH", "2028-01-03", "2028-01-01"),  # Sat 01.01.2028 (New Year) -> Mon 03.01.
    ("2027-12-30", "NW", "2028-01-03", "2028-01-03"),  # Mon 03.01.2028: working day
    ("2028-04-27", "NW", "2028-05-02", "2028-05-01"),  # Mon 01.05. May Day -> Tue 02.05.
    ("2028-06-01", "BY", "2028-06-06", "2028-06-05"),  # Whit Monday 05.06. -> Tue 06.06.
    ("2028-09-29", "NW", "2028-10-04", "2028-10-03"),  # Tue 03.10. -> Wed 04.10.
    ("2028-10-27", "SN", "2028-11-01", "2028-10-31"),  # Tue 31.10. Reformation (SN) -> Wed
    ("2028-10-27", "NW", "2028-10-31", "2028-10-31"),  # Tue 31.10. working day in NW
    ("2028-12-21", "NW", "2028-12-27", "2028-12-25"),  # Mon 25.12., Tue 26.12. -> Wed 27.12.
    ("2028-12-28", "BE", "2029-01-02", "2029-01-01"),  # Mon 01.01.2029 -> Tue 02.01.
    ("2029-03-26", "NW", "2029-04-03", "2029-03-30"),  # Good Fri 30.03., Easter Mon 02.04.
    ("2029-04-27", "SN", "2029-05-02", "2029-05-01"),  # Tue 01.05. -> Wed 02.05.
    ("2029-09-04", "HH", "2029-09-10", "2029-09-08"),  # Sat 08.09. -> Mon 10.09.
    ("2024-12-27", "NW", "2024-12-30", "2024-12-30"),  # posted 2024: 3rd day, Mon 30.12.
    ("2024-12-28", "NW", "2024-12-31", "2024-12-31"),  # posted 2024: 3rd day, Tue 31.12.
]


@pytest.mark.parametrize(("posted", "land", "bsg", "strict"), POSTING)
def test_posting_fiction(posted: str, land: str, bsg: str, strict: str) -> None:
    assert deemed_served_on(posted, land) == D(bsg)
    assert deemed_served_on(posted, land, STRICT) == D(strict)


# --- 2. last day to sue: served, Land, short (1 week), last day -------------------------------
# §74(1) AsylG: 2 weeks (1 week in §36 / Dublin cases) after service, §§187(1), 188(2) BGB;
# an end on a weekend or holiday moves to the next working day (§57(2) VwGO, §222(2) ZPO).
LAWSUIT = [
    ("2026-03-20", "NW", False, "2026-04-07"),  # Fri 03.04. Good Fri, weekend, Easter Mon
    ("2026-03-23", "BE", False, "2026-04-07"),  # Mon 06.04. Easter Monday -> Tue
    ("2026-04-30", "NW", False, "2026-05-15"),  # Thu 14.05. Ascension -> Fri
    ("2026-05-11", "SN", False, "2026-05-26"),  # Mon 25.05. Whit Monday -> Tue
    ("2026-05-21", "NW", False, "2026-06-05"),  # Thu 04.06. Corpus Christi (NW) -> Fri
    ("2026-05-21", "BY", False, "2026-06-05"),  # Corpus Christi (BY) -> Fri
    ("2026-05-21", "BE", False, "2026-06-04"),  # no Corpus Christi in BE
    ("2026-05-21", "SN", False, "2026-06-04"),  # no Corpus Christi in SN (Land calendar)
    ("2026-06-16", "NW", False, "2026-06-30"),  # Tue + 2 weeks = Tue: no holiday
    ("2026-09-19", "NW", False, "2026-10-05"),  # Sat 03.10. (holiday on a Saturday) -> Mon
    ("2026-10-17", "SN", False, "2026-11-02"),  # Sat 31.10. Reformation -> Mon 02.11.
    ("2026-10-19", "NW", False, "2026-11-02"),  # Mon 02.11. (All Saints was Sunday)
    ("2026-11-04", "SN", False, "2026-11-19"),  # Wed 18.11. Buß- und Bettag -> Thu
    ("2026-11-04", "NW", False, "2026-11-18"),  # working day in NW
    ("2026-12-11", "NW", False, "2026-12-28"),  # Fri 25.12., Sat 26.12., Sun -> Mon 28.12.
    ("2026-12-12", "BE", False, "2026-12-28"),  # Sat 26.12. -> Mon 28.12.
    ("2026-12-17", "NW", False, "2026-12-31"),  # Thu 31.12.: New Year's Eve is no holiday
    ("2026-12-18", "NW", False, "2027-01-04"),  # Fri 01.01.2027 -> Mon 04.01.
    ("2026-12-23", "BY", False, "2027-01-07"),  # Wed 06.01.2027 Epiphany (BY) -> Thu
    ("2026-12-23", "NW", False, "2027-01-06"),  # working day in NW
    ("2027-02-12", "NW", False, "2027-02-26"),  # Fri + 2 weeks = Fri
    ("2027-02-22", "BE", False, "2027-03-09"),  # Mon 08.03. Frauentag (BE) -> Tue
    ("2027-02-22", "NW", False, "2027-03-08"),  # working day in NW
    ("2027-03-12", "NW", False, "2027-03-30"),  # Fri 26.03. Good Fri ... Easter Mon -> Tue
    ("2027-03-15", "HH", False, "2027-03-30"),  # Mon 29.03. Easter Monday -> Tue
    ("2027-04-22", "NW", False, "2027-05-07"),  # Thu 06.05. Ascension -> Fri
    ("2027-05-03", "BY", False, "2027-05-18"),  # Mon 17.05. Whit Monday -> Tue
    ("2027-05-13", "NW", False, "2027-05-28"),  # Thu 27.05. Corpus Christi -> Fri
    ("2027-05-13", "BE", False, "2027-05-27"),  # no Corpus Christi in BE
    ("2027-06-16", "NW", False, "2027-06-30"),  # Wed + 2 weeks = Wed 30.06.
    ("2027-07-17", "NW", False, "2027-08-02"),  # served Sat: Sat 31.07. -> Mon 02.08.
    ("2027-09-06", "TH", False, "2027-09-21"),  # Mon 20.09. Weltkindertag (TH) -> Tue
    ("2027-09-06", "NW", False, "2027-09-20"),  # working day in NW
    ("2027-10-17", "SN", False, "2027-11-01"),  # Sun 31.10. -> Mon 01.11. (SN: no holiday)
    ("2027-10-18", "NW", False, "2027-11-02"),  # Mon 01.11. All Saints -> Tue
    ("2027-10-18", "BY", False, "2027-11-02"),  # All Saints in BY too
    ("2027-10-18", "BE", False, "2027-11-01"),  # no All Saints in BE
    ("2027-11-03", "SN", False, "2027-11-18"),  # Wed 17.11. Buß- und Bettag -> Thu
    ("2027-12-11", "NW", False, "2027-12-27"),  # Sat 25.12., Sun 26.12. -> Mon 27.12.
    ("2027-12-17", "NW", False, "2027-12-31"),  # Fri 31.12.: working day
    ("2028-02-15", "NW", False, "2028-02-29"),  # leap day, a Tuesday
    ("2028-03-31", "NW", False, "2028-04-18"),  # Fri 14.04. Good Fri ... Easter Mon -> Tue
    ("2028-04-03", "BE", False, "2028-04-18"),  # Mon 17.04. Easter Monday -> Tue
    ("2028-05-22", "SN", False, "2028-06-06"),  # Mon 05.06. Whit Monday -> Tue
    ("2028-06-01", "NW", False, "2028-06-16"),  # Thu 15.06. Corpus Christi -> Fri
    ("2028-06-01", "SN", False, "2028-06-15"),  # no Corpus Christi in SN
    ("2028-09-19", "NW", False, "2028-10-04"),  # Tue 03.10. -> Wed
    ("2028-10-17", "SN", False, "2028-11-01"),  # Tue 31.10. Reformation -> Wed 01.11.
    ("2028-10-17", "HH", False, "2028-11-01"),  # Reformation Day in HH too
    ("2028-10-17", "NW", False, "2028-10-31"),  # Tue 31.10. working day in NW
    ("2028-10-18", "NW", False, "2028-11-02"),  # Wed 01.11. All Saints -> Thu
    ("2028-10-18", "SN", False, "2028-11-01"),  # no All Saints in SN
    ("2028-11-08", "SN", False, "2028-11-23"),  # Wed 22.11. Buß- und Bettag -> Thu
    ("2028-12-11", "NW", False, "2028-12-27"),  # Mon 25.12., Tue 26.12. -> Wed 27.12.
    ("2028-12-18", "BY", False, "2029-01-02"),  # Mon 01.01.2029 -> Tue
    ("2029-03-16", "NW", False, "2029-04-03"),  # Fri 30.03. Good Fri ... Easter Mon 02.04.
    ("2029-03-19", "SN", False, "2029-04-03"),  # Mon 02.04. Easter Monday -> Tue
    ("2029-04-17", "NW", False, "2029-05-02"),  # Tue 01.05. -> Wed
    ("2029-04-26", "BE", False, "2029-05-11"),  # Thu 10.05. Ascension -> Fri
    ("2029-05-07", "BY", False, "2029-05-22"),  # Mon 21.05. Whit Monday -> Tue
    ("2029-05-17", "NW", False, "2029-06-01"),  # Thu 31.05. Corpus Christi -> Fri 01.06.
    ("2029-05-17", "BE", False, "2029-05-31"),  # no Corpus Christi in BE
    ("2029-09-06", "TH", False, "2029-09-21"),  # Thu 20.09. Weltkindertag (TH) -> Fri
    ("2029-09-19", "BE", False, "2029-10-04"),  # Wed 03.10. -> Thu
    ("2029-10-17", "SN", False, "2029-11-01"),  # Wed 31.10. Reformation -> Thu 01.11.
    ("2029-10-17", "BY", False, "2029-10-31"),  # no Reformation Day in BY
    ("2029-10-18", "NW", False, "2029-11-02"),  # Thu 01.11. All Saints -> Fri
    ("2029-11-07", "SN", False, "2029-11-22"),  # Wed 21.11. Buß- und Bettag -> Thu
    ("2029-12-11", "NW", False, "2029-12-27"),  # Tue 25.12., Wed 26.12. -> Thu 27.12.
    ("2029-12-17", "NW", False, "2029-12-31"),  # Mon 31.12.: working day
    # one week (§36(3), §74(1) Hs. 2 AsylG; Dublin §34a(2))
    ("2026-03-27", "NW", True, "2026-04-07"),  # Fri 03.04. Good Fri ... Easter Mon -> Tue
    ("2026-12-30", "BY", True, "2027-01-07"),  # Wed 06.01.2027 Epiphany (BY) -> Thu
    ("2026-12-30", "NW", True, "2027-01-06"),  # working day in NW
    ("2027-04-29", "SN", True, "2027-05-07"),  # Thu 06.05. Ascension -> Fri
    ("2027-05-20", "NW", True, "2027-05-28"),  # Thu 27.05. Corpus Christi -> Fri
    ("2027-05-20", "BE", True, "2027-05-27"),  # no Corpus Christi in BE
    ("2027-12-23", "NW", True, "2027-12-30"),  # Thu + 1 week = Thu 30.12.
    ("2027-12-24", "NW", True, "2027-12-31"),  # Fri 31.12.: working day
    ("2028-09-26", "NW", True, "2028-10-04"),  # Tue 03.10. -> Wed
    ("2028-12-18", "HH", True, "2028-12-27"),  # Mon 25.12., Tue 26.12. -> Wed
    ("2029-05-23", "NW", True, "2029-05-30"),  # Wed 30.05. (Corpus Christi is Thu 31.05.)
    ("2029-10-24", "SN", True, "2029-11-01"),  # Wed 31.10. Reformation -> Thu 01.11.
    ("2029-10-24", "NW", True, "2029-10-31"),  # working day in NW
]


@pytest.mark.parametrize(("served", "land", "short", "last_day"), LAWSUIT)
def test_lawsuit_deadline(served: str, land: str, short: bool, last_day: str) -> None:
    assert lawsuit_deadline(served, land, short=short) == D(last_day)
    # final (unanfechtbar) from the start of the day after the last day to sue
    assert (D(last_day) - decision_final_on(last_day)).days == -1


# --- 3. contested posting fiction: posted, Land, short, last day (BSG), earliest or None ------
# Strict reading: the deemed day is not moved; 2 weeks from it, the end moved by §193 BGB.
# A deemed day on a plain weekend gives the same Monday either way (no earlier date).
EARLIEST = [
    ("2027-05-12", "NW", False, "2027-06-01", "2027-05-31"),  # Tue 18.05. / Sun 16.05.+14
    ("2027-10-27", "NW", False, "2027-11-16", "2027-11-15"),  # Tue 02.11. / Sun 31.10.+14
    ("2027-10-27", "SN", False, "2027-11-15", None),  # Mon 01.11. / Sun 14.11. -> Mon 15.11.
    ("2026-03-30", "NW", False, "2026-04-21", "2026-04-17"),  # Tue 07.04. / Good Fri 03.04.
    ("2026-04-02", "NW", False, "2026-04-21", "2026-04-20"),  # Tue 07.04. / Easter Mon 06.04.
    ("2026-05-21", "BY", False, "2026-06-09", "2026-06-08"),  # Tue 26.05. / Whit Mon 25.05.
    ("2028-09-29", "NW", False, "2028-10-18", "2028-10-17"),  # Wed 04.10. / Tue 03.10.
    ("2028-09-29", "NW", True, "2028-10-11", "2028-10-10"),  # the same, one week
    ("2027-12-30", "NW", False, "2028-01-17", None),  # Mon 03.01.2028: no contest
    ("2027-12-28", "NW", False, "2028-01-17", None),  # Sat 01.01. -> Sat 15.01. -> Mon 17.01.
    ("2028-12-21", "NW", False, "2029-01-10", "2029-01-08"),  # Wed 27.12. / Mon 25.12.
    ("2028-12-28", "BE", False, "2029-01-16", "2029-01-15"),  # Tue 02.01. / Mon 01.01.
    ("2027-09-16", "TH", False, "2027-10-05", "2027-10-04"),  # Tue 21.09. / Mon 20.09.
    ("2027-09-16", "NW", False, "2027-10-04", None),  # Mon 20.09. is a working day in NW
    ("2026-11-14", "SN", False, "2026-12-03", "2026-12-02"),  # Thu 19.11. / Wed 18.11.
    ("2027-03-03", "BE", False, "2027-03-23", "2027-03-22"),  # Tue 09.03. / Sun 07.03.+14 Mon
    ("2027-03-03", "NW", False, "2027-03-22", None),  # Mon 08.03. either way
    ("2027-03-22", "HH", False, "2027-04-13", "2027-04-09"),  # Tue 30.03. / Good Fri 26.03.
    ("2026-01-02", "BY", False, "2026-01-21", "2026-01-20"),  # Wed 07.01. / Tue 06.01.
    ("2026-01-02", "NW", False, "2026-01-20", None),  # Tue 06.01. is a working day in NW
    ("2026-03-03", "NW", False, "2026-03-23", None),  # Sat 07.03.: Mon 23.03. either way
    ("2029-03-29", "SN", False, "2029-04-17", "2029-04-16"),  # Tue 03.04. / Easter Mon 02.04.
]


@pytest.mark.parametrize(("posted", "land", "short", "bsg", "earliest"), EARLIEST)
def test_earliest_possible_lawsuit_deadline(posted: str, land: str, short: bool, bsg: str,
                                            earliest: str | None) -> None:
    served = deemed_served_on(posted, land)
    assert lawsuit_deadline(served, land, short=short) == D(bsg)
    found = earliest_lawsuit_deadline(posted, land, short=short)
    assert found == (D(earliest) if earliest else None)
    # when the strict reading drives finality, it is the deadline itself: nothing earlier
    strict_served = deemed_served_on(posted, land, STRICT)
    assert lawsuit_deadline(strict_served, land, short=short) == D(earliest or bsg)
    assert earliest_lawsuit_deadline(posted, land, short=short, rules=STRICT) is None


# --- 4. refugee status / subsidiary protection: served, Land, last day, AsylbLG end, SGB II ---
# §1(3) Nr. 1 AsylbLG, §67(1) Nr. 6 AsylG: the Gestattung lapses at the end of the last day to
# sue; AsylbLG ends with the month containing that day, SGB II from the 1st of the next month.
REFUGEE = [
    ("2027-06-16", "NW", "2027-06-30", "2027-06-30", "2027-07-01"),  # issue 13 example
    ("2026-12-17", "NW", "2026-12-31", "2026-12-31", "2027-01-01"),  # issue 13 example
    ("2028-02-15", "NW", "2028-02-29", "2028-02-29", "2028-03-01"),  # issue 13: leap day
    ("2027-02-12", "BE", "2027-02-26", "2027-02-28", "2027-03-01"),  # mid-month: end of Feb
    ("2027-12-17", "NW", "2027-12-31", "2027-12-31", "2028-01-01"),  # Fri 31.12.: no shift
    ("2029-12-17", "SN", "2029-12-31", "2029-12-31", "2030-01-01"),  # Mon 31.12.
    ("2026-04-16", "NW", "2026-04-30", "2026-04-30", "2026-05-01"),  # Thu 30.04.
    ("2026-09-16", "BY", "2026-09-30", "2026-09-30", "2026-10-01"),  # Wed 30.09.
    ("2026-11-16", "SN", "2026-11-30", "2026-11-30", "2026-12-01"),  # Mon 30.11.
    ("2027-04-16", "BE", "2027-04-30", "2027-04-30", "2027-05-01"),  # Fri 30.04.
    ("2027-09-16", "NW", "2027-09-30", "2027-09-30", "2027-10-01"),  # Thu 30.09.
    ("2028-05-17", "NW", "2028-05-31", "2028-05-31", "2028-06-01"),  # Wed 31.05.
    ("2028-05-16", "NW", "2028-05-30", "2028-05-31", "2028-06-01"),  # 30.05.: end of May
    ("2028-06-16", "BY", "2028-06-30", "2028-06-30", "2028-07-01"),  # Fri 30.06.
    ("2028-07-17", "BE", "2028-07-31", "2028-07-31", "2028-08-01"),  # Mon 31.07.
    ("2028-08-17", "SN", "2028-08-31", "2028-08-31", "2028-09-01"),  # Thu 31.08.
    ("2029-01-17", "NW", "2029-01-31", "2029-01-31", "2029-02-01"),  # Wed 31.01.
    ("2029-02-14", "BY", "2029-02-28", "2029-02-28", "2029-03-01"),  # Wed 28.02.
    ("2029-04-16", "NW", "2029-04-30", "2029-04-30", "2029-05-01"),  # Mon 30.04.
    ("2027-06-04", "NW", "2027-06-18", "2027-06-30", "2027-07-01"),  # mid-June
    # the last day moves into the next month: that month counts
    ("2028-10-17", "SN", "2028-11-01", "2028-11-30", "2028-12-01"),  # Tue 31.10. Reformation
    ("2028-10-17", "HH", "2028-11-01", "2028-11-30", "2028-12-01"),  # Reformation in HH too
    ("2028-10-17", "NW", "2028-10-31", "2028-10-31", "2028-11-01"),  # NW: no move
    ("2029-10-17", "SN", "2029-11-01", "2029-11-30", "2029-12-01"),  # Wed 31.10. Reformation
    ("2029-10-17", "BY", "2029-10-31", "2029-10-31", "2029-11-01"),  # BY: no move
    ("2029-05-17", "NW", "2029-06-01", "2029-06-30", "2029-07-01"),  # Thu 31.05. Corpus Chr.
    ("2029-05-17", "BE", "2029-05-31", "2029-05-31", "2029-06-01"),  # BE: no move
    ("2027-07-17", "NW", "2027-08-02", "2027-08-31", "2027-09-01"),  # served Sat: Sat 31.07.
    ("2029-06-16", "SN", "2029-07-02", "2029-07-31", "2029-08-01"),  # served Sat: Sat 30.06.
    ("2029-03-16", "NW", "2029-04-03", "2029-04-30", "2029-05-01"),  # Good Fri 30.03. -> April
    ("2026-12-23", "BY", "2027-01-07", "2027-01-31", "2027-02-01"),  # Epiphany (BY)
    ("2027-02-22", "BE", "2027-03-09", "2027-03-31", "2027-04-01"),  # Frauentag (BE)
    ("2027-09-06", "TH", "2027-09-21", "2027-09-30", "2027-10-01"),  # Weltkindertag (TH)
    ("2029-04-17", "NW", "2029-05-02", "2029-05-31", "2029-06-01"),  # Tue 01.05. -> May
]


@pytest.mark.parametrize(("served", "land", "last_day", "end", "start"), REFUGEE)
def test_refugee_and_subsidiary_asylblg_end(served: str, land: str, last_day: str, end: str,
                                            start: str) -> None:
    assert lawsuit_deadline(served, land) == D(last_day)
    for outcome in ("refugee", "subsidiary"):
        assert asylblg_end(outcome, served, last_day) == D(end)
    assert sgb2_start(end) == D(start)


# --- 5. Art. 16a GG: served (given or deemed), AsylbLG end, SGB II start ----------------------
# §1(3) Nr. 2 AsylbLG: the recognition takes effect when served (§43(1) VwVfG): the month of
# service, before the decision is final and never the month of the decision's date.
ASYLUM = [
    ("2027-05-13", "2027-05-31", "2027-06-01"),  # dated 28.04., served 13.05.: May (issue 13)
    ("2026-01-02", "2026-01-31", "2026-02-01"),  # dated in December 2025: January counts
    ("2027-05-31", "2027-05-31", "2027-06-01"),  # served on the last day of a month
    ("2027-07-01", "2027-07-31", "2027-08-01"),  # dated 28.06., served 01.07.
    ("2027-11-02", "2027-11-30", "2027-12-01"),  # posted 27.10.2027 NW, deemed Tue 02.11.
    ("2028-01-03", "2028-01-31", "2028-02-01"),  # posted 28.12.2027, deemed Mon 03.01.2028
    ("2028-02-29", "2028-02-29", "2028-03-01"),  # leap day
    ("2029-04-03", "2029-04-30", "2029-05-01"),  # posted 26.03.2029 NW, deemed after Easter
    ("2026-08-31", "2026-08-31", "2026-09-01"),
    ("2026-09-01", "2026-09-30", "2026-10-01"),
    ("2028-11-30", "2028-11-30", "2028-12-01"),
    ("2028-12-01", "2028-12-31", "2029-01-01"),  # SGB II from New Year's Day
]


@pytest.mark.parametrize(("served", "end", "start"), ASYLUM)
def test_asylum_16a_month_of_service(served: str, end: str, start: str) -> None:
    assert asylblg_end("asylum", served) == D(end)
    assert sgb2_start(end) == D(start)


# --- 6. the other readings as settings (asylblg_end_rule, posting_fiction_weekend) -------------
# rule, outcome, posted or served ("p:" = posted, NW), expected AsylbLG end
RULE_VARIANTS = [
    # "month_final": the month of the day after the last day to sue (local practice)
    ("month_final", "refugee", "2027-06-16", "2027-07-31"),  # last 30.06., final 01.07.
    ("month_final", "subsidiary", "2026-12-17", "2027-01-31"),  # last 31.12., final 01.01.
    ("month_final", "refugee", "2028-02-15", "2028-03-31"),  # last 29.02., final 01.03.
    ("month_final", "refugee", "2027-06-10", "2027-06-30"),  # last 24.06.: same month
    # "month_served": the month of service (local practice)
    ("month_served", "refugee", "2027-06-16", "2027-06-30"),
    ("month_served", "refugee", "2027-10-20", "2027-10-31"),  # last day 03.11.: October
    ("month_served", "subsidiary", "2029-12-17", "2029-12-31"),
    # posting fiction read strictly: deemed Sun 16.05.2027, last day Mon 31.05. -> May
    ("strict", "refugee", "p:2027-05-12", "2027-05-31"),
    # Art. 16a, posted 27.10.2027: deemed Sun 31.10. (strict) -> October, not November
    ("strict", "asylum", "p:2027-10-27", "2027-10-31"),
]


@pytest.mark.parametrize(("rule", "outcome", "day", "end"), RULE_VARIANTS)
def test_rule_variants(rule: str, outcome: str, day: str, end: str) -> None:
    if rule == "strict":
        rules = STRICT
        served = deemed_served_on(day.removeprefix("p:"), "NW", rules)
    else:
        rules = DEFAULT_RULES.with_overrides(asylblg_end_rule=rule)
        served = D(day)
    last_day = lawsuit_deadline(served, "NW", rules=rules)
    assert asylblg_end(outcome, served, last_day, rules) == D(end)


# --- 7. dates derived from the SGB II start: start, Land, application reminder (last working
# day), legal end of the application, last day of the IP's 12 months.
# §37(2) S. 2 SGB II: the application reaches back to the 1st of its month, so it is in time
# up to the last calendar day of the first SGB II month; the reminder moves backwards. The
# IP's 12 months start with the SGB II day, which counts (§§187(2), 188(2) BGB); not moved.
APPLICATION = [
    ("2027-07-01", "NW", "2027-07-30", "2027-07-31", "2028-06-30"),  # Sat 31.07. -> Fri 30.07.
    ("2027-08-01", "NW", "2027-08-31", "2027-08-31", "2028-07-31"),  # Tue 31.08.
    ("2027-10-04", "NW", "2027-10-29", "2027-10-31", "2028-10-03"),  # Sun 31.10., Sat -> Fri 29.10.
    ("2027-11-01", "BY", "2027-11-30", "2027-11-30", "2028-10-31"),  # Tue 30.11.
    ("2027-12-01", "NW", "2027-12-31", "2027-12-31", "2028-11-30"),  # Fri 31.12.: no holiday
    ("2027-01-01", "BE", "2027-01-29", "2027-01-31", "2027-12-31"),  # Sun 31.01. -> Fri 29.01.
    ("2027-05-01", "NW", "2027-05-31", "2027-05-31", "2028-04-30"),  # Mon 31.05.
    ("2027-06-01", "NW", "2027-06-30", "2027-06-30", "2028-05-31"),  # Wed 30.06.
    ("2028-02-01", "SN", "2028-02-29", "2028-02-29", "2029-01-31"),  # Tue 29.02.
    ("2028-03-01", "NW", "2028-03-31", "2028-03-31", "2029-02-28"),  # Fri 31.03.
    ("2028-04-01", "BE", "2028-04-28", "2028-04-30", "2029-03-31"),  # Sun 30.04. -> Fri 28.04.
    ("2028-09-01", "NW", "2028-09-29", "2028-09-30", "2029-08-31"),  # Sat 30.09. -> Fri 29.09.
    ("2028-10-01", "SN", "2028-10-30", "2028-10-31", "2029-09-30"),  # Tue 31.10. Reformation -> Mon
    ("2028-10-01", "HH", "2028-10-30", "2028-10-31", "2029-09-30"),  # Reformation Day in HH too
    ("2028-10-01", "NW", "2028-10-31", "2028-10-31", "2029-09-30"),  # working day in NW
    ("2029-05-01", "NW", "2029-05-30", "2029-05-31", "2030-04-30"),  # Thu 31.05. Corpus C. -> Wed
    ("2029-05-01", "BE", "2029-05-31", "2029-05-31", "2030-04-30"),  # no Corpus Christi in BE
    ("2029-05-01", "SN", "2029-05-31", "2029-05-31", "2030-04-30"),  # none in SN
    ("2029-10-01", "SN", "2029-10-30", "2029-10-31", "2030-09-30"),  # Wed 31.10. Reformation -> Tue
    ("2029-10-01", "BY", "2029-10-31", "2029-10-31", "2030-09-30"),  # no Reformation Day in BY
    ("2029-03-01", "NW", "2029-03-29", "2029-03-31", "2030-02-28"),  # Sat 31.03., Good Fri -> Thu
    ("2026-03-01", "NW", "2026-03-31", "2026-03-31", "2027-02-28"),  # Tue 31.03.
    ("2026-05-01", "BY", "2026-05-29", "2026-05-31", "2027-04-30"),  # Sun 31.05. -> Fri 29.05.
    ("2026-12-01", "NW", "2026-12-31", "2026-12-31", "2027-11-30"),  # Thu 31.12.
    ("2029-12-01", "SN", "2029-12-31", "2029-12-31", "2030-11-30"),  # Mon 31.12.
    ("2027-03-01", "NW", "2027-03-31", "2027-03-31", "2028-02-29"),  # IP ends on a leap day
    ("2029-01-01", "BE", "2029-01-31", "2029-01-31", "2029-12-31"),  # after New Year's Day
]


@pytest.mark.parametrize(("start", "land", "reminder", "legal_end", "ip_end"), APPLICATION)
def test_dates_after_the_sgb2_start(start: str, land: str, reminder: str, legal_end: str,
                                    ip_end: str) -> None:
    assert sgb2_application_deadline(start, land) == D(reminder)
    assert sgb2_application_last_day(start) == D(legal_end)
    assert ip_responsibility_end(start) == D(ip_end)


# received, SGB II start, in time? (judged by the legal end, never by the reminder date)
IN_TIME = [
    ("2027-10-30", "2027-10-04", True),  # Sat 30.10.2027 after the reminder (Fri 29.10.)
    ("2027-10-31", "2027-10-04", True),  # Sun 31.10.: still the first SGB II month
    ("2027-11-01", "2027-10-04", False),  # November: reaches back to 01.11. only
    ("2027-10-29", "2027-10-04", True),  # on the reminder day
    ("2027-06-15", "2027-07-01", True),  # filed before the start: covers it
    ("2027-07-31", "2027-07-01", True),  # Sat 31.07.
    ("2027-08-01", "2027-07-01", False),
    ("2028-02-29", "2028-02-01", True),  # leap day
    ("2028-03-01", "2028-02-01", False),
    ("2029-05-31", "2029-05-01", True),  # Corpus Christi: a day the office is closed
    ("2028-09-30", "2028-09-01", True),  # Sat 30.09.
    ("2028-12-31", "2028-12-01", True),  # Sun 31.12.
]


@pytest.mark.parametrize(("received", "start", "in_time"), IN_TIME)
def test_sgb2_application_in_time(received: str, start: str, in_time: bool) -> None:
    assert sgb2_application_timely(received, start) is in_time


def test_the_table_holds_at_least_150_dates() -> None:
    rows = (POSTING, LAWSUIT, EARLIEST, REFUGEE, ASYLUM, RULE_VARIANTS, APPLICATION, IN_TIME)
    assert sum(len(table) for table in rows) >= 150
    lands = {row[1] for table in (POSTING, LAWSUIT, EARLIEST, REFUGEE, APPLICATION)
             for row in table}
    assert {"NW", "BY", "BE", "SN"} <= lands
