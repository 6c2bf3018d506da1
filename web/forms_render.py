"""Task forms: a user task's JSON Schema turned into HTML form fields, and posted values back
into typed JSON data for ``staffel.tasks.complete``.

Supported: ``string`` (``format: date`` -> date input, ``date-time`` -> local date and time in
Berlin, ``email`` -> email input, long strings -> text area), ``number``, ``integer``,
``boolean`` (yes/no radios, so "not answered" exists), ``enum`` or ``oneOf``/``const`` (radios
for up to four choices, else a select; enum labels may also be written in the description as
``value = Label; …``), arrays of such choices (check boxes) and arrays of free strings (one text
input, comma-separated). ``title`` is the label, ``description`` (else ``x-hint``) the hint.
Validation is the engine's: this module only converts types and mirrors the form's
plausibility rules in the inputs (``min``/``max``, ``data-rules``); the engine decides.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine import BERLIN, form_conditions, form_page_rules
from web.form_messages import localized, problem_text, translated
from web.i18n import current_language

RADIO_LIMIT = 4
TEXTAREA_FROM = 200  # maxLength from which a string gets a text area
LIST_SEPARATORS = re.compile(r"[,;\n]+")
_LABEL_PAIR = re.compile(r"([A-Za-z0-9_.-]+)\s*=\s*([^;]+)")


@dataclass
class Field:
    """One form field ready for the template."""

    name: str
    label: str
    widget: str  # text | email | textarea | date | datetime-local | number | radio | select
    #              checkboxes | list (several free entries in one text input)
    required: bool
    hint: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    value: str | list[str] = ""
    error: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    #: when the field is optional but required under conditions: JSON ``[{name: value}]``
    required_if: str = ""

    @property
    def id(self) -> str:
        """The HTML id of the input (or of the first radio / check box)."""
        return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.name)

    @property
    def described_by(self) -> str:
        """The value of ``aria-describedby``: hint and error ids, if any."""
        ids = [f"{self.id}-hint"] if self.hint else []
        if self.error:
            ids.append(f"{self.id}-error")
        return " ".join(ids)


def described_labels(prop: Mapping[str, Any]) -> dict[str, str] | None:
    """Labels of enum values written in the description as ``value = Label; …`` (the
    convention of ``bpmn/forms``), when every value has one; else None."""
    values = [str(v) for v in prop.get("enum") or []]
    text = str(prop.get("description") or "")
    pairs = dict(_LABEL_PAIR.findall(text))
    if not values or not all(v in pairs for v in values):
        return None
    return {v: pairs[v].strip() for v in values}


def _choices(prop: Mapping[str, Any]) -> list[tuple[Any, str]] | None:
    if isinstance(prop.get("enum"), list):
        labels = described_labels(prop) or {}
        return [(v, labels.get(str(v), str(v))) for v in prop["enum"]]
    variants = prop.get("oneOf") or prop.get("anyOf")
    if isinstance(variants, list) and variants and all("const" in v for v in variants):
        return [(v["const"], str(v.get("title", v["const"]))) for v in variants]
    return None


def _raw(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _field(name: str, prop: Mapping[str, Any], required: bool) -> Field | None:
    kind = prop.get("type")
    label = str(prop.get("title") or name)
    hint = str(prop["description"]) if prop.get("description") else None
    if described_labels(prop) is not None:
        hint = None  # the description only named the choices, which the options now show
    if hint is None:  # what to enter (x-hint), of the field or of its list entries
        own = prop.get("x-hint") or (prop.get("items") or {}).get("x-hint")
        hint = localized(own, current_language())
    f = Field(name, label, "text", required, hint)
    choices = _choices(prop)
    if kind == "array":
        items_prop = prop.get("items") or {}
        items = _choices(items_prop)
        if items is not None:
            f.widget, f.options = "checkboxes", [(_raw(v), t) for v, t in items]
        elif items_prop.get("type", "string") == "string":
            f.widget = "list"
            f.hint = " ".join(filter(None, [hint, _("Separate several entries with commas.")]))
        else:
            return None
        return f
    if choices is not None:
        f.options = [(_raw(v), t) for v, t in choices]
        f.widget = "radio" if len(choices) <= RADIO_LIMIT else "select"
    elif kind == "boolean":
        f.widget, f.options = "radio", [("true", _("Yes")), ("false", _("No"))]
    elif kind in ("number", "integer"):
        f.widget = "number"
        f.attrs["step"] = "1" if kind == "integer" else "any"
        f.attrs["inputmode"] = "numeric" if kind == "integer" else "decimal"
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if key in prop:
                f.attrs[attr] = _raw(prop[key])
    elif kind == "string" or kind is None:
        fmt = prop.get("format")
        if fmt == "date":
            f.widget = "date"
        elif fmt == "date-time":
            f.widget = "datetime-local"
        elif fmt == "email":
            f.widget = "email"
        elif int(prop.get("maxLength", 0)) >= TEXTAREA_FROM or prop.get("x-multiline"):
            f.widget = "textarea"
        if "maxLength" in prop:
            f.attrs["maxlength"] = str(prop["maxLength"])
    else:
        return None
    return f


def build_fields(schema: Mapping[str, Any] | None, values: Mapping[str, Any],
                 errors: Mapping[str, str] | None = None,
                 today: date | None = None) -> list[Field]:
    """Return the fields of a form, filled with ``values`` (raw strings or typed data).

    With ``today`` (the engine's day) the date inputs carry the form's plausibility rules:
    ``min``/``max`` for rules relative to today, and ``data-rules`` for the page's script
    (``static/js/form-rules.js``), which also follows rules between two fields.
    """
    if not schema:
        return []
    required = set(schema.get("required", []))
    rules = form_page_rules(schema, today) if today is not None else {}
    conditions = form_conditions(schema)
    fields = []
    for name, prop in (schema.get("properties") or {}).items():
        f = _field(name, prop if isinstance(prop, dict) else {}, name in required)
        if f is None:
            continue
        value = values.get(name)
        if f.widget == "checkboxes":
            f.value = [_raw(v) for v in value] if isinstance(value, list) else []
        elif f.widget == "list":
            f.value = ", ".join(map(_raw, value)) if isinstance(value, list) else _raw(value)
        elif f.widget == "datetime-local":
            f.value = local_datetime(value)
        else:
            f.value = _raw(value)
        f.error = (errors or {}).get(name)
        if name in rules and f.widget in ("date", "datetime-local"):
            _add_rules(f, rules[name])
        if not f.required and conditions.get(name):
            f.required_if = json.dumps(conditions[name])
        fields.append(f)
    return fields


def _add_rules(f: Field, rules: list[dict[str, Any]]) -> None:
    """``min``/``max`` from rules relative to today; every rule with its message (``{limit}``
    for the script to fill in) as ``data-rules``."""
    lang = current_language()
    entries = []
    for rule in rules:
        limit = rule.get("limit")
        if limit and not rule["strict"]:
            bound = limit if f.widget == "date" else (
                f"{limit}T00:00" if rule["bound"] == "min" else f"{limit}T23:59")
            current = f.attrs.get(rule["bound"])
            tighter = (current is None or (bound > current if rule["bound"] == "min"
                                           else bound < current))
            if tighter:
                f.attrs[rule["bound"]] = bound
        entries.append({"bound": rule["bound"], "strict": rule["strict"], "limit": limit,
                        "other": "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", rule["other"])
                        if rule.get("other") else None,
                        "message": problem_text(rule["code"], rule["params"], lang,
                                                keep_limit=True)})
    f.attrs["data-rules"] = json.dumps(entries, ensure_ascii=False)


def local_datetime(value: Any) -> str:
    """An ISO date-time with offset as Berlin wall time for ``<input type=datetime-local>``."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(BERLIN)
    return moment.strftime("%Y-%m-%dT%H:%M")


def zoned_datetime(text: str) -> str:
    """A ``datetime-local`` value (Berlin wall time) as ISO date-time with its offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # the engine reports the format error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BERLIN)
    return moment.isoformat()


def _number(text: str, kind: str) -> Any:
    candidate = text.replace(",", ".") if re.fullmatch(r"-?\d+,\d+", text) else text
    try:
        if kind == "integer" or re.fullmatch(r"-?\d+", candidate):
            return int(candidate)
        return float(candidate)
    except ValueError:
        return text  # the engine reports the type error next to the field


def _typed(prop: Mapping[str, Any], text: str) -> Any:
    choices = _choices(prop)
    if choices is not None:
        for value, _label in choices:
            if _raw(value) == text:
                return value
        return text
    kind = prop.get("type")
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if prop.get("format") == "date-time":
        return zoned_datetime(text)
    if kind in ("number", "integer"):
        return _number(text, str(kind))
    return text


def parse_form(schema: Mapping[str, Any] | None,
               form: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Turn posted values into typed data; also return the raw values to show them again.

    Empty inputs are left out, so a missing required value is reported by the engine.
    """
    data: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        prop = prop if isinstance(prop, dict) else {}
        if prop.get("type") == "array":
            items = prop.get("items") or {}
            if _choices(items) is None:  # free entries in one text input
                text = form.get(name, "").strip()
                raw[name] = text
                picked = [v.strip() for v in LIST_SEPARATORS.split(text) if v.strip()]
            else:
                picked = [v for v in form.getlist(name) if v != ""]
                raw[name] = picked
            if picked:
                data[name] = [_typed(items, v) for v in picked]
            continue
        text = form.get(name, "").strip()
        raw[name] = text
        if text != "":
            data[name] = _typed(prop, text)
    return data, raw


_MESSAGES = (
    (re.compile(r"^is required$"), lambda m: _("Please fill in this field.")),
    (re.compile(r"is not of type '(number|integer)'"), lambda m: _("Please enter a number.")),
    (re.compile(r"is not of type 'boolean'"), lambda m: _("Please choose yes or no.")),
    (re.compile(r"is not a '?date'?"), lambda m: _("Please enter a valid date.")),
    (re.compile(r"is not one of"), lambda m: _("Please choose one of the options.")),
    (re.compile(r"is too long"), lambda m: _("The text is too long.")),
    (re.compile(r"is (less than|greater than)"), lambda m: _("The number is out of range.")),
)


def explain(message: str) -> str:
    """Translate an engine validation message into plain words (the original if unknown)."""
    for pattern, text in _MESSAGES:
        match = pattern.search(message)
        if match:
            return text(match)
    return message


def field_errors(errors: list[dict[str, Any]],
                 names: set[str]) -> tuple[dict[str, str], list[str]]:
    """Split engine errors into per-field messages and general ones (not tied to a field)."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    for error in errors:
        name = str(error.get("field", "")).split(".")[0]
        message = (translated(error, current_language()) if "code" in error
                   else explain(str(error.get("message", ""))))
        if name in names and name not in by_field:
            by_field[name] = message
        elif name not in names:
            general.append(message if name in ("", "(root)") else f"{name}: {message}")
    return by_field, general
