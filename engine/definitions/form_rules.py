"""Plausibility rules of task forms: the ``x-rules`` keyword next to a form's JSON Schema.

JSON Schema checks one field at a time; these rules relate a date field to another date field
or to the engine's day, and make an optional field required when another field has a value::

    "x-rules": [
      {"field": "gestattung_valid_until", "not_before": "asylum_application_filed_on"},
      {"field": "consent_date", "not_after": "today"},
      {"field": "handover_appointment_at", "not_before": "today"},
      {"field": "fiktion_valid_until", "required_if": {"fiktion_certificate_issued": true}},
      {"field": "consent_date", "not_before": "today-P1Y",
       "message": {"de": "Höchstens ein Jahr alt.", "en": "At most one year old."}}
    ]

* ``before`` / ``after``: strictly earlier / later than the reference;
  ``not_before`` / ``not_after``: on or after / on or before it (the same day is fine).
* The reference is another date field of the form, or ``today`` (the engine's day in Berlin:
  the simulated clock in tests and demos, never the wall clock), optionally moved by an ISO
  period: ``today+P1D``, ``today-P1Y``, ``today+P2W``, ``today-P6M``.
* Date-time fields are compared by their Berlin calendar day.
* ``required_if``: the field must be given when every named field has the named value.
* ``message``: an optional text (or ``{"de": …, "en": …}``) shown instead of the standard one.

A rule is only checked when the field (and the field it refers to) has a value of the right
form: a missing or malformed value is the schema's to report. :func:`rule_problems` checks the
rules at deploy time (unknown field, unknown keyword, malformed reference); :func:`check_rules`
checks data at completion. Both are pure.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from engine.law.lands import BERLIN

RULES_KEY = "x-rules"
HINT_KEY = "x-hint"
COMPARISONS = ("before", "after", "not_before", "not_after")
RULE_KINDS = (*COMPARISONS, "required_if")
RULE_KEYS = frozenset({"field", "message", *RULE_KINDS})
LANGUAGES = ("de", "en")
TODAY = "today"
_TODAY_REF = re.compile(
    r"^today(?:(?P<sign>[+-])P(?=\d)(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?"
    r"(?:(?P<d>\d+)D)?)?$")
DATE_FORMATS = ("date", "date-time")


@dataclass(frozen=True)
class Reference:
    """What a comparison refers to: another field, or the engine's day moved by a period."""

    field: str | None = None
    years: int = 0
    months: int = 0
    days: int = 0

    @property
    def is_today(self) -> bool:
        """True for ``today`` (with or without a period)."""
        return self.field is None

    def resolve(self, data: Mapping[str, Any], today: date) -> date | None:
        """The day the reference stands for (None when the other field has no valid date)."""
        if self.field is not None:
            return as_day(data.get(self.field))
        return shift(today, self.years, self.months, self.days)


def parse_reference(text: str) -> Reference | None:
    """``today``, ``today±P…`` or a field name as a :class:`Reference`; None if malformed."""
    match = _TODAY_REF.match(text)
    if match:
        sign = -1 if match["sign"] == "-" else 1
        number = {k: int(match[k] or 0) for k in ("y", "m", "w", "d")}
        return Reference(None, sign * number["y"], sign * number["m"],
                         sign * (number["w"] * 7 + number["d"]))
    if text.startswith(TODAY) or not text:
        return None
    return Reference(field=text)


def shift(day: date, years: int = 0, months: int = 0, days: int = 0) -> date:
    """``day`` moved by years, months (clamped to the month's last day) and days."""
    total = day.year * 12 + day.month - 1 + years * 12 + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last)) + timedelta(days=days)


def as_day(value: Any) -> date | None:
    """The Berlin calendar day of an ISO date or date-time string; None if it is neither."""
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (moment.astimezone(BERLIN) if moment.tzinfo else moment).date()


