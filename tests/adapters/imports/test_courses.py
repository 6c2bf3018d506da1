"""Course providers' reports (adapters/imports/courses.py): course start and results from CSV
and XML, LiD as points of 33 or bestanden / nicht bestanden, and the values that make a line
invalid."""

from __future__ import annotations

import re

import pytest

from adapters.imports import courses
from adapters.imports.courses import HEADER, RESULT, STARTED
from adapters.imports.model import ImportRejected, ParsedRow, RowError
from engine import DEFAULT_RULES, LegalRules
from tests.adapters.imports_world import read

COURSES_NS = "urn:staffel:import:courses:1"
PERSON = ";Haddad;Rana;12.04.1990"


def parse_csv(*lines: str, rules: LegalRules = DEFAULT_RULES) -> list[ParsedRow]:
    data = "\n".join([";".join(HEADER), *lines, ""]).encode()
    parsed = courses.parse(data, "kurs.csv", rules)
    assert (parsed.file_format, parsed.separator) == ("csv", ";")
    return parsed.rows


def result_line(lid: str = "17", dtz: str = "B1", attendance: str = "") -> str:
    return f"{PERSON};Ergebnis;10.12.2027;{attendance};{dtz};{lid}"


def one(line: str, rules: LegalRules = DEFAULT_RULES) -> ParsedRow:
    (row,) = parse_csv(line, rules=rules)
    return row


def xml_file(*reports: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<kursmeldungen xmlns="{COURSES_NS}">\n'
            + "\n".join(reports) + "\n</kursmeldungen>\n").encode()


XML_PERSON = ("<familienname>Haddad</familienname><vorname>Rana</vorname>"
              "<geburtsdatum>1990-04-12</geburtsdatum>")


# --- the example files -----------------------------------------------------------------------


def test_the_example_csv() -> None:
    parsed = courses.parse(read("courses.csv"), "courses.csv")
    assert (parsed.file_format, parsed.encoding, parsed.separator) == ("csv", "utf-8", ";")
    started, unknown, result, other = parsed.rows
    assert (started.line, started.message, started.error) == (2, STARTED, None)
    assert started.payload == {"start_date": "2027-05-03"}
    assert (started.family_name, started.given_name, started.birth_date) == (
        "Haddad", "Rana", "1990-04-12")
    assert (unknown.line, unknown.error) == (3, None)  # matching decides, not parsing
    assert (result.line, result.message, result.payload) == (4, RESULT, {})
    assert result.error == RowError("Anwesenheit", "bad_attendance",
                                    "Anwesenheit must be 0 to 100 %")
    assert (other.line, other.message, other.payload) == (5, "", {})
    assert other.error == RowError("Meldung", "bad_report",
                                   "Meldung must be Kursbeginn or Ergebnis")


def test_the_example_xml() -> None:
    parsed = courses.parse(read("courses_result.xml"), "courses_result.xml")
    assert (parsed.file_format, parsed.encoding, parsed.separator) == ("xml", "utf-8", None)
    (row,) = parsed.rows
    assert (row.message, row.error, row.aktenzeichen, row.birth_date) == (
        RESULT, None, "", "1990-04-12")
    assert row.payload == {"dtz_level": "B1", "lid_passed": True, "date": "2027-12-10"}


# --- LiD -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lid", "passed"), [
    ("33", True),
    ("17", True),
    ("15", True),      # the lowest passing score (IntV)
    ("14", False),
    ("0", False),
    ("17/33", True),
    ("14 / 33", False),
    ("bestanden", True),
    ("Bestanden", True),
    (" BESTANDEN ", True),
    ("ja", True),
    ("passed", True),
    ("nicht bestanden", False),
    ("Nicht  bestanden", False),
    ("nein", False),
    ("failed", False),
])
def test_lid_as_points_or_passed(lid: str, passed: bool) -> None:
    row = one(result_line(lid=lid))
    assert row.error is None
    assert row.payload == {"dtz_level": "B1", "lid_passed": passed, "date": "2027-12-10"}


def test_points_mean_points_not_yes_or_no() -> None:
    # "1" and "0" are yes/no elsewhere; for LiD they are scores
    assert one(result_line(lid="1")).payload["lid_passed"] is False


def test_the_passing_score_comes_from_the_legal_rules() -> None:
    stricter = DEFAULT_RULES.with_overrides(lid_pass_min_score=20)
    assert one(result_line(lid="17"), stricter).payload["lid_passed"] is False
    assert one(result_line(lid="20"), stricter).payload["lid_passed"] is True
    assert one(result_line(lid="bestanden"), stricter).payload["lid_passed"] is True


@pytest.mark.parametrize(("lid", "error"), [
    ("34", RowError("LiD", "bad_lid", "LiD: more than 33 points")),
    ("99/33", RowError("LiD", "bad_lid", "LiD: more than 33 points")),
    ("-3", RowError("LiD", "bad_lid",
                    "LiD must be points (0-33) or bestanden / nicht bestanden")),
    ("17,5", RowError("LiD", "bad_lid",
                      "LiD must be points (0-33) or bestanden / nicht bestanden")),
    ("vielleicht", RowError("LiD", "bad_lid",
                            "LiD must be points (0-33) or bestanden / nicht bestanden")),
    ("", RowError("LiD", "missing",
                  "LiD must be points (0-33) or bestanden / nicht bestanden")),
])
def test_bad_lid_values_make_the_line_invalid(lid: str, error: RowError) -> None:
    row = one(result_line(lid=lid))
    assert row.error == error
    assert row.payload == {}


