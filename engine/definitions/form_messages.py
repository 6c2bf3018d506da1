"""Validation errors of task forms as codes with parameters, one entry per field.

Each problem of the JSON Schema check (:mod:`jsonschema`) and of the plausibility rules
(:mod:`engine.definitions.form_rules`) becomes ``{"field", "code", "params", "message"}``:
``code`` names the kind of problem (``required``, ``pattern``, ``format``, ``not_after``, …),
``params`` what a message needs (limits, the field's hint, the other field's title), and
``message`` the English text. The web layer translates ``code`` + ``params`` through its
catalogue (:func:`template_key` picks the text; the English texts here are its message ids).
Several problems of one field are merged into one entry: ``message`` joins them and
``problems`` lists each (only when there are several).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema

from engine.definitions.form_rules import (
    COMPARISONS,
    HINT_KEY,
    localized,
    required_error,
)

#: the English text of every message; the keys are what :func:`template_key` returns
TEMPLATES: dict[str, str] = {
    "required": "Please fill in this field.",
    "required_because": "Required because “%(because_value)s” is chosen for "
                        "“%(because_title)s”.",
    "type_number": "Please enter a number.",
    "type_integer": "Please enter a whole number.",
    "type_boolean": "Please choose yes or no.",
    "type_string": "Please enter a text.",
    "type_array": "Please give a list of entries.",
    "type": "The value has the wrong type.",
    "format_date": "Please enter a date as YYYY-MM-DD, e.g. 2027-03-01.",
    "format_date-time": "Please enter a date and time with time zone, "
                        "e.g. 2027-03-01T10:00+01:00.",
    "format_email": "Please enter an e-mail address, e.g. name@example.org.",
    "format": "Please enter a value in the form %(format)s.",
    "pattern_hint": "“%(value)s” does not fit: %(hint)s",
    "pattern": "“%(value)s” does not have the expected form.",
    "enum": "Please choose one of the options.",
    "const": "Only “%(expected)s” is possible here.",
    "minimum": "Please enter a number of at least %(limit)s.",
    "maximum": "Please enter a number of at most %(limit)s.",
    "exclusiveMinimum": "Please enter a number greater than %(limit)s.",
    "exclusiveMaximum": "Please enter a number less than %(limit)s.",
    "minLength": "Please enter at least %(limit)s characters.",
    "maxLength": "Please enter at most %(limit)s characters (now %(length)s).",
    "minItems_one": "Please give at least one entry.",
    "minItems": "Please give at least %(limit)s entries.",
    "maxItems": "Please give at most %(limit)s entries.",
    "uniqueItems": "Please give each entry only once.",
    "unknown_fields": "These fields are not part of the form: %(fields)s.",
    "before_field": "Please enter a date before “%(other_title)s” (%(limit)s).",
    "after_field": "Please enter a date after “%(other_title)s” (%(limit)s).",
    "not_before_field": "The date must not be before “%(other_title)s” (%(limit)s).",
    "not_after_field": "The date must not be after “%(other_title)s” (%(limit)s).",
    "before_today": "The date must lie in the past (today is %(limit)s).",
    "after_today": "The date must lie in the future (today is %(limit)s).",
    "not_before_today": "The date must not lie in the past (today is %(limit)s).",
    "not_after_today": "The date must not lie in the future (today is %(limit)s).",
    "before_day": "Please enter a date before %(limit)s.",
    "after_day": "Please enter a date after %(limit)s.",
    "not_before_day": "Please enter a date on or after %(limit)s.",
    "not_after_day": "Please enter a date on or before %(limit)s.",
    "invalid": "The value is not valid here.",
}
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def template_key(code: str, params: Mapping[str, Any]) -> str:
    """The key in :data:`TEMPLATES` of a problem (``invalid`` for a code without text)."""
    if code == "type":
        key = f"type_{params.get('expected')}"
    elif code == "format":
        key = f"format_{params.get('format')}"
    elif code == "pattern":
        key = "pattern_hint" if params.get("hint") else "pattern"
    elif code == "minItems":
        key = "minItems_one" if params.get("limit") == 1 else "minItems"
    elif code in COMPARISONS:
        key = f"{code}_field" if params.get("other") else (
            f"{code}_today" if params.get("today") else f"{code}_day")
    else:
        key = code
    if key in TEMPLATES:
        return key
    return code if code in TEMPLATES else "invalid"


def english(code: str, params: Mapping[str, Any]) -> str:
    """The English message of a problem (a rule's own ``message`` if it has one)."""
    custom = localized(params.get("custom"), "en")
    if custom:
        return custom
    values = {k: _plain(v) for k, v in params.items()}
    if isinstance(params.get("hint"), Mapping | str):
        values["hint"] = localized(params["hint"], "en") or ""
    if "because_label" in params:
        values["because_value"] = params["because_label"]
    return TEMPLATES[template_key(code, params)] % _Defaults(values)


class _Defaults(dict[str, Any]):
    """Format values; a parameter a text needs but a problem lacks shows as ``?``."""

    def __missing__(self, key: str) -> str:
        return "?"


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(_plain(v)) for v in value)
    return value


