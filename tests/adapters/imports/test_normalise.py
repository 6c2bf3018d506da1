"""Normalising what agencies write (adapters/imports/normalise.py): name keys, header keys,
dates, required fields, and the fingerprint that makes a row the same in CSV and XML."""

from __future__ import annotations

import unicodedata

import pytest

from adapters.imports import permits
from adapters.imports.model import ParsedRow, RowError
from adapters.imports.normalise import (
    clean,
    fingerprint,
    header_key,
    name_key,
    parse_date,
    person_columns,
    required,
)
from tests.adapters.imports_world import read

# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "key"), [
    ("Müller", "mueller"),
    ("MUELLER", "mueller"),
    ("Özdemir", "oezdemir"),
    ("OEZDEMIR", "oezdemir"),
    ("Gül", "guel"),
    ("Straße", "strasse"),
    ("STRASSE", "strasse"),
    ("Müller-Lüdenscheidt", "mueller luedenscheidt"),
    ("Mueller Luedenscheidt", "mueller luedenscheidt"),
    ("José", "jose"),
    ("Łukasz", "lukasz"),
    ("Ørsted", "orsted"),
    ("O'Brien", "o brien"),
    ("D’Angelo", "d angelo"),
    ("  Al - Sayed  ", "al sayed"),
    ("Haddad\u00a0Rana", "haddad rana"),  # a no-break space is a blank
])
def test_name_key(written: str, key: str) -> None:
    assert name_key(written) == key


def test_name_key_is_the_same_for_composed_and_decomposed_umlauts() -> None:
    composed = "Gül Özdemir"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert name_key(decomposed) == name_key(composed) == "guel oezdemir"


def test_different_names_keep_different_keys() -> None:
    assert name_key("Müller") != name_key("Muller")  # ü is ue, not u
    assert name_key("Haddad") != name_key("Hadad")


@pytest.mark.parametrize("written", ["Gültig bis", "Gueltig_bis", "GÜLTIG_BIS", " gueltig  bis "])
def test_header_key(written: str) -> None:
    assert header_key(written) == "gueltig_bis"


def test_clean_normalises_unicode_and_white_space() -> None:
    assert clean("  Gu\u0308l \t  Özdemir \n") == "Gül Özdemir"


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "iso"), [
    ("12.04.1990", "1990-04-12"),
    ("1.4.1990", "1990-04-01"),
    ("01.04.1990", "1990-04-01"),
    ("1990-04-12", "1990-04-12"),
    ("  12.04.1990 ", "1990-04-12"),
    ("29.02.2028", "2028-02-29"),
])
def test_parse_date_accepts_german_and_iso_dates(written: str, iso: str) -> None:
    assert parse_date(written, "Geburtsdatum") == (iso, None)


@pytest.mark.parametrize("written", ["12/04/1990", "12.04.90", "1990-4-12", "19900412",
                                     "12.04.1990 10:00", "April 12, 1990", "12-04-1990"])
def test_parse_date_names_the_column_for_other_forms(written: str) -> None:
    assert parse_date(written, "Datum") == (None, RowError(
        "Datum", "bad_date", "Datum is not a date (DD.MM.YYYY or YYYY-MM-DD)"))


@pytest.mark.parametrize("written", ["31.02.2027", "29.02.2027", "00.01.2027", "2027-13-01"])
def test_parse_date_refuses_days_that_do_not_exist(written: str) -> None:
    assert parse_date(written, "Gueltig_bis") == (None, RowError(
        "Gueltig_bis", "bad_date", "Gueltig_bis is not a calendar date"))


@pytest.mark.parametrize("written", ["", "   "])
def test_parse_date_of_an_empty_field_is_missing(written: str) -> None:
    assert parse_date(written, "Erteilt_am") == (None, RowError(
        "Erteilt_am", "missing", "Erteilt_am is empty"))


# --- required fields and the person ----------------------------------------------------------


def test_required() -> None:
    assert required("  Haddad  ", "Familienname") == ("Haddad", None)
    assert required(" \t", "Vorname") == ("", RowError("Vorname", "missing", "Vorname is empty"))
    assert required("x" * 100, "Vorname") == ("x" * 100, None)
    assert required("x" * 101, "Vorname") == ("", RowError(
        "Vorname", "too_long", "Vorname is longer than 100 characters"))


