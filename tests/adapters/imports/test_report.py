"""The import report (adapters/imports/report.py): the stored summary and its truncation, the
full JSON and CSV downloads (safe against spreadsheet formulas), and the CLI lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.imports.report import (
    CSV_COLUMNS,
    STORED_PROBLEMS,
    csv_bytes,
    full_json,
    summary,
    text_summary,
)
from engine import FileInfo, RowInfo

UPLOADED = datetime(2027, 3, 17, 9, 30, tzinfo=UTC)


def file_info(rows: int, correlated: int, **changes: Any) -> FileInfo:
    counts = {"rows": rows, "correlated": correlated, "clarification": rows - correlated,
              "invalid": 0, "duplicate": 0}
    fields: dict[str, Any] = {
        "id": 7, "kind": "permits", "file_name": "abh_kw11.csv", "sha256": "ab" * 32,
        "file_format": "csv", "encoding": "utf-8", "separator": ";",
        "uploaded_by": "cw_eingangszone", "uploaded_at": UPLOADED, "status": "done",
        "counts": counts, "report": {}}
    fields.update(changes)
    return FileInfo(**fields)


def problem(line: int, detail: str | None = None, **changes: Any) -> RowInfo:
    fields: dict[str, Any] = {
        "line": line, "outcome": "clarification", "case_number": None,
        "message_name": "permit_issued", "reason": "no_match", "field": None, "detail": detail,
        "clarification_id": line * 10, "clarification_state": "open"}
    fields.update(changes)
    return RowInfo(**fields)


def read_back(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


# --- summary ---------------------------------------------------------------------------------


def test_summary_names_the_file_and_lists_the_problems_without_empty_fields() -> None:
    report = summary(file_info(3, 1), [problem(2), problem(3, "no case found")])
    assert {k: v for k, v in report.items() if k != "problems"} == {
        "file_id": 7, "kind": "permits", "file_name": "abh_kw11.csv", "sha256": "ab" * 32,
        "format": "csv", "encoding": "utf-8", "separator": ";",
        "counts": {"rows": 3, "correlated": 1, "clarification": 2, "invalid": 0,
                   "duplicate": 0},
        "problems_truncated": False}
    assert report["problems"] == [
        {"line": 2, "outcome": "clarification", "message_name": "permit_issued",
         "reason": "no_match", "clarification_id": 20, "clarification_state": "open"},
        {"line": 3, "outcome": "clarification", "message_name": "permit_issued",
         "reason": "no_match", "detail": "no case found", "clarification_id": 30,
         "clarification_state": "open"}]
    json.dumps(report)  # stored as JSON


def test_summary_keeps_the_first_problems_and_says_it_cut() -> None:
    rows = STORED_PROBLEMS + 500
    problems = [problem(n) for n in range(2, rows + 2)]
    report = summary(file_info(rows, 0), problems)
    assert len(report["problems"]) == STORED_PROBLEMS == 1000
    assert report["problems"][0]["line"] == 2
    assert report["problems"][-1]["line"] == STORED_PROBLEMS + 1
    assert report["problems_truncated"] is True


@pytest.mark.parametrize(("rows", "correlated", "problems", "truncated"), [
    (STORED_PROBLEMS, 0, STORED_PROBLEMS, False),      # exactly as many as are kept
    (STORED_PROBLEMS + 1, 1, STORED_PROBLEMS, False),  # the correlated row is no problem
    (STORED_PROBLEMS + 1, 0, STORED_PROBLEMS + 1, True),
    (5, 5, 0, False),
])
def test_truncation_at_the_limit(rows: int, correlated: int, problems: int,
                                 truncated: bool) -> None:
    report = summary(file_info(rows, correlated), [problem(n) for n in range(problems)])
    assert report["problems_truncated"] is truncated
    assert len(report["problems"]) == min(problems, STORED_PROBLEMS)


def test_a_xml_file_has_no_separator() -> None:
    report = summary(file_info(1, 1, file_format="xml", separator=None), [])
    assert (report["format"], report["separator"], report["problems"]) == ("xml", None, [])


# --- full JSON -------------------------------------------------------------------------------


def test_full_json_has_every_line_but_not_the_stored_excerpt() -> None:
    stored = summary(file_info(2, 1), [problem(3)])
    info = file_info(2, 1, report=stored)
    rows = [problem(2, outcome="correlated", reason=None, case_number="ST-1A2B-3C4D-0001",
                    clarification_id=None, clarification_state=None),
            problem(3, "Müller not found")]
    body = json.loads(full_json(info, rows).decode("utf-8"))
    assert "problems" not in body and "problems_truncated" not in body
    assert (body["file_name"], body["uploaded_by"], body["uploaded_at"], body["status"]) == (
        "abh_kw11.csv", "cw_eingangszone", "2027-03-17T09:30:00+00:00", "done")
    assert body["lines"] == [
        {"line": 2, "outcome": "correlated", "case_number": "ST-1A2B-3C4D-0001",
         "message_name": "permit_issued"},
        {"line": 3, "outcome": "clarification", "message_name": "permit_issued",
         "reason": "no_match", "detail": "Müller not found", "clarification_id": 30,
         "clarification_state": "open"}]
    assert "Müller".encode() in full_json(info, rows)  # not \u-escaped


# --- CSV -------------------------------------------------------------------------------------


def test_csv_has_a_bom_a_header_and_one_line_per_row() -> None:
    rows = [problem(2, outcome="correlated", reason=None, case_number="ST-1A2B-3C4D-0001",
                    clarification_id=None, clarification_state=None),
            problem(3, "Geburtsdatum is not a calendar date", outcome="invalid",
                    reason="bad_date", field="Geburtsdatum", clarification_id=None,
                    clarification_state=None, message_name=None)]
    table = read_back(csv_bytes(rows, "en"))
    assert table == [
        list(CSV_COLUMNS),
        ["2", "correlated", "ST-1A2B-3C4D-0001", "permit_issued", "", "", "", "", ""],
        ["3", "invalid", "", "", "bad_date", "Geburtsdatum",
         "Geburtsdatum is not a calendar date", "", ""]]


def test_csv_of_no_rows_is_the_header() -> None:
    assert read_back(csv_bytes([], "en")) == [list(CSV_COLUMNS)]
    assert read_back(csv_bytes([])) == [["Zeile", "Ergebnis", "Fallnummer", "Nachricht", "Grund",
                                         "Feld", "Details", "Klärung", "Stand der Klärung"]]


@pytest.mark.parametrize("detail", [
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
])
def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(detail: str) -> None:
    (_, line) = read_back(csv_bytes([problem(4, detail)]))
    assert line[CSV_COLUMNS.index("detail")] == "'" + detail


@pytest.mark.parametrize("detail", ["no case found", "Name = Haddad", "1+1", "'quoted'",
                                    "§25(2) without Alt. 1/2"])
def test_csv_cells_that_are_plain_text_stay_as_they_are(detail: str) -> None:
    (_, line) = read_back(csv_bytes([problem(4, detail)]))
    assert line[CSV_COLUMNS.index("detail")] == detail


def test_every_column_is_escaped_not_only_the_detail() -> None:
    row = problem(5, "ok", case_number="=cmd", field="+Familienname", reason="@x",
                  message_name="-m")
    (_, line) = read_back(csv_bytes([row]))
    values = dict(zip(CSV_COLUMNS, line, strict=True))
    assert (values["case_number"], values["field"], values["reason"],
            values["message_name"]) == ("'=cmd", "'+Familienname", "'@x", "'-m")


def test_separators_quotes_and_line_breaks_survive_the_round_trip() -> None:
    detail = 'Haddad; "Rana"\nzweite Zeile'
    (_, line) = read_back(csv_bytes([problem(6, detail)]))
    assert line[CSV_COLUMNS.index("detail")] == detail


# --- CLI lines -------------------------------------------------------------------------------


def test_text_summary_of_a_csv_import() -> None:
    report = summary(file_info(10, 6, counts={"rows": 10, "correlated": 6, "clarification": 2,
                                              "invalid": 1, "duplicate": 1}), [])
    assert text_summary(report, already=False) == [
        "import 7 (permits, csv, utf-8, separator ';')",
        "  rows 10: correlated 6, clarification 2, invalid 1, duplicate 1, kept for later 0"]


def test_text_summary_of_a_repeated_xml_import() -> None:
    report = summary(file_info(2, 2, file_format="xml", separator=None), [])
    assert text_summary(report, already=True)[0] == (
        "import 7 (permits, xml, utf-8): already imported, nothing changed")
