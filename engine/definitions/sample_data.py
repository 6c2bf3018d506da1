"""Deterministic sample data from a JSON Schema, for test runs of drafts (no randomness).

The generator fills what a schema demands and nothing more: the required properties (also those
an ``if``/``then`` or the first ``oneOf``/``anyOf`` branch adds), each with

* the caller's choice for that field name, if one is given;
* else ``const``, ``default``, the first of ``examples``, the first ``enum`` value;
* else by type: dates are the simulated day (a field ending in ``_until`` or named
  ``end_date`` lies :data:`FUTURE_YEARS` years later), ``date-time`` the next day at 10:00
  Berlin time with its offset, e-mail ``testlauf@example.org``; numbers take ``minimum`` (or 0
  within ``maximum``); booleans ``false``; arrays ``minItems`` items (at least one); strings
  the word ``Testlauf``, or a short candidate that matches ``pattern``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

import jsonschema

from engine.law.lands import BERLIN

FUTURE_YEARS = 3
EMAIL = "testlauf@example.org"
TEXT = "Testlauf"
_PATTERN_CANDIDATES = (TEXT, "de", "ar", "a", "A1", "1", "0", "x1", "ST-0000")


def sample(schema: dict[str, Any] | None, today: date,
           choices: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return an object that satisfies ``schema`` (an object schema), or ``{}`` for none."""
    if not schema:
        return {}
    value = _object(schema, today, choices or {})
    return value if isinstance(value, dict) else {}


def _object(schema: dict[str, Any], today: date, choices: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = schema.get("properties") or {}
    data: dict[str, Any] = {}
    required = list(schema.get("required") or [])
    for branch_key in ("oneOf", "anyOf"):
        branches = schema.get(branch_key) or []
        if branches and isinstance(branches[0], dict):
            required += [r for r in branches[0].get("required") or [] if r not in required]
    for name in required:
        data[name] = _field(name, props.get(name) or {}, today, choices)
    for name, chosen in choices.items():  # an explicit choice of an optional field
        if name in props and name not in data:
            data[name] = chosen
    condition, then = schema.get("if"), schema.get("then")
    if isinstance(condition, dict) and isinstance(then, dict) \
            and jsonschema.Draft202012Validator(condition).is_valid(data):
        for name in then.get("required") or []:
            if name not in data:
                data[name] = _field(name, props.get(name) or {}, today, choices)
    return data


def _field(name: str, schema: dict[str, Any], today: date, choices: dict[str, Any]) -> Any:
    if name in choices:
        return choices[name]
    value = _value(schema, today, choices)
    if schema.get("format") == "date" and (name.endswith("_until") or name == "end_date"):
        return _add_years(today, FUTURE_YEARS).isoformat()
    return value


def _value(schema: dict[str, Any], today: date, choices: dict[str, Any]) -> Any:
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return _object(schema, today, choices)
    if kind == "array":
        return _array(schema, today, choices)
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "null":
        return None
    return _string(schema, today)


def _array(schema: dict[str, Any], today: date, choices: dict[str, Any]) -> list[Any]:
    items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
    count = max(int(schema.get("minItems", 1)), 1)
    if "maxItems" in schema:
        count = min(count, int(schema["maxItems"]))
    options = items.get("enum") if items else None
    if options:
        return [options[i % len(options)] for i in range(count)]
    return [_value(items or {}, today, choices) for _ in range(count)]


def _number(schema: dict[str, Any], kind: str) -> int | float:
    low = schema.get("minimum")
    if low is None and "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + 1
    value = low if low is not None else 0
    high = schema.get("maximum")
    if high is None and "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - 1
    if high is not None and value > high:
        value = high
    return int(value) if kind == "integer" else float(value)


def _string(schema: dict[str, Any], today: date) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return today.isoformat()
    if fmt == "date-time":
        moment = datetime.combine(today + timedelta(days=1), time(10, 0), tzinfo=BERLIN)
        return moment.isoformat(timespec="seconds")
    if fmt == "email":
        return EMAIL
    pattern = schema.get("pattern")
    candidates = _PATTERN_CANDIDATES if pattern else (TEXT,)
    for text in candidates:
        if pattern is None or re.search(pattern, text):
            return _fit(text, schema)
    return _fit(TEXT, schema)


def _fit(text: str, schema: dict[str, Any]) -> str:
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    if len(text) < low:
        text = text + "x" * (low - len(text))
    return text[:int(high)] if high is not None else text


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
