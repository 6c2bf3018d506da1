"""``staffel import permits|decisions|courses FILE``: take an agency file in.

Exit code 0 when the file was taken (even with lines reported as invalid or for
clarification), 2 when it was rejected whole (nothing stored), as for every bad input.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

import click

from adapters.imports import KINDS, Importer, ImportRejected
from adapters.imports.report import text_summary
from web.cli_common import database_url_option, handle_errors, open_engine

PROGRESS_FROM = 1000  # lines; smaller files need no progress bar


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_url_option
@click.option("--user", default="cli", show_default=True, help="Who imports (audit trail).")
@click.option("--problems", default=20, show_default=True,
              help="How many reported lines to print (the full report is on the page).")
@handle_errors
def import_command(kind: str, file: Path, database_url: str, user: str, problems: int) -> None:
    """Import a permit list, BAMF decisions or a course report (CSV or XML)."""
    engine = open_engine(database_url)
    data = file.read_bytes()
    with contextlib.ExitStack() as stack:
        bar: Any = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if total < PROGRESS_FROM:
                return
            if bar is None:
                bar = stack.enter_context(click.progressbar(
                    length=total, label=f"importing {file.name}", file=sys.stderr,
                    show_pos=True))
            if done % 250 == 0 or done == total:
                bar.update(done - bar.pos)

        try:
            result = Importer(engine).import_file(kind, file.name, data, user, progress)
        except ImportRejected as err:
            stack.close()
            click.echo(f"error: {err.message}", err=True)
            if err.line is not None:
                click.echo(f"  - line {err.line}", err=True)
            click.echo("  the file was rejected whole: nothing was imported", err=True)
            sys.exit(2)
    for line in text_summary(result.report, result.already_imported):
        click.echo(line)
    shown = result.report.get("problems", [])[:max(problems, 0)]
    for p in shown:
        where = f" [{p['field']}]" if p.get("field") else ""
        detail = f": {p['detail']}" if p.get("detail") else ""
        click.echo(f"  line {p['line']}: {p['outcome']} {p.get('reason', '')}{where}{detail}")
    rest = result.report["counts"]["rows"] - result.report["counts"]["correlated"] - len(shown)
    if rest > 0:
        click.echo(f"  ... and {rest} more line(s) reported")
