"""``staffel export …``: outbound files from the command line.

* ``staffel export statistics [--out FILE] [--weeks N] [--min-count N] [--team KEY …]
  [--lang de|en]`` — the statistics CSV (see :mod:`adapters.statistics_export`): counts per
  stage, stage transitions per week, overdue tasks per team; no personal data, counts below
  ``--min-count`` suppressed. Without ``--out`` the CSV goes to standard output. The same file
  as the dashboard's download: ``;``, UTF-8 with BOM, German headers, team names and dates
  (``--lang en``: English, ISO dates).

Registered on the ``staffel`` group by :mod:`web.cli`; the helpers (database option, error
handling, exit codes) are that module's.
"""

from __future__ import annotations

from pathlib import Path

import click

from adapters.csv_export import DEFAULT_LANGUAGE, LANGUAGES
from adapters.statistics_export import DEFAULT_MIN_COUNT, check_min_count, statistics_csv
from engine import TEAM_KEYS, InvalidInput


def register(main: click.Group) -> None:
    """Add the ``export`` group to the ``staffel`` command."""
    from web.cli_common import database_url_option, handle_errors, open_engine

    @main.group("export")
    def export_group() -> None:
        """Write outbound files (statistics without personal data)."""

    @export_group.command("statistics")
    @database_url_option
    @click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
                  default=None, help="Write the CSV to this file (default: standard output).")
    @click.option("--weeks", type=int, default=12, show_default=True,
                  help="Weeks of stage transitions, the current one included (1-104).")
    @click.option("--min-count", type=int, default=DEFAULT_MIN_COUNT, show_default=True,
                  help="Suppress counts from 1 to this minus 1 (1: suppress nothing).")
    @click.option("--team", "teams", multiple=True,
                  help="Count only the work of this team (repeat for several; default all).")
    @click.option("--lang", type=click.Choice(LANGUAGES), default=DEFAULT_LANGUAGE,
                  show_default=True, help="Language of headers, team names and dates.")
    @handle_errors
    def export_statistics(database_url: str, out: Path | None, weeks: int, min_count: int,
                          teams: tuple[str, ...], lang: str) -> None:
        """Export cases per stage, transitions per week and overdue tasks per team as CSV."""
        unknown = sorted(set(teams) - TEAM_KEYS)
        if unknown:
            raise InvalidInput(f"unknown team(s): {', '.join(unknown)}",
                               [{"field": "team", "message": f"{t} is not a team key"}
                                for t in unknown])
        try:
            check_min_count(min_count)
        except ValueError as exc:
            raise InvalidInput(str(exc), [{"field": "min_count", "message": str(exc)}]) from exc
        if out is not None and not out.parent.is_dir():
            raise InvalidInput(f"the folder of --out does not exist: {out.parent}",
                               [{"field": "out", "message": "folder does not exist"}])
        engine = open_engine(database_url)
        report = engine.supervision.statistics(frozenset(teams) if teams else None, weeks=weeks)
        text = statistics_csv(report, min_count, lang)
        if out is None:
            click.echo(text, nl=False)
            return
        out.write_text(text, encoding="utf-8", newline="")
        click.echo(f"statistics written to {out} ({len(text.splitlines()) - 1} row(s), "
                   f"{len(report.weeks)} week(s), counts below {min_count} suppressed)",
                   err=True)
