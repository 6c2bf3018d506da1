"""One writer for every CSV download: files a German spreadsheet opens without an import dialog.

Every CSV the app hands out (the dashboard's overdue list, the statistics on the page, the API
and the command line, the import report on the page and the API) is written here:

* UTF-8 **with BOM** (Excel reads UTF-8 only with it; ``utf-8-sig`` reads it back),
* ``;`` as separator (German Excel's list separator: the decimal comma is taken),
* CRLF line ends, quoting only where a cell needs it,
* no cell a spreadsheet would run as a formula: text starting with ``=``, ``+``, ``-``, ``@``,
  tab or carriage return gets a leading ``'`` (numbers and dates written here are never text),
* German (``de``): German headers, German team names, dates ``TT.MM.JJJJ``, decimal comma;
  English (``en``): English headers and team names, ISO dates ``JJJJ-MM-TT``, decimal point.

Callers pass cells as Python values (``str``, ``int``, ``float``/``Decimal``, ``date``,
``None``); :func:`csv_bytes` formats them for the language. Team keys become names with
:func:`team_label` before that.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from engine import get_team

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
SEPARATOR = ";"
BOM = "\ufeff"
MIMETYPE = "text/csv"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: a column's header as (German, English)
Column = tuple[str, str]


def check_language(lang: str) -> str:
    """``lang`` if it is ``de`` or ``en``; ValueError otherwise."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    return lang


def pick(pair: tuple[str, str], lang: str) -> str:
    """The German or the English of a (German, English) pair."""
    return pair[0] if lang == "de" else pair[1]


def header(columns: Sequence[Column], lang: str) -> list[str]:
    """The header row of ``columns`` in ``lang``."""
    return [pick(column, lang) for column in columns]


def team_label(key: str | None, lang: str) -> str:
    """A team's name from the team registry in ``lang``; an unknown key stays as it is."""
    if not key:
        return ""
    try:
        team = get_team(key)
    except KeyError:
        return key
    return team.name_de if lang == "de" else team.name_en


def safe_text(value: object) -> str:
    """Text that spreadsheet programs do not run as a formula (a leading ``'`` if needed)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def format_cell(value: object, lang: str) -> str:
    """One cell in ``lang``: numbers and dates formatted, text made safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return safe_text(value)
    if isinstance(value, datetime):
        return (value.strftime("%d.%m.%Y %H:%M") if lang == "de"
                else value.isoformat(timespec="minutes"))
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y") if lang == "de" else value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        text = format(value, "f") if isinstance(value, Decimal) else repr(value)
        return text.replace(".", ",") if lang == "de" else text
    return safe_text(value)


def csv_text(rows: Iterable[Sequence[object]], lang: str = DEFAULT_LANGUAGE) -> str:
    """The rows (header first) as CSV text with BOM, ``;`` and CRLF (see the module doc)."""
    check_language(lang)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerows([format_cell(v, lang) for v in row] for row in rows)
    return out.getvalue()


def csv_bytes(rows: Iterable[Sequence[object]], lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The rows as the bytes of a download (UTF-8 with BOM)."""
    return csv_text(rows, lang).encode("utf-8")
