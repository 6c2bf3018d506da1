"""``staffel rules show [--rules FILE]``: the legal rules in force — every rule with its value,
where the value comes from (default or the settings file), the changes over time and what the
rule means. A settings file that cannot be used ends with exit code 2 and one line per problem
(file, key, what is allowed). ``STAFFEL_RULES`` names the file when ``--rules`` is not given.

``staffel rules recompute [--dry-run] [--case CASE_NUMBER …] [--rules FILE]`` recomputes the
legal dates of open cases with the rules in force (``staffel.recompute``) and prints one line per
changed date: case number, key, old → new, flags (``already passed``, timers moved or not).

Registered on the ``staffel`` group by :mod:`web.cli`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from engine import RuleBook, Staffel, load_rules, rule_docs


def rules_option(func: click.decorators.FC) -> click.decorators.FC:
    """``--rules FILE`` (env ``STAFFEL_RULES``): the legal settings file; none: the defaults."""
    return click.option("--rules", "rules_file", envvar="STAFFEL_RULES", default=None,
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="Legal settings file (TOML); default: the law as built in "
                             "(env STAFFEL_RULES).")(func)


def rule_book(rules_file: Path | None) -> RuleBook:
    """The rule book of a ``--rules`` option (RulesFileError for a bad file)."""
    return load_rules(rules_file) if rules_file else RuleBook()


def describe(book: RuleBook) -> list[str]:
    """The lines ``staffel rules show`` prints."""
    docs = rule_docs()
    lines = [f"Legal rules from: {book.source}", ""]
    for name in sorted(docs):
        steps = book.timeline(name)
        origin = "settings file" if name in book.set_by_file else "default"
        lines.append(f"{name} = {steps[0][1]!s}   ({origin})")
        for day, value, note in steps[1:]:
            lines.append(f"    from {day.isoformat() if day else '?'}: {value!s}"
                         + (f"   # {note}" if note else ""))
        lines.append(f"    {docs[name]}")
    return lines


def recompute_lines(changes: list[Any], dry_run: bool) -> list[str]:
    """The table ``staffel rules recompute`` prints (one line per changed date; ``changes``
    are the ``DateChange`` records of ``staffel.recompute``)."""
    head = "Dry run: nothing written." if dry_run else "Recomputed with the rules in force."
    if not changes:
        return [head, "No open case has a date that the rules in force compute differently."]
    rows = [("case", "key", "old → new", "flags")]
    for c in changes:
        old = c.old.isoformat() if c.old else "—"
        new = c.new.isoformat() if c.new else "—"
        flags = list(c.flags) + (["changed"] if c.applied else [])
        rows.append((c.case_number, c.key, f"{old} → {new}", ", ".join(flags)))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [head]
    lines += ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    cases = {c.case_number for c in changes}
    done = {c.case_number for c in changes if c.applied}
    lines.append(f"{len(cases)} case(s) with changed dates, {len(done)} changed.")
    return [line.rstrip() for line in lines]


def register(main: click.Group) -> None:
    """Add the ``rules`` group to the ``staffel`` command."""
    from web.cli_common import database_url_option, handle_errors, prepare_database

    @main.group("rules")
    def rules_group() -> None:
        """The legal rules (deadlines, benefits, local rules) and their settings file."""

    @rules_group.command("show")
    @rules_option
    @handle_errors
    def rules_show(rules_file: Path | None) -> None:
        """Check the settings file and print every rule with its value and changes."""
        for line in describe(rule_book(rules_file)):
            click.echo(line)

    @rules_group.command("recompute")
    @rules_option
    @click.option("--dry-run", is_flag=True, help="List what would change; write nothing.")
    @click.option("--case", "case_numbers", multiple=True, metavar="CASE_NUMBER",
                  help="Only this case (repeatable); default: every open case.")
    @database_url_option
    @handle_errors
    def rules_recompute(rules_file: Path | None, dry_run: bool, case_numbers: tuple[str, ...],
                        database_url: str) -> None:
        """Recompute the legal dates of open cases with the rules in force (after a change)."""
        book = rule_book(rules_file)
        prepare_database(database_url)
        engine = Staffel(database_url, clock="auto", rules=book)
        try:
            engine.init_db()
            ids = engine.recompute.ids_of(list(case_numbers)) if case_numbers else None
            changes = (engine.recompute.plan(ids) if dry_run
                       else engine.recompute.apply("cli", ids))
        finally:
            engine.close()
        for line in recompute_lines(changes, dry_run):
            click.echo(line)
