"""Normalising what agencies write: names (Unicode, case, umlauts), dates, yes/no."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import date

from adapters.imports.model import ParsedRow, RowError
from engine import name_key  # lives in the engine: the case search compares names too

_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def clean(value: str) -> str:
    """NFC-normalised text with surrounding and repeated white space removed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def header_key(value: str) -> str:
    """A column title as a key: ``Gültig bis`` and ``Gueltig_bis`` both become ``gueltig_bis``."""
    return name_key(value.replace("_", " ")).replace(" ", "_")


def parse_date(value: str, column: str) -> tuple[str | None, RowError | None]:
    """``DD.MM.YYYY`` or ISO ``YYYY-MM-DD`` -> ISO; an error naming the column otherwise."""
    text = value.strip()
    if not text:
        return None, RowError(column, "missing", f"{column} is empty")
    found = _GERMAN_DATE.fullmatch(text)
    parts: tuple[str, str, str] | None = None
    if found:
        parts = (found.group(3), found.group(2), found.group(1))
    else:
        iso = _ISO_DATE.fullmatch(text)
        if iso:
            parts = (iso.group(1), iso.group(2), iso.group(3))
    if parts is None:
        return None, RowError(column, "bad_date",
                              f"{column} is not a date (DD.MM.YYYY or YYYY-MM-DD)")
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat(), None
    except ValueError:
        return None, RowError(column, "bad_date", f"{column} is not a calendar date")


def required(value: str, column: str, max_length: int = 100) -> tuple[str, RowError | None]:
    """A required text field, cleaned; an error when empty or too long."""
    text = clean(value)
    if not text:
        return "", RowError(column, "missing", f"{column} is empty")
    if len(text) > max_length:
        return "", RowError(column, "too_long", f"{column} is longer than {max_length} characters")
    return text, None


YES = {"ja", "j", "yes", "y", "true", "1", "bestanden", "x", "passed"}
NO = {"nein", "n", "no", "false", "0", "nicht bestanden", "failed", "not passed"}


def person_columns(row: ParsedRow, aktenzeichen: str, family: str, given: str,
                   birth: str) -> list[RowError | None]:
    """Fill the columns every list shares (Aktenzeichen, names, date of birth) into ``row``;
    return the errors found (``None`` where a column is fine)."""
    row.aktenzeichen = clean(aktenzeichen)[:40]
    row.family_name, family_error = required(family, "Familienname")
    row.given_name, given_error = required(given, "Vorname")
    birth_iso, birth_error = parse_date(birth, "Geburtsdatum")
    row.birth_date = birth_iso or ""
    return [family_error, given_error, birth_error]


def fingerprint(row: ParsedRow, kind: str) -> str:
    """sha256 of the normalised row: the same row in any file (CSV or XML) hashes alike."""
    body = [kind, row.message, row.aktenzeichen.upper(), name_key(row.family_name),
            name_key(row.given_name), row.birth_date, sorted(row.payload.items()),
            row.needs_alternative]
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
