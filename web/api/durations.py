"""ISO 8601 durations for moving the simulated clock: weeks, days, hours, minutes, seconds.

Months and years are rejected: their length depends on the start date (``P1M`` from 31
January?), and legal deadlines are computed dates anyway (``engine/deadlines.py``), so a caller
who means "one month later" gives ``to`` with the computed date instead.

``isodate`` parses the value. It accepts more than the clock needs, so the text must first be
in the designator form with whole numbers (``P1DT2H30M``): no sign (the clock does not go
back), no fractions (``P1.5D``), no alternative form (``P0001-02-03``), and no ``T`` without a
time part (``P1DT``).
"""

from __future__ import annotations

import re
from datetime import timedelta

import isodate

from engine import InvalidInput

_DESIGNATORS = re.compile(r"P(?:[0-9]+[YMWD])*(?:T(?:[0-9]+[HMS])+)?")
MAX_DURATION = timedelta(days=3660)


def _too_long(field: str) -> InvalidInput:
    return InvalidInput("the duration is too long",
                        [{"field": field, "message": f"at most {MAX_DURATION.days} days"}])


def parse_duration(text: str, field: str = "by") -> timedelta:
    """Parse ``P30D``, ``P2W``, ``PT12H``, ``P1DT2H30M``...; InvalidInput for anything else."""
    value = text.strip().upper() if isinstance(text, str) else ""
    try:
        parsed = isodate.parse_duration(value) if _DESIGNATORS.fullmatch(value) else None
    except ValueError:  # isodate.ISO8601Error is one
        parsed = None
    except OverflowError:  # more days than timedelta holds
        raise _too_long(field) from None
    if parsed is None:
        raise InvalidInput(f"{text!r} is not an ISO 8601 duration",
                           [{"field": field, "message": "use e.g. P30D, P2W, PT12H or P1DT6H"}])
    if isinstance(parsed, isodate.Duration):  # only when years or months are not zero
        raise InvalidInput("durations in months or years are not supported",
                           [{"field": field, "message": "months and years have no fixed length: "
                             "give days or weeks, or a date-time in 'to'"}])
    if parsed > MAX_DURATION:
        raise _too_long(field)
    return parsed
