"""The statistics export as CSV: counts only, no personal data.

One table in long form, one row per number, columns::

    metric,period_start,period_end,group,count,suppressed

* ``cases_per_stage`` — open cases per stage as of today (``period_start = period_end``),
  ``group`` is the stage (``S1`` … ``S6``);
* ``stage_transitions`` — stage changes per week (Monday to Sunday, Berlin), ``group`` is
  ``<old stage>-><new stage>``; weeks without changes have no rows;
* ``overdue_tasks`` — open overdue tasks per team as of today, ``group`` is the team key.

What is **not** in it: case ids, case numbers, BAMF references, names, dates of birth,
usernames — nothing that names a person or a caseworker. Counts of a small group can still
point at a person (one case in S4b in a small town), so counts from 1 to ``min_count - 1`` are
**suppressed**: the ``count`` cell stays empty and ``suppressed`` is ``1``. The default
``min_count`` is :data:`DEFAULT_MIN_COUNT`; ``min_count = 1`` turns suppression off. Zero is
never suppressed (it points at nobody).

Separator is the comma, line ends CRLF (RFC 4180); the text is UTF-8.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from engine import StatisticsReport

DEFAULT_MIN_COUNT = 3
MAX_MIN_COUNT = 100
HEADER = ("metric", "period_start", "period_end", "group", "count", "suppressed")


def check_min_count(value: object) -> int:
    """``min_count`` from 1 to :data:`MAX_MIN_COUNT`; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MIN_COUNT:
        raise ValueError(f"min_count must be a whole number from 1 to {MAX_MIN_COUNT}")
    return value


def statistics_rows(report: StatisticsReport,
                    min_count: int = DEFAULT_MIN_COUNT) -> list[tuple[str, ...]]:
    """The rows of the export (header first), small counts suppressed."""
    check_min_count(min_count)
    today = report.today.isoformat()

    def row(metric: str, start: str, end: str, group: str, count: int) -> tuple[str, ...]:
        hidden = 0 < count < min_count
        return (metric, start, end, group, "" if hidden else str(count), "1" if hidden else "0")

    rows: list[tuple[str, ...]] = [HEADER]
    rows += [row("cases_per_stage", today, today, stage, n) for stage, n in report.stages]
    for t in report.transitions:
        end = min(t.week + timedelta(days=6), report.today).isoformat()
        rows.append(row("stage_transitions", t.week.isoformat(), end,
                        f"{t.old or '-'}->{t.new}", t.count))
    rows += [row("overdue_tasks", today, today, team, n) for team, n in report.overdue_by_team]
    return rows


def statistics_csv(report: StatisticsReport, min_count: int = DEFAULT_MIN_COUNT) -> str:
    """The export as CSV text (see the module doc)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(statistics_rows(report, min_count))
    return out.getvalue()
