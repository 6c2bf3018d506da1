"""Validation errors of task forms in the reader's language.

The engine reports each invalid field as ``{"field", "code", "params", "message"}`` (English
``message``; see ``engine/definitions/form_messages.py``). Here ``code`` + ``params`` become
the text of the page's language (:func:`web.i18n.current_language`) or, in the API, of the
caller's ``Accept-Language`` (German when it prefers German, else English, as for the
``message`` of every error). The texts below are the catalogue's message ids and the same as
the engine's English texts (a test keeps them equal); a field's ``x-hint`` and a rule's own
``message`` may be written per language (``{"de": …, "en": …}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from babel.dates import format_date
from flask import request

from engine import form_message_key
from web.i18n import load_catalogue


def _(text: str) -> str:
    """Mark a message id for the catalogue (translated later, in the reader's language)."""
    return text


TEXTS: dict[str, str] = {
    "required": _("Please fill in this field."),
    "required_because": _("Required because “%(because_value)s” is chosen for "
                          "“%(because_title)s”."),
    "type_number": _("Please enter a number."),
    "type_integer": _("Please enter a whole number."),
    "type_boolean": _("Please choose yes or no."),
    "type_string": _("Please enter a text."),
    "type_array": _("Please give a list of entries."),
    "type": _("The value has the wrong type."),
    "format_date": _("Please enter a date as YYYY-MM-DD, e.g. 2027-03-01."),
    "format_date-time": _("Please enter a date and time with time zone, "
                          "e.g. 2027-03-01T10:00+01:00."),
    "format_email": _("Please enter an e-mail address, e.g. name@example.org."),
    "format": _("Please enter a value in the form %(format)s."),
    "pattern_hint": _("“%(value)s” does not fit: %(hint)s"),
    "pattern": _("“%(value)s” does not have the expected form."),
    "enum": _("Please choose one of the options."),
    "const": _("Only “%(expected)s” is possible here."),
    "minimum": _("Please enter a number of at least %(limit)s."),
    "maximum": _("Please enter a number of at most %(limit)s."),
    "exclusiveMinimum": _("Please enter a number greater than %(limit)s."),
    "exclusiveMaximum": _("Please enter a number less than %(limit)s."),
    "minLength": _("Please enter at least %(limit)s characters."),
    "maxLength": _("Please enter at most %(limit)s characters (now %(length)s)."),
    "minItems_one": _("Please give at least one entry."),
    "minItems": _("Please give at least %(limit)s entries."),
    "maxItems": _("Please give at most %(limit)s entries."),
    "uniqueItems": _("Please give each entry only once."),
    "unknown_fields": _("These fields are not part of the form: %(fields)s."),
    "before_field": _("Please enter a date before “%(other_title)s” (%(limit)s)."),
    "after_field": _("Please enter a date after “%(other_title)s” (%(limit)s)."),
    "not_before_field": _("The date must not be before “%(other_title)s” (%(limit)s)."),
    "not_after_field": _("The date must not be after “%(other_title)s” (%(limit)s)."),
    "before_today": _("The date must lie in the past (today is %(limit)s)."),
    "after_today": _("The date must lie in the future (today is %(limit)s)."),
    "not_before_today": _("The date must not lie in the past (today is %(limit)s)."),
    "not_after_today": _("The date must not lie in the future (today is %(limit)s)."),
    "before_day": _("Please enter a date before %(limit)s."),
    "after_day": _("Please enter a date after %(limit)s."),
    "not_before_day": _("Please enter a date on or after %(limit)s."),
    "not_after_day": _("Please enter a date on or before %(limit)s."),
    "invalid": _("The value is not valid here."),
}
FORM_INVALID = _("the form data is not valid")
DATE_CODES = ("before", "after", "not_before", "not_after")


def api_language() -> str:
    """The language of an API answer: ``de`` if Accept-Language prefers it, else ``en``."""
    return "de" if request.accept_languages.best_match(["en", "de"]) == "de" else "en"


def localized(text: Any, lang: str) -> str | None:
    """A text written in the form: plain, or ``{"de": …, "en": …}`` (the other language if
    ``lang`` is missing)."""
    if isinstance(text, str):
        return text
    if isinstance(text, Mapping):
        chosen = text.get(lang) or text.get("de") or text.get("en")
        return str(chosen) if chosen else None
    return None


def show_day(iso: Any, lang: str) -> str:
    """An ISO day as the reader writes it (``01.03.2027`` in German)."""
    try:
        return str(format_date(date.fromisoformat(str(iso)), "medium", locale=lang))
    except ValueError:
        return str(iso)


def _shown(value: Any, lang: str) -> str:
    gettext = load_catalogue(lang).gettext
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return ", ".join(_shown(v, lang) for v in value)
    return str(value)


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def problem_text(code: str, params: Mapping[str, Any], lang: str,
                 keep_limit: bool = False) -> str:
    """The text of one problem in ``lang`` (``keep_limit``: leave ``{limit}`` for the page's
    script to fill in)."""
    custom = localized(params.get("custom"), lang)
    if custom:
        return custom
    values = _Values({k: _shown(v, lang) for k, v in params.items()})
    if "hint" in params:
        values["hint"] = localized(params["hint"], lang) or ""
    if "because_label" in params:
        values["because_value"] = str(params["because_label"])
    if code in DATE_CODES:
        values["limit"] = "{limit}" if keep_limit else show_day(params.get("limit"), lang)
    template = TEXTS[form_message_key(code, params)]
    return load_catalogue(lang).gettext(template) % values


def translated(error: Mapping[str, Any], lang: str) -> str:
    """The message of one error entry in ``lang``: each of its problems, joined; an entry
    without ``code`` keeps its message."""
    if "code" not in error:
        return str(error.get("message", ""))
    problems = error.get("problems") or [error]
    return " ".join(problem_text(str(p["code"]), p.get("params") or {}, lang)
                    for p in problems)


def translate_errors(errors: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Error entries with their ``message`` (and each problem's) in ``lang``; ``code`` and
    ``params`` stay as the engine gave them."""
    out = []
    for error in errors:
        if "code" not in error:
            out.append(error)
            continue
        entry = {**error, "message": translated(error, lang)}
        if "problems" in error:
            entry["problems"] = [{**p, "message": problem_text(
                str(p["code"]), p.get("params") or {}, lang)} for p in error["problems"]]
        out.append(entry)
    return out


def has_codes(errors: list[dict[str, Any]]) -> bool:
    """True when the entries come from the form check (they carry codes to translate)."""
    return any("code" in e for e in errors)
