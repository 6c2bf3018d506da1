"""``staffel retention run [--dry-run] [--retention-days N] [--import-original-days N]``: erase
the person's data of cases that ended longer ago than the retention period and empty the
originals of agency files older than theirs (``staffel.erasure``; docs/privacy.md). Prints case
numbers and counts, never a name. The periods come from the options, else from
``STAFFEL_RETENTION_DAYS`` / ``STAFFEL_IMPORT_ORIGINAL_DAYS``, else the defaults. A scheduler
(``staffel scheduler``, ``staffel serve``) runs the same once a day.

Registered on the ``staffel`` group by :mod:`web.cli`.
"""

from __future__ import annotations

import os

import click

from engine import RetentionPeriods, RetentionReport


def report_lines(report: RetentionReport) -> list[str]:
    """The lines ``staffel retention run`` prints (case numbers and counts only)."""
    p = report.periods
    head = ("Dry run: nothing written." if report.dry_run else "Retention run.")
    lines = [f"{head} Now {report.now.isoformat()}; cases ended before "
             f"{report.cases_before.date().isoformat()} ({p.case_days} days), agency "
             f"originals uploaded before {report.files_before.date().isoformat()} "
             f"({p.import_original_days} days)."]
    verb = "would erase" if report.dry_run else "erased"
    for c in report.cases:
        if c.skipped:
            lines.append(f"  {c.case_number}  ended {c.ended_at.date().isoformat()}  "
                         f"left: {c.skipped}")
            continue
        counts = (", ".join(f"{k} {v}" for k, v in c.counts.as_dict().items())
                  if c.counts else f"instances {c.instances}, messages {c.messages}")
        lines.append(f"  {c.case_number}  ended {c.ended_at.date().isoformat()}  {verb}: "
                     f"{counts}")
    for f in report.files:
        lines.append(f"  import file {f.file_id} ({f.kind}, uploaded "
                     f"{f.uploaded_at.date().isoformat()}): original "
                     f"{'would be emptied' if report.dry_run else 'emptied'}")
    left = sum(1 for c in report.cases if c.skipped)
    lines.append(f"{report.erased} case(s) {verb}, {left} left, {len(report.files)} "
                 f"original(s) {'to empty' if report.dry_run else 'emptied'}.")
    return lines


def register(main: click.Group) -> None:
    """Add the ``retention`` group to the ``staffel`` command."""
    from web.cli_common import database_url_option, handle_errors, open_engine

    @main.group("retention")
    def retention_group() -> None:
        """Retention periods and erasure of personal data (GDPR Art. 17, SGB X §84)."""

    @retention_group.command("run")
    @database_url_option
    @click.option("--dry-run", is_flag=True, help="List what would be erased; write nothing.")
    @click.option("--retention-days", type=int, default=None,
                  help="Days after a case ended (env STAFFEL_RETENTION_DAYS; default 1095).")
    @click.option("--import-original-days", type=int, default=None,
                  help="Days after an agency file's upload (env STAFFEL_IMPORT_ORIGINAL_DAYS; "
                       "default 90).")
    @handle_errors
    def retention_run(database_url: str, dry_run: bool, retention_days: int | None,
                      import_original_days: int | None) -> None:
        """Erase what the retention periods make due (or list it with --dry-run)."""
        periods = RetentionPeriods.parse(
            retention_days if retention_days is not None
            else os.environ.get("STAFFEL_RETENTION_DAYS"),
            import_original_days if import_original_days is not None
            else os.environ.get("STAFFEL_IMPORT_ORIGINAL_DAYS"))
        engine = open_engine(database_url, retention=periods)
        for line in report_lines(engine.erasure.run(dry_run=dry_run)):
            click.echo(line)
