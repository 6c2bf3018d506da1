"""The import report: counts, encoding/separator, and each line that was not correlated
(line number, outcome, reason code, column, detail). Stored with the file (the first
:data:`STORED_PROBLEMS` problem lines) and downloadable in full as JSON or CSV, built from the
line rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from adapters import csv_export
from engine import FileInfo, RowInfo

STORED_PROBLEMS = 1000
CSV_COLUMNS = ("line", "outcome", "case_number", "message_name", "reason", "field", "detail",
               "clarification_id", "clarification_state")
#: the CSV's headers (German, English); the values are the report's codes in both languages
CSV_HEADERS: dict[str, csv_export.Column] = {
    "line": ("Zeile", "line"), "outcome": ("Ergebnis", "outcome"),
    "case_number": ("Fallnummer", "case_number"), "message_name": ("Nachricht", "message_name"),
    "reason": ("Grund", "reason"), "field": ("Feld", "field"), "detail": ("Details", "detail"),
    "clarification_id": ("Klärung", "clarification_id"),
    "clarification_state": ("Stand der Klärung", "clarification_state")}


def _line(row: RowInfo) -> dict[str, Any]:
    return {k: v for k, v in asdict(row).items() if v is not None}


def summary(file: FileInfo, problems: list[RowInfo]) -> dict[str, Any]:
    """The report stored with the file."""
    return {"file_id": file.id, "kind": file.kind, "file_name": file.file_name,
            "sha256": file.sha256, "format": file.file_format, "encoding": file.encoding,
            "separator": file.separator, "counts": file.counts,
            "problems": [_line(p) for p in problems[:STORED_PROBLEMS]],
            "problems_truncated": file.counts["rows"] - file.counts["correlated"]
            - file.counts.get("buffered", 0)
            > len(problems[:STORED_PROBLEMS])}


def full_json(file: FileInfo, rows: list[RowInfo]) -> bytes:
    """The whole report as JSON: the summary plus every line."""
    body = {k: v for k, v in file.report.items() if k not in ("problems",
                                                               "problems_truncated")}
    body.update({"file_id": file.id, "uploaded_by": file.uploaded_by,
                 "uploaded_at": file.uploaded_at.isoformat(), "status": file.status,
                 "counts": file.counts, "lines": [_line(r) for r in rows]})
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


def csv_bytes(rows: list[RowInfo], lang: str = csv_export.DEFAULT_LANGUAGE) -> bytes:
    """Every line as CSV (:mod:`adapters.csv_export`: UTF-8 with BOM, ``;``, safe against
    spreadsheet formulas), headers in ``lang``."""
    table: list[Sequence[object]] = [csv_export.header([CSV_HEADERS[c] for c in CSV_COLUMNS], lang)]
    for row in rows:
        values = asdict(row)
        table.append([values[c] for c in CSV_COLUMNS])
    return csv_export.csv_bytes(table, lang)


def text_summary(result_report: dict[str, Any], already: bool) -> list[str]:
    """Lines for the CLI summary."""
    counts = result_report.get("counts", {})
    head = (f"import {result_report.get('file_id')} ({result_report.get('kind')}, "
            f"{result_report.get('format')}, {result_report.get('encoding')}"
            + (f", separator {result_report['separator']!r}" if result_report.get("separator")
               else "") + ")")
    lines = [head + (": already imported, nothing changed" if already else "")]
    lines.append(f"  rows {counts.get('rows', 0)}: correlated {counts.get('correlated', 0)}, "
                 f"clarification {counts.get('clarification', 0)}, "
                 f"invalid {counts.get('invalid', 0)}, duplicate {counts.get('duplicate', 0)}, "
                 f"kept for later {counts.get('buffered', 0)}")
    return lines
