"""``staffel rules show [--rules FILE]``: the legal rules in force — every rule with its value,
where the value comes from (default or the settings file), the changes over time and what the
rule means. A settings file that cannot be used ends with exit code 2 and one line per problem
(file, key, what is allowed). ``STAFFEL_RULES`` names the file when ``--rules`` is not given.

Registered on the ``staffel`` group by :mod:`web.cli`.
"""

from __future__ import annotations

from pathlib import Path

import click

from engine import RuleBook, load_rules, rule_docs


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


def register(main: click.Group) -> None:
    """Add the ``rules`` group to the ``staffel`` command."""
    from web.cli_common import handle_errors

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