def _field_of(path: Iterable[Any], prefix: str) -> tuple[str, int | None]:
    """The field a problem belongs to (its path up to the first list index) and that index."""
    names: list[str] = []
    for part in path:
        if isinstance(part, int):
            return prefix + ".".join(names) if names else "(root)", part
        names.append(str(part))
    return (prefix + ".".join(names)) if names else "(root)", None


def _hint(schema: Mapping[str, Any], error: jsonschema.ValidationError) -> Any:
    """The ``x-hint`` of the failing (sub)schema, else of the top-level field."""
    own = error.schema if isinstance(error.schema, Mapping) else {}
    if own.get(HINT_KEY):
        return own[HINT_KEY]
    path = list(error.absolute_path)
    prop = (schema.get("properties") or {}).get(path[0]) if path else None
    return prop.get(HINT_KEY) if isinstance(prop, Mapping) else None


def describe(schema: Mapping[str, Any], error: jsonschema.ValidationError,
             data: Any, prefix: str = "") -> list[dict[str, Any]]:
    """The problems (``field``, ``code``, ``params``) of one jsonschema error."""
    field, item = _field_of(error.absolute_path, prefix)
    extra = {"item": item + 1} if item is not None else {}
    kind, value, instance = str(error.validator), error.validator_value, error.instance
    if kind == "required" and isinstance(instance, Mapping):
        missing = [k for k in value if k not in instance]
        base = field if field != "(root)" else prefix.rstrip(".")
        top = not list(error.absolute_path)
        found = []
        for key in missing:
            code, why = (required_error(schema, data, key) if top and isinstance(data, Mapping)
                         else ("required", {}))
            found.append({"field": ".".join(filter(None, [base, key])), "code": code,
                          "params": why})
        return found
    if kind == "additionalProperties" and isinstance(instance, Mapping):
        allowed = set(error.schema.get("properties") or {}) if isinstance(
            error.schema, Mapping) else set()
        unknown = sorted(k for k in instance if k not in allowed)
        return [{"field": field, "code": "unknown_fields", "params": {"fields": unknown}}]
    params: dict[str, Any] = dict(extra)
    if kind == "type":
        expected = value[0] if isinstance(value, list) and value else value
        params["expected"] = expected
    elif kind == "format":
        params["format"] = value
    elif kind == "pattern":
        params |= {"value": instance, "pattern": value}
        hint = _hint(schema, error)
        if hint:
            params["hint"] = hint
    elif kind == "enum":
        params["allowed"] = list(value)
    elif kind == "const":
        params["expected"] = value
    elif kind in BOUNDS or kind in ("minItems", "maxItems", "minLength"):
        params["limit"] = value
    elif kind == "maxLength":
        params |= {"limit": value, "length": len(instance) if isinstance(instance, str) else 0}
    elif kind not in TEMPLATES:
        params["detail"] = error.message
    return [{"field": field, "code": kind, "params": params}]


def merge(problems: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per field, in order of first appearance: ``message`` joins the English texts
    of its problems; ``problems`` lists them when there are several."""
    by_field: dict[str, list[dict[str, Any]]] = {}
    for problem in problems:
        entry = {"code": problem["code"], "params": problem["params"],
                 "message": english(problem["code"], problem["params"])}
        same = by_field.setdefault(problem["field"], [])
        if entry not in same:
            same.append(entry)
    merged = []
    for field, entries in by_field.items():
        first = entries[0]
        row = {"field": field, "code": first["code"], "params": first["params"],
               "message": " ".join(e["message"] for e in entries)}
        if len(entries) > 1:
            row["problems"] = entries
        merged.append(row)
    return merged
