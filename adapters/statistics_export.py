"""The statistics export as CSV: counts only, no personal data.

One table in long form, one row per number, columns (English; German in brackets)::

    metric;period_start;period_end;group;count;suppressed
    (Kennzahl;Zeitraum von;Zeitraum bis;Gruppe;Anzahl;unterdrückt)

* ``cases_per_stage`` (``Fälle je Phase``) — open cases per stage as of today
  (``period_start = period_end``), ``group`` is the stage (``S1`` … ``S6``);
* ``stage_transitions`` (``Phasenwechsel je Woche``) — stage changes per week (Monday to
  Sunday, Berlin), ``group`` is ``<old stage>-><new stage>`` (``neu``/``new`` for a case
  created then); weeks without changes have no rows;
* ``overdue_tasks`` (``Überfällige Aufgaben je Team``) — open overdue tasks per team as of
  today, ``group`` is the team's name from the team registry.

What is **not** in it: case ids, case numbers, BAMF references, names, dates of birth,
usernames — nothing that names a person or a caseworker. Counts of a small group can still
point at a person (one case in S4b in a small town), so counts from 1 to ``min_count - 1`` are
**suppressed**: the ``count`` cell stays empty and ``suppressed`` is ``1``. The default
``min_count`` is :data:`DEFAULT_MIN_COUNT`; ``min_count = 1`` turns suppression off. Zero is
never suppressed (it points at nobody).

The file is written by :mod:`adapters.csv_export`: UTF-8 with BOM, ``;``, CRLF; German
(default) with dates ``TT.MM.JJJJ``, English with ISO dates.
"""

from __future__ import annotations

from datetime import date, timedelta

from adapters.csv_export import DEFAULT_LANGUAGE, Column, csv_text, header, pick, team_label
from engine import StatisticsReport

DEFAULT_MIN_COUNT = 3
MAX_MIN_COUNT = 100
COLUMNS: tuple[Column, ...] = (
    ("Kennzahl", "metric"), ("Zeitraum von", "period_start"), ("Zeitraum bis", "period_end"),
    ("Gruppe", "group"), ("Anzahl", "count"), ("unterdrückt", "suppressed"))
HEADER = tuple(english for _german, english in COLUMNS)
METRICS: dict[str, tuple[str, str]] = {
    "cases_per_stage": ("Fälle je Phase", "cases_per_stage"),
    "stage_transitions": ("Phasenwechsel je Woche", "stage_transitions"),
    "overdue_tasks": ("Überfällige Aufgaben je Team", "overdue_tasks"),
}


def check_min_count(value: object) -> int:
    """``min_count`` from 1 to :data:`MAX_MIN_COUNT`; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MIN_COUNT:
        raise ValueError(f"min_count must be a whole number from 1 to {MAX_MIN_COUNT}")
    return value


def statistics_rows(report: StatisticsReport, min_count: int = DEFAULT_MIN_COUNT,
                    lang: str = DEFAULT_LANGUAGE) -> list[tuple[object, ...]]:
    """The rows of the export in ``lang`` (header first), small counts suppressed."""
    check_min_count(min_count)
    today = report.today

    def row(metric: str, start: date, end: date, group: str, count: int) -> tuple[object, ...]:
        hidden = 0 < count < min_count
        return (pick(METRICS[metric], lang), start, end, group, None if hidden else count,
                1 if hidden else 0)

    rows: list[tuple[object, ...]] = [tuple(header(COLUMNS, lang))]
    rows += [row("cases_per_stage", today, today, stage, n) for stage, n in report.stages]
    for t in report.transitions:
        end = min(t.week + timedelta(days=6), report.today)
        old = t.old or pick(("neu", "new"), lang)  # not "-": a cell starting so is escaped
        rows.append(row("stage_transitions", t.week, end, f"{old}->{t.new}", t.count))
    rows += [row("overdue_tasks", today, today, team_label(team, lang), n)
             for team, n in report.overdue_by_team]
    return rows


def statistics_csv(report: StatisticsReport, min_count: int = DEFAULT_MIN_COUNT,
                   lang: str = DEFAULT_LANGUAGE) -> str:
    """The export as CSV text in ``lang`` (see the module doc)."""
    return csv_text(statistics_rows(report, min_count, lang), lang)
