"""The one CSV writer (adapters/csv_export.py): BOM, ``;``, CRLF, German and English cells,
formulas neutralised, text with separators and line breaks kept whole."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from adapters.csv_export import (
    check_language,
    csv_bytes,
    csv_text,
    format_cell,
    header,
    team_label,
)


def read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_bom_separator_and_crlf() -> None:
    data = csv_bytes([["a", "b"], [1, "x"]])
    assert data == "\ufeffa;b\r\n1;x\r\n".encode()
    assert csv_text([]) == "\ufeff"


@pytest.mark.parametrize(("value", "german", "english"), [
    (date(2027, 3, 4), "04.03.2027", "2027-03-04"),
    (datetime(2027, 3, 4, 9, 5), "04.03.2027 09:05", "2027-03-04T09:05"),
    (3, "3", "3"),
    (-2, "-2", "-2"),  # a number, not text: no apostrophe
    (2.5, "2,5", "2.5"),
    (Decimal("12.50"), "12,50", "12.50"),
    (None, "", ""),
    ("S1->S2", "S1->S2", "S1->S2"),
])
def test_cells_in_both_languages(value: object, german: str, english: str) -> None:
    assert (format_cell(value, "de"), format_cell(value, "en")) == (german, english)


@pytest.mark.parametrize("text", ["=1+1", "+49 30 1234", "-x", "@SUM(A1)", "\t=1", "\r=1",
                                  '=HYPERLINK("http://evil.example";"klick")'])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text: str) -> None:
    assert read_back(csv_bytes([[text]])) == [["'" + text]]


def test_separators_quotes_and_line_breaks_survive() -> None:
    text = 'Haddad; "Rana"\r\nzweite Zeile'
    assert read_back(csv_bytes([[text, "ü"]])) == [[text, "ü"]]


def test_headers_and_team_names() -> None:
    assert header([("Fällig am", "due_on")], "de") == ["Fällig am"]
    assert header([("Fällig am", "due_on")], "en") == ["due_on"]
    assert team_label("sozialamt", "de") == "Sozialamt (AsylbLG)"
    assert team_label("sozialamt", "en") == "Social welfare office (AsylbLG)"
    assert team_label("unknown_team", "de") == "unknown_team"
    assert team_label(None, "de") == ""


def test_an_unknown_language_is_refused() -> None:
    assert check_language("de") == "de"
    with pytest.raises(ValueError, match="lang must be one of de, en"):
        csv_text([["x"]], "fr")
