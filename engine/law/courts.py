"""The Verwaltungsgerichte (administrative courts of first instance) and the public holidays
at their seats. Pure: a table and functions over it, no I/O, no clock.

The last day to sue moves off a Saturday, Sunday or public holiday by the holidays **at the
seat of the court** where the lawsuit must be filed (§57(2) VwGO, §222(2) ZPO), not by those
of the Land alone: in Bavaria, Assumption (Mariä Himmelfahrt, 15 August) is a holiday only in
the municipalities with a mainly Catholic population (Art. 1(1) Nr. 2 BayFTG; list of the
Bayerisches Landesamt für Statistik, Art. 1(3) BayFTG), e.g. Munich, Augsburg, Regensburg and
Würzburg, but not Ansbach or Bayreuth; Augsburg also has its Peace Festival (Augsburger Hohes
Friedensfest, 8 August, Art. 1(2) BayFTG).

The ``holidays`` package (``DE``) models both: the subdivision ``BY`` with the category
``catholic`` adds Assumption, the city subdivision ``Augsburg`` has the Land's holidays plus
Assumption and the Peace Festival. Corpus Christi in Saxony and Thuringia (category
``catholic`` there) is a holiday only in some municipalities (Sorbian area, Eichsfeld), none
of them a court's seat. A seat holiday the package cannot express goes into ``extra_days``
(month, day) with its source; none is needed today.

All 51 Verwaltungsgerichte are listed. Every Land has a **default court**, used when a case
names none (and for cases created before courts were recorded): one whose seat has exactly
the Land's holidays, so the default never moves a last day to sue later than the Land
calendar did (a counsellor is never told a date that is too late). Choose the competent
court (§52 Nr. 2 sentence 3 VwGO: where the person must reside) whenever it is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays

from engine.errors import InvalidInput
from engine.law.calendar import DateLike, as_date, check_land

_PUBLIC = ("public",)
_CATHOLIC = ("public", "catholic")


@dataclass(frozen=True)
class Court:
    """One Verwaltungsgericht and how to get the holidays at its seat."""

    key: str
    name: str
    land: str
    #: ``holidays`` subdivision of the seat (a Land code, or a city the package knows)
    subdivision: str
    #: ``holidays`` categories for the seat (``catholic``: Assumption in Bavaria)
    categories: tuple[str, ...] = _PUBLIC
    #: seat holidays the package cannot express, as (month, day), each with a source comment
    extra_days: tuple[tuple[int, int], ...] = ()
    #: the Land's default court (see the module doc)
    default: bool = False


def _court(key: str, name: str, land: str, *, subdivision: str | None = None,
           categories: tuple[str, ...] = _PUBLIC, default: bool = False) -> Court:
    return Court(key, name, land, subdivision or land, categories, default=default)


_TABLE: tuple[Court, ...] = (
    # Baden-Württemberg (§1 AGVwGO BW)
    _court("VG_FREIBURG", "VG Freiburg", "BW"),
    _court("VG_KARLSRUHE", "VG Karlsruhe", "BW"),
    _court("VG_SIGMARINGEN", "VG Sigmaringen", "BW"),
    _court("VG_STUTTGART", "VG Stuttgart", "BW", default=True),
    # Bayern (Art. 1 AGVwGO BY). Assumption by the Landesamt's list (Art. 1(3) BayFTG):
    # Munich, Augsburg, Regensburg, Würzburg yes; Ansbach, Bayreuth (mainly Protestant) no.
    _court("VG_ANSBACH", "VG Ansbach", "BY", default=True),
    _court("VG_AUGSBURG", "VG Augsburg", "BY", subdivision="Augsburg"),  # + 15.8., 8.8.
    _court("VG_BAYREUTH", "VG Bayreuth", "BY"),
    _court("VG_MUENCHEN", "VG München", "BY", categories=_CATHOLIC),
    _court("VG_REGENSBURG", "VG Regensburg", "BY", categories=_CATHOLIC),
    _court("VG_WUERZBURG", "VG Würzburg", "BY", categories=_CATHOLIC),
    # Berlin, Brandenburg
    _court("VG_BERLIN", "VG Berlin", "BE", default=True),
    _court("VG_COTTBUS", "VG Cottbus", "BB"),
    _court("VG_FRANKFURT_ODER", "VG Frankfurt (Oder)", "BB"),
    _court("VG_POTSDAM", "VG Potsdam", "BB", default=True),
    # Bremen, Hamburg
    _court("VG_BREMEN", "VG Bremen", "HB", default=True),
    _court("VG_HAMBURG", "VG Hamburg", "HH", default=True),
    # Hessen
    _court("VG_DARMSTADT", "VG Darmstadt", "HE"),
    _court("VG_FRANKFURT_MAIN", "VG Frankfurt am Main", "HE"),
    _court("VG_GIESSEN", "VG Gießen", "HE"),
    _court("VG_KASSEL", "VG Kassel", "HE"),
    _court("VG_WIESBADEN", "VG Wiesbaden", "HE", default=True),
    # Mecklenburg-Vorpommern
    _court("VG_GREIFSWALD", "VG Greifswald", "MV"),
    _court("VG_SCHWERIN", "VG Schwerin", "MV", default=True),
    # Niedersachsen
    _court("VG_BRAUNSCHWEIG", "VG Braunschweig", "NI"),
    _court("VG_GOETTINGEN", "VG Göttingen", "NI"),
    _court("VG_HANNOVER", "VG Hannover", "NI", default=True),
    _court("VG_LUENEBURG", "VG Lüneburg", "NI"),
    _court("VG_OLDENBURG", "VG Oldenburg", "NI"),
    _court("VG_OSNABRUECK", "VG Osnabrück", "NI"),
    _court("VG_STADE", "VG Stade", "NI"),
    # Nordrhein-Westfalen
    _court("VG_AACHEN", "VG Aachen", "NW"),
    _court("VG_ARNSBERG", "VG Arnsberg", "NW"),
    _court("VG_DUESSELDORF", "VG Düsseldorf", "NW", default=True),
    _court("VG_GELSENKIRCHEN", "VG Gelsenkirchen", "NW"),
    _court("VG_KOELN", "VG Köln", "NW"),
    _court("VG_MINDEN", "VG Minden", "NW"),
    _court("VG_MUENSTER", "VG Münster", "NW"),
    # Rheinland-Pfalz
    _court("VG_KOBLENZ", "VG Koblenz", "RP"),
    _court("VG_MAINZ", "VG Mainz", "RP", default=True),
    _court("VG_NEUSTADT", "VG Neustadt an der Weinstraße", "RP"),
    _court("VG_TRIER", "VG Trier", "RP"),
    # Saarland, Schleswig-Holstein
    _court("VG_SAARLOUIS", "VG des Saarlandes (Saarlouis)", "SL", default=True),
    _court("VG_SCHLESWIG", "Schleswig-Holsteinisches VG (Schleswig)", "SH", default=True),
    # Sachsen, Sachsen-Anhalt, Thüringen (no seat has Corpus Christi)
    _court("VG_CHEMNITZ", "VG Chemnitz", "SN"),
    _court("VG_DRESDEN", "VG Dresden", "SN", default=True),
    _court("VG_LEIPZIG", "VG Leipzig", "SN"),
    _court("VG_HALLE", "VG Halle (Saale)", "ST"),
    _court("VG_MAGDEBURG", "VG Magdeburg", "ST", default=True),
    _court("VG_GERA", "VG Gera", "TH"),
    _court("VG_MEININGEN", "VG Meiningen", "TH"),
    _court("VG_WEIMAR", "VG Weimar", "TH", default=True),
)

#: The Verwaltungsgerichte by key.
COURTS: dict[str, Court] = {c.key: c for c in _TABLE}

#: The default court of each Land.
DEFAULT_COURTS: dict[str, str] = {c.land: c.key for c in _TABLE if c.default}

_ONE_DAY = timedelta(days=1)


def default_court(land: str) -> str:
    """The key of the default court of ``land`` (InvalidInput for an unknown Land)."""
    return DEFAULT_COURTS[check_land(land)]


def check_court(court: Any, land: str | None = None) -> str:
    """The court's key if it is in the table (and, with ``land``, a court of that Land);
    InvalidInput naming the field ``court`` otherwise."""
    if not isinstance(court, str) or court not in COURTS:
        raise InvalidInput("unknown court", [{"field": "court", "message":
                                              f"{court!r} is no Verwaltungsgericht of the "
                                              f"table; e.g. {', '.join(sorted(COURTS)[:3])} …"}])
    found = COURTS[court]
    if land is not None and found.land != land:
        raise InvalidInput("court not in the case's Land", [{"field": "court", "message":
                                                             f"{found.name} is in {found.land}, "
                                                             f"the case's Land is {land}"}])
    return court


def court_or_default(court: str | None, land: str) -> str:
    """``court`` checked against ``land``, or the Land's default court when it is None."""
    return default_court(land) if court is None else check_court(court, land)


@lru_cache(maxsize=4096)
def seat_holidays(court: str, year: int) -> frozenset[date]:
    """The public holidays at the seat of ``court`` in ``year`` (§57(2) VwGO, §222(2) ZPO)."""
    found = COURTS[check_court(court)]
    days = set(holidays.country_holidays(
        "DE", subdiv=found.subdivision, categories=found.categories, years=year).keys())
    days.update(date(year, month, day) for month, day in found.extra_days)
    return frozenset(days)


def is_working_day_at_seat(d: DateLike, court: str) -> bool:
    """Mon–Fri and not a public holiday at the seat of ``court``."""
    day = as_date(d, "d")
    return day.weekday() < 5 and day not in seat_holidays(check_court(court), day.year)


def next_working_day_at_seat(d: DateLike, court: str) -> date:
    """``d`` if it is a working day at the court's seat, else the next one (§222(2) ZPO)."""
    day = as_date(d, "d")
    while not is_working_day_at_seat(day, court):
        day += _ONE_DAY
    return day


def court_name(court: str) -> str:
    """The court's name for texts, e.g. ``"VG Augsburg"``."""
    return COURTS[check_court(court)].name