def test_person_columns_fill_the_row_and_return_its_errors() -> None:
    row = ParsedRow(line=2)
    errors = person_columns(row, " 8123456-423 ", "Haddad", "", "31.02.1990")
    assert (row.aktenzeichen, row.family_name, row.given_name, row.birth_date) == (
        "8123456-423", "Haddad", "", "")
    assert errors == [None, RowError("Vorname", "missing", "Vorname is empty"),
                      RowError("Geburtsdatum", "bad_date",
                               "Geburtsdatum is not a calendar date")]
    row = ParsedRow(line=3)
    assert person_columns(row, "A" * 50, "Tesfay", "Yonas", "1996-11-02") == [None, None, None]
    assert len(row.aktenzeichen) == 40 and row.birth_date == "1996-11-02"


# --- fingerprint -----------------------------------------------------------------------------


def permit_row(line: int, az: str, family: str, given: str,
               payload: dict[str, str]) -> ParsedRow:
    return ParsedRow(line=line, message="permit_issued", aktenzeichen=az, family_name=family,
                     given_name=given, birth_date="1985-07-20", payload=payload)


def test_the_same_row_written_differently_has_one_fingerprint() -> None:
    from_csv = permit_row(2, "8123456-500", "Müller-Lüdenscheidt", "Jürgen",
                          {"paragraph": "§25(1)", "valid_until": "2030-03-16",
                           "issued_on": "2027-03-17"})
    from_xml = permit_row(7, "8123456-500", "MUELLER LUEDENSCHEIDT", "juergen",
                          {"issued_on": "2027-03-17", "valid_until": "2030-03-16",
                           "paragraph": "§25(1)"})
    assert fingerprint(from_csv, "permits") == fingerprint(from_xml, "permits")
    assert len(fingerprint(from_csv, "permits")) == 64


def test_the_aktenzeichen_compares_without_case() -> None:
    upper = permit_row(2, "ST-1A2B-3C4D-5E6F", "Haddad", "Rana", {})
    lower = permit_row(2, "st-1a2b-3c4d-5e6f", "Haddad", "Rana", {})
    assert fingerprint(upper, "permits") == fingerprint(lower, "permits")


@pytest.mark.parametrize("change", [
    {"aktenzeichen": "8123456-501"},
    {"family_name": "Muller"},
    {"given_name": "Jurgen"},
    {"birth_date": "1985-07-21"},
    {"payload": {"paragraph": "§25(1)", "valid_until": "2030-03-17"}},
    {"message": "bamf_decision"},
    {"needs_alternative": True},
])
def test_any_real_difference_changes_the_fingerprint(change: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "line": 2, "message": "permit_issued", "aktenzeichen": "8123456-500",
        "family_name": "Müller", "given_name": "Jürgen", "birth_date": "1985-07-20",
        "payload": {"paragraph": "§25(1)", "valid_until": "2030-03-16"}}
    base = ParsedRow(**fields)  # type: ignore[arg-type]
    other = ParsedRow(**{**fields, **change})  # type: ignore[arg-type]
    assert fingerprint(base, "permits") != fingerprint(other, "permits")


def test_the_kind_is_part_of_the_fingerprint() -> None:
    row = permit_row(2, "8123456-500", "Müller", "Jürgen", {})
    assert fingerprint(row, "permits") != fingerprint(row, "decisions")


def test_the_line_number_is_not_part_of_the_fingerprint() -> None:
    payload = {"paragraph": "§25(1)", "valid_until": "2030-03-16"}
    assert fingerprint(permit_row(2, "", "Müller", "Jürgen", payload), "permits") == \
        fingerprint(permit_row(900, "", "Müller", "Jürgen", payload), "permits")


def test_haddad_in_the_csv_and_the_xml_list_is_one_row() -> None:
    csv_rows = permits.parse(read("permits_semicolon.csv"), "permits_semicolon.csv").rows
    xml_rows = permits.parse(read("permits.xml"), "permits.xml").rows
    from_csv, from_xml = csv_rows[0], xml_rows[0]
    assert (from_csv.line, from_xml.line) == (2, 3)
    assert from_csv.error is None and from_xml.error is None
    assert fingerprint(from_csv, "permits") == fingerprint(from_xml, "permits")
    assert fingerprint(csv_rows[1], "permits") != fingerprint(from_csv, "permits")
