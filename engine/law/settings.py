"""The legal rules as an operator sets them: a TOML settings file, each value with the day from
which it applies.

German law changes (the posting fiction on 1 Jan 2025; §74 AsylG deadlines may change with the
EU asylum reform applying from 12 Jun 2026), so a rule is not one value but a timeline: the
default, optionally replaced by the file, and then changes "from" a day. A case uses the value
in force on the relevant day (:meth:`RuleBook.on`). The file::

    # staffel-rules.toml — named by STAFFEL_RULES or --rules
    [rules]                       # replaces a default for every day
    ip_responsibility_months = 12

    [[changes]]                   # a value from a day on (one entry per change)
    rule = "lawsuit_weeks"
    from = 2026-06-12
    value = 2
    note = "GEAS: §74 AsylG unverändert übernommen"

Everything is checked when the file is read: unknown rules, wrong types, values outside the
allowed ones, changes out of order — each error names the file, the key and what is allowed
(:class:`RulesFileError`, exit code 2 on the command line).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import itertools
import tomllib
import typing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from engine.errors import InvalidInput
from engine.law.rules import DEFAULT_RULES, LegalRules

SECTIONS = frozenset({"rules", "changes"})
CHANGE_KEYS = frozenset({"rule", "from", "value", "note"})


class RulesFileError(InvalidInput):
    """A settings file that cannot be used; ``errors`` name the key and what is allowed."""

    code = "invalid_rules_file"


@dataclass(frozen=True)
class RuleChange:
    """A rule's new value from a day on (inclusive)."""

    rule: str
    from_day: date
    value: Any
    note: str = ""


@dataclass(frozen=True)
class RuleBook:
    """The rules over time: ``base`` (defaults with the file's ``[rules]``) and the changes."""

    base: LegalRules = DEFAULT_RULES
    changes: tuple[RuleChange, ...] = ()
    #: where the values come from: ``"defaults"`` or the settings file's path
    source: str = "defaults"
    #: the rules the file's ``[rules]`` section set
    set_by_file: frozenset[str] = field(default_factory=frozenset)

    def on(self, day: date) -> LegalRules:
        """The rules in force on ``day``: the base with every change from that day or before."""
        return _on(self, day)

    def timeline(self, rule: str) -> list[tuple[date | None, Any, str]]:
        """(from day or None for "always", value, note) of one rule, oldest first."""
        steps: list[tuple[date | None, Any, str]] = [(None, getattr(self.base, rule), "")]
        steps += [(c.from_day, c.value, c.note) for c in self.changes if c.rule == rule]
        return steps


@functools.lru_cache(maxsize=512)
def _on(book: RuleBook, day: date) -> LegalRules:
    due = {c.rule: c.value for c in book.changes if c.from_day <= day}  # in order: last wins
    return book.base.with_overrides(**due) if due else book.base


def in_force(rules: LegalRules | RuleBook, day: date) -> LegalRules:
    """The rules that apply to something that happened on ``day`` (plain rules: themselves)."""
    return rules.on(day) if isinstance(rules, RuleBook) else rules


def as_rulebook(rules: LegalRules | RuleBook) -> RuleBook:
    """A rule book for plain rules (no changes over time)."""
    return rules if isinstance(rules, RuleBook) else RuleBook(base=rules)