def rules_of(schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rules of a form (an empty list when it has none or they are malformed)."""
    rules = schema.get(RULES_KEY)
    if not isinstance(rules, list):
        return []
    return [r for r in rules if isinstance(r, dict)]


def rule_kind(rule: Mapping[str, Any]) -> str | None:
    """The one kind of a rule (``before``, …, ``required_if``); None if none or several."""
    kinds = [k for k in RULE_KINDS if k in rule]
    return kinds[0] if len(kinds) == 1 else None


def localized(text: Any, lang: str) -> str | None:
    """A text of the schema in ``lang``: a plain string, or ``{"de": …, "en": …}``."""
    if isinstance(text, str):
        return text
    if isinstance(text, Mapping):
        chosen = text.get(lang) or next((text[k] for k in LANGUAGES if text.get(k)), None)
        return str(chosen) if chosen else None
    return None


def _properties(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    props = schema.get("properties")
    return props if isinstance(props, Mapping) else {}


def _is_date_field(prop: Any) -> bool:
    return isinstance(prop, Mapping) and prop.get("format") in DATE_FORMATS


def _message_problem(message: Any) -> str | None:
    if message is None or isinstance(message, str):
        return None
    if (isinstance(message, Mapping) and message
            and set(message) <= set(LANGUAGES) and all(isinstance(v, str) for v in
                                                         message.values())):
        return None
    return '"message" must be a text or {"de": "...", "en": "..."}'


def _rule_problem(rule: Any, props: Mapping[str, Any]) -> str | None:
    if not isinstance(rule, Mapping):
        return "a rule must be an object"
    unknown = sorted(set(rule) - RULE_KEYS)
    if unknown:
        return f"unknown keyword(s) {', '.join(map(repr, unknown))}; use one of " + \
            ", ".join(RULE_KINDS) + ', plus "field" and "message"'
    name = rule.get("field")
    if not isinstance(name, str) or name not in props:
        return f'"field" must name a field of the form, not {name!r}'
    kind = rule_kind(rule)
    if kind is None:
        return "a rule needs exactly one of " + ", ".join(RULE_KINDS)
    problem = _message_problem(rule.get("message"))
    if problem:
        return problem
    target = rule[kind]
    if kind == "required_if":
        if not isinstance(target, Mapping) or not target:
            return '"required_if" must be an object {"other_field": value, ...}'
        strange = [k for k in target if k not in props]
        if strange:
            return f'"required_if" names unknown field(s) {", ".join(map(repr, strange))}'
        if any(isinstance(v, dict | list) for v in target.values()):
            return '"required_if" compares with plain values (text, number, true/false)'
        return None
    if not _is_date_field(props[name]):
        return f'"{kind}" needs a date field; {name!r} has no format date or date-time'
    reference = parse_reference(target) if isinstance(target, str) else None
    if reference is None:
        return (f'"{kind}" must be "today", "today+P1D"-style (ISO period: Y, M, W, D) '
                f"or a field of the form, not {target!r}")
    if reference.field is not None:
        if reference.field not in props:
            return f'"{kind}" names an unknown field {reference.field!r}'
        if not _is_date_field(props[reference.field]) or reference.field == name:
            return f'"{kind}" must name another date field, not {reference.field!r}'
    return None


def rule_problems(schema: Mapping[str, Any]) -> list[str]:
    """Deploy check of a form's ``x-rules`` and ``x-hint``s: one text per problem, naming the
    rule (``x-rules[2]``) or the field; empty when all is well."""
    problems: list[str] = []
    props = _properties(schema)
    rules = schema.get(RULES_KEY)
    if rules is not None and not isinstance(rules, list):
        problems.append(f"{RULES_KEY} must be a list of rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        problem = _rule_problem(rule, props)
        if problem:
            problems.append(f"{RULES_KEY}[{index}]: {problem}")
    for name, prop in props.items():
        for where, owner in ((name, prop), (f"{name}.items", (prop or {}).get("items"))):
            if isinstance(owner, Mapping) and HINT_KEY in owner and \
                    _message_problem(owner[HINT_KEY]):
                problems.append(f'{where}: "{HINT_KEY}" must be a text or '
                                '{"de": "...", "en": "..."}')
    return problems


def _holds(data: Mapping[str, Any], condition: Mapping[str, Any]) -> bool:
    return all(name in data and data[name] == value for name, value in condition.items())


def conditions(schema: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Per optional field, the conditions under which it is required: ``required_if`` rules
    and a top-level ``if``/``then`` whose ``if`` compares fields with ``const`` values."""
    found: dict[str, list[dict[str, Any]]] = {}
    for rule in rules_of(schema):
        if rule_kind(rule) == "required_if" and isinstance(rule["required_if"], Mapping):
            found.setdefault(str(rule["field"]), []).append(dict(rule["required_if"]))
    condition = if_condition(schema)
    then = schema.get("then")
    if condition and isinstance(then, Mapping):
        for name in then.get("required") or []:
            found.setdefault(str(name), []).append(condition)
    return found


def if_condition(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``const`` values a top-level ``if`` asks for (None if it asks for anything else)."""
    test = schema.get("if")
    if not isinstance(test, Mapping) or set(test) - {"properties", "required"}:
        return None
    props = test.get("properties")
    if not isinstance(props, Mapping) or not props:
        return None
    if not all(isinstance(p, Mapping) and set(p) == {"const"} for p in props.values()):
        return None
    return {name: p["const"] for name, p in props.items()}


def _title(props: Mapping[str, Any], name: str) -> str:
    prop = props.get(name)
    return str(prop.get("title") or name) if isinstance(prop, Mapping) else name


_LABEL_PAIR = re.compile(r"([A-Za-z0-9_.-]+)\s*=\s*([^;]+)")


def value_label(prop: Any, value: Any) -> str | None:
    """The label of an enum value written in the field's description as ``value = Label``
    (the convention of ``bpmn/forms``), or None."""
    if not isinstance(prop, Mapping) or isinstance(value, bool):
        return None
    pairs = dict(_LABEL_PAIR.findall(str(prop.get("description") or "")))
    label = pairs.get(str(value))
    return label.strip() if label else None


def _because(props: Mapping[str, Any], condition: Mapping[str, Any]) -> dict[str, Any]:
    name, value = next(iter(condition.items()))
    params = {"because": name, "because_title": _title(props, name), "because_value": value}
    label = value_label(props.get(name), value)
    if label:
        params["because_label"] = label
    return params


def required_error(schema: Mapping[str, Any], data: Mapping[str, Any],
                   name: str) -> tuple[str, dict[str, Any]]:
    """Code and parameters of a missing field: ``required_because`` (naming the field and
    value that make it required) when it is optional but a condition holds, else
    ``required``."""
    props = _properties(schema)
    if name in (schema.get("required") or []):
        return "required", {}
    for condition in conditions(schema).get(name, []):
        if condition and _holds(data, condition):
            return "required_because", _because(props, condition)
    return "required", {}


def _compare(kind: str, value: date, limit: date) -> bool:
    return {"before": value < limit, "after": value > limit, "not_before": value >= limit,
            "not_after": value <= limit}[kind]


def check_rules(schema: Mapping[str, Any], data: Mapping[str, Any],
                today: date) -> list[dict[str, Any]]:
    """The rules ``data`` breaks: ``{field, code, params}`` each (``code`` is the rule kind,
    or ``required_because``). ``today`` is the engine's day in Berlin."""
    props = _properties(schema)
    errors: list[dict[str, Any]] = []
    for rule in rules_of(schema):
        kind, name = rule_kind(rule), rule.get("field")
        if kind is None or not isinstance(name, str) or name not in props:
            continue  # refused at deploy time; an older deployment may still carry one
        params: dict[str, Any] = {}
        if rule.get("message") is not None:
            params["custom"] = rule["message"]
        if kind == "required_if":
            condition = rule["required_if"]
            if isinstance(condition, Mapping) and _holds(data, condition) and \
                    data.get(name) in (None, "", []):
                errors.append({"field": name, "code": "required_because",
                               "params": {**_because(props, condition), **params}})
            continue
        value = as_day(data.get(name))
        reference = parse_reference(rule[kind]) if isinstance(rule[kind], str) else None
        limit = reference.resolve(data, today) if reference is not None else None
        if value is None or limit is None or reference is None or _compare(kind, value, limit):
            continue
        params |= {"limit": limit.isoformat(), "day": value.isoformat()}
        if reference.field is not None:
            params |= {"other": reference.field, "other_title": _title(props, reference.field)}
        elif reference == Reference():
            params["today"] = True
        errors.append({"field": name, "code": kind, "params": params})
    return errors


def page_rules(schema: Mapping[str, Any], today: date) -> dict[str, list[dict[str, Any]]]:
    """The date rules of a form for the page, per field: ``bound`` (``min``/``max``),
    ``strict`` (the limit itself is not allowed), and either ``limit`` (an ISO day, for rules
    relative to ``today``) or ``other`` (the field whose value is the limit); ``code`` and
    ``params`` name the message, as :func:`check_rules` would report it."""
    props = _properties(schema)
    found: dict[str, list[dict[str, Any]]] = {}
    for rule in rules_of(schema):
        kind, name = rule_kind(rule), rule.get("field")
        if kind not in COMPARISONS or not isinstance(name, str) or name not in props:
            continue
        reference = parse_reference(rule[kind]) if isinstance(rule[kind], str) else None
        if reference is None:
            continue
        entry: dict[str, Any] = {"bound": "min" if kind in ("after", "not_before") else "max",
                                 "strict": kind in ("before", "after"), "code": kind}
        params: dict[str, Any] = {}
        if rule.get("message") is not None:
            params["custom"] = rule["message"]
        if reference.field is not None:
            entry["other"] = reference.field
            params |= {"other": reference.field, "other_title": _title(props, reference.field)}
        else:
            limit = reference.resolve({}, today)
            entry["limit"] = limit.isoformat() if limit else None
            params["limit"] = entry["limit"]
            if reference == Reference():
                params["today"] = True
        entry["params"] = params
        found.setdefault(name, []).append(entry)
    return found