@pytest.mark.parametrize("lid", ["²", "١٧"])
def test_a_non_ascii_digit_is_a_bad_lid_not_a_crash(lid: str) -> None:
    row = one(result_line(lid=lid))
    assert row.error is not None and row.error.reason == "bad_lid"


# --- DTZ, attendance, report type, dates -----------------------------------------------------


@pytest.mark.parametrize(("dtz", "level"), [("B1", "B1"), ("b1", "B1"), ("A2", "A2"),
                                            ("unter A2", "below_A2"), ("Unter_A2", "below_A2"),
                                            ("<A2", "below_A2")])
def test_dtz_levels(dtz: str, level: str) -> None:
    assert one(result_line(dtz=dtz)).payload["dtz_level"] == level


@pytest.mark.parametrize(("dtz", "reason"), [("C1", "bad_dtz"), ("B2", "bad_dtz"),
                                             ("", "missing")])
def test_bad_dtz_values_make_the_line_invalid(dtz: str, reason: str) -> None:
    row = one(result_line(dtz=dtz))
    assert row.error == RowError("DTZ", reason, "DTZ must be unter A2, A2 or B1")
    assert row.payload == {}


@pytest.mark.parametrize("attendance", ["", "0", "100", "92,5", "92.5 %", "87%"])
def test_attendance_is_checked_but_not_passed_on(attendance: str) -> None:
    row = one(result_line(attendance=attendance))
    assert row.error is None and "attendance" not in str(row.payload)


@pytest.mark.parametrize("attendance", ["120", "-1", "100,1", "viel", "n/a"])
def test_bad_attendance_makes_the_line_invalid(attendance: str) -> None:
    assert one(result_line(attendance=attendance)).error == RowError(
        "Anwesenheit", "bad_attendance", "Anwesenheit must be 0 to 100 %")


@pytest.mark.parametrize(("report", "message"), [
    ("Kursbeginn", STARTED), ("kurs beginn", STARTED), ("Beginn", STARTED), ("start", STARTED),
    ("Ergebnis", RESULT), ("Prüfungsergebnis", RESULT), ("Pruefungsergebnis", RESULT),
])
def test_report_types(report: str, message: str) -> None:
    row = one(f"{PERSON};{report};10.12.2027;;B1;17")
    assert (row.message, row.error) == (message, None)


def test_a_course_start_ignores_the_result_columns() -> None:
    row = one(f"{PERSON};Kursbeginn;03.05.2027;;C1;vielleicht")
    assert row.error is None
    assert row.payload == {"start_date": "2027-05-03"}


def test_a_bad_date_makes_the_line_invalid() -> None:
    row = one(f"{PERSON};Kursbeginn;31.04.2027;;;")
    assert row.error == RowError("Datum", "bad_date", "Datum is not a calendar date")
    assert row.payload == {}


def test_the_person_columns_are_checked_first() -> None:
    row = one(";Haddad;;12.04.1990;Ergebnis;10.12.2027;120;C1;99")
    assert row.error == RowError("Vorname", "missing", "Vorname is empty")


def test_a_line_with_too_few_fields_is_invalid() -> None:
    row = one(f"{PERSON};Ergebnis;10.12.2027")
    assert row.error == RowError("row", "field_count", "expected 9 fields, found 6")
    assert (row.message, row.payload) == ("", {})


def test_a_wrong_header_rejects_the_file() -> None:
    with pytest.raises(ImportRejected, match=re.escape(
            "kurs.csv: file rejected: wrong header: expected " + ";".join(HEADER))):
        courses.parse(read("permits_semicolon.csv"), "kurs.csv")


# --- XML -------------------------------------------------------------------------------------


def test_xml_course_start_and_lid_as_passed_or_failed() -> None:
    data = xml_file(
        f"<kursbeginn><aktenzeichen>8123456-423</aktenzeichen>{XML_PERSON}"
        "<datum>2027-05-03</datum></kursbeginn>",
        f"<ergebnis>{XML_PERSON}<datum>2027-12-10</datum><dtzNiveau>unter_A2</dtzNiveau>"
        "<lidBestanden>false</lidBestanden></ergebnis>",
        f"<ergebnis>{XML_PERSON}<datum>2027-12-11</datum><dtzNiveau>A2</dtzNiveau>"
        "<lidBestanden>1</lidBestanden></ergebnis>",
        f"<ergebnis>{XML_PERSON}<datum>2027-12-12</datum><dtzNiveau>B1</dtzNiveau>"
        "<lidPunkte>14</lidPunkte></ergebnis>")
    started, failed, passed, points = courses.parse(data, "kurs.xml").rows
    assert (started.message, started.aktenzeichen, started.payload, started.error) == (
        STARTED, "8123456-423", {"start_date": "2027-05-03"}, None)
    assert failed.payload == {"dtz_level": "below_A2", "lid_passed": False,
                              "date": "2027-12-10"}
    assert passed.payload == {"dtz_level": "A2", "lid_passed": True, "date": "2027-12-11"}
    assert points.payload == {"dtz_level": "B1", "lid_passed": False, "date": "2027-12-12"}
    assert [r.line for r in (started, failed, passed, points)] == [3, 4, 5, 6]


def test_xml_with_more_than_33_points_is_rejected_by_the_schema() -> None:
    data = xml_file(f"<ergebnis>{XML_PERSON}<datum>2027-12-10</datum><dtzNiveau>B1</dtzNiveau>"
                    "<lidPunkte>34</lidPunkte></ergebnis>")
    with pytest.raises(ImportRejected, match=re.escape(
            "kurs.xml: file rejected: does not match courses.xsd: ")):
        courses.parse(data, "kurs.xml")