def load_rules(path: str | Path) -> RuleBook:
    """Read and check a settings file (RulesFileError naming file, key and allowed values)."""
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesFileError(f"{where}: no such settings file",
                             [{"field": where, "message": "file not found"}]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise RulesFileError(f"{where}: cannot be read ({err})",
                             [{"field": where, "message": "not readable as UTF-8"}]) from None
    except tomllib.TOMLDecodeError as err:
        raise RulesFileError(f"{where}: not valid TOML ({err})",
                             [{"field": where, "message": str(err)}]) from None
    return parse_rules(data, where)


def parse_rules(data: dict[str, Any], where: str = "settings") -> RuleBook:
    """Build a rule book from a parsed settings document (see the module docstring)."""
    errors: list[dict[str, Any]] = [
        {"field": key, "message": f"unknown section; allowed: {sorted(SECTIONS)}"}
        for key in sorted(set(data) - SECTIONS)]
    section = data.get("rules", {})
    if not isinstance(section, dict):
        errors.append({"field": "rules", "message": "must be a table: [rules]"})
        section = {}
    for key, value in section.items():
        errors += check_value(str(key), value, f"rules.{key}")
    changes = _changes(data.get("changes", []), errors)
    if errors:
        raise RulesFileError(f"{where}: {len(errors)} problem(s) in the legal settings", errors)
    try:
        base = DEFAULT_RULES.with_overrides(**section)
        book = RuleBook(base, changes, where, frozenset(section))
        for change in changes:
            book.on(change.from_day)  # the combination must be valid too
    except InvalidInput as err:
        raise RulesFileError(f"{where}: {err.message}", err.errors) from None
    return book


def _changes(raw: Any, errors: list[dict[str, Any]]) -> tuple[RuleChange, ...]:
    if not isinstance(raw, list):
        errors.append({"field": "changes", "message": "must be an array of tables: [[changes]]"})
        return ()
    found: list[RuleChange] = []
    for index, entry in enumerate(raw, start=1):
        key = f"changes[{index}]"
        if not isinstance(entry, dict):
            errors.append({"field": key, "message": "must be a table"})
            continue
        problems = [{"field": f"{key}.{k}", "message": f"unknown key; allowed: "
                     f"{sorted(CHANGE_KEYS)}"} for k in sorted(set(entry) - CHANGE_KEYS)]
        problems += [{"field": f"{key}.{k}", "message": "is required"}
                     for k in ("rule", "from", "value") if k not in entry]
        day = entry.get("from")
        if "from" in entry and (not isinstance(day, date) or hasattr(day, "hour")):
            problems.append({"field": f"{key}.from", "message": "must be a date (2026-06-12)"})
        if not problems:
            problems += check_value(str(entry["rule"]), entry["value"], f"{key}.value")
        if problems:
            errors += problems
            continue
        found.append(RuleChange(str(entry["rule"]), entry["from"], entry["value"],
                                str(entry.get("note", ""))))
    ordered = sorted(found, key=lambda c: c.from_day)
    if ordered != found:
        errors.append({"field": "changes", "message": "changes must be in date order"})
    return tuple(found)


def check_value(rule: str, value: Any, key: str) -> list[dict[str, Any]]:
    """Problems of one value for ``rule`` (unknown rule, wrong type, not an allowed value)."""
    kinds = rule_types()
    if rule not in kinds:
        return [{"field": key, "message": f"no such legal rule (see staffel rules show); "
                 f"known: {', '.join(sorted(kinds))}"}]
    kind = kinds[rule]
    allowed = typing.get_args(kind) if typing.get_origin(kind) is typing.Literal else ()
    if allowed:
        if value not in allowed:
            return [{"field": key, "message": f"must be one of {list(allowed)}"}]
    elif kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        return [{"field": key, "message": "must be a whole number"}]
    elif kind is date and (not isinstance(value, date) or hasattr(value, "hour")):
        return [{"field": key, "message": "must be a date (2026-06-12)"}]
    elif kind is str and not isinstance(value, str):
        return [{"field": key, "message": "must be a text"}]
    return []


@functools.cache
def rule_types() -> dict[str, Any]:
    """The type of every legal rule (``int``, ``date``, ``str`` or a ``Literal``)."""
    hints = typing.get_type_hints(LegalRules)
    return {f.name: hints[f.name] for f in dataclasses.fields(LegalRules)}


@functools.cache
def rule_docs() -> dict[str, str]:
    """Every legal rule's explanation (the docstring under its field in ``rules.py``)."""
    tree = ast.parse(inspect.getsource(LegalRules))
    docs: dict[str, str] = {}
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    for node, after in itertools.pairwise(body):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) \
                and isinstance(after.value.value, str):
            docs[node.target.id] = " ".join(after.value.value.split())
    return docs
