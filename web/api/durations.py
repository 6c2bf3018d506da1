"""ISO 8601 durations for moving the simulated clock: weeks, days, hours, minutes, seconds.

Months and years are rejected: their length depends on the start date (``P1M`` from 31
January?), and legal deadlines are computed dates anyway (``engine/deadlines.py``), so a caller
who means "one month later" gives ``to`` with the computed date instead.
"""

from __future__ import annotations

import re
from datetime import timedelta

from engine.errors import InvalidInput

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
MAX_DURATION = timedelta(days=3660)


def parse_duration(text: str, field: str = "by") -> timedelta:
    """Parse ``P30D``, ``P2W``, ``PT12H``, ``P1DT2H30M``...; InvalidInput for anything else."""
    match = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput(f"{text!r} is not an ISO 8601 duration",
                           [{"field": field, "message": "use e.g. P30D, P2W, PT12H or P1DT6H"}])
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    if parts.get("years") or parts.get("months"):
        raise InvalidInput("durations in months or years are not supported",
                           [{"field": field, "message": "months and years have no fixed length: "
                             "give days or weeks, or a date-time in 'to'"}])
    total = (parts.get("weeks", 0) * 7 * 86400 + parts.get("days", 0) * 86400
             + parts.get("hours", 0) * 3600 + parts.get("minutes", 0) * 60
             + parts.get("seconds", 0))
    if total > MAX_DURATION.total_seconds():
        raise InvalidInput("the duration is too long",
                           [{"field": field, "message": f"at most {MAX_DURATION.days} days"}])
    return timedelta(seconds=total)
