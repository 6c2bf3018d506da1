"""The Länder and Germany's legal time zone.

Holidays, and so deadlines, depend on the Land (``holidays`` subdivision codes); the days a
person sees and deadlines count are days in Europe/Berlin, whatever the server's time zone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

#: Dates of German law are days in this zone (a decision served at 23:30 UTC in summer is
#: served on the next Berlin day).
BERLIN = ZoneInfo("Europe/Berlin")

#: The 16 German Länder as ``holidays`` subdivision codes. Public holidays, and therefore
#: the §193 BGB shift of a deadline, depend on the Land where the act must be done.
LANDS: frozenset[str] = frozenset(
    {
        "BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV",
        "NI", "NW", "RP", "SH", "SL", "SN", "ST", "TH",
    }
)  # fmt: skip
