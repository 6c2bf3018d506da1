"""Integration course providers' reports -> ``course_started`` / ``course_result``.

CSV header: ``Aktenzeichen;Familienname;Vorname;Geburtsdatum;Meldung;Datum;Anwesenheit;DTZ;LiD``
(``Meldung`` = ``Kursbeginn`` or ``Ergebnis``; ``DTZ`` = ``unter A2``/``A2``/``B1``; ``LiD`` =
points of 33 or ``bestanden``/``nicht bestanden``; ``Anwesenheit`` in percent, checked but not
passed on, as no process step uses it). XML: ``adapters/schemas/courses.xsd``.
"""

from __future__ import annotations

from lxml import etree

from adapters.imports.detect import looks_like_xml, read_csv, read_xml, text_of
from adapters.imports.model import ParsedFile, ParsedRow, RowError
from adapters.imports.normalise import (
    NO,
    YES,
    clean,
    name_key,
    parse_date,
    person_columns,
)
from engine import DEFAULT_RULES, LegalRules, source_line

STARTED, RESULT = "course_started", "course_result"
HEADER = ("Aktenzeichen", "Familienname", "Vorname", "Geburtsdatum", "Meldung", "Datum",
          "Anwesenheit", "DTZ", "LiD")
REPORTS = {"kursbeginn": STARTED, "beginn": STARTED, "start": STARTED,
           "ergebnis": RESULT, "pruefungsergebnis": RESULT, "result": RESULT}
DTZ = {"unter a2": "below_A2", "unter_a2": "below_A2", "below_a2": "below_A2",
       "below a2": "below_A2", "<a2": "below_A2", "a2": "A2", "b1": "B1"}


def _lid(value: str, rules: LegalRules) -> tuple[bool | None, RowError | None]:
    text = clean(value).casefold()
    points = text.split("/")[0].strip()
    # ASCII digits only: str.isdigit() is also true for "²" or "١٧", which int() refuses or
    # reads as another number
    if points.isascii() and points.isdigit():
        score = int(points)
        if score > rules.lid_questions:
            return None, RowError("LiD", "bad_lid", f"LiD: more than {rules.lid_questions} "
                                                    "points")
        return score >= rules.lid_pass_min_score, None
    if text in YES:
        return True, None
    if text in NO:
        return False, None
    return None, RowError("LiD", "bad_lid" if text else "missing",
                          "LiD must be points (0-33) or bestanden / nicht bestanden")


def _attendance(value: str) -> RowError | None:
    text = clean(value).rstrip("%").strip().replace(",", ".")
    if not text:
        return None
    try:
        percent = float(text)
    except ValueError:
        percent = -1.0
    if not 0 <= percent <= 100:
        return RowError("Anwesenheit", "bad_attendance", "Anwesenheit must be 0 to 100 %")
    return None


def _row(line: int, values: list[str], rules: LegalRules) -> ParsedRow:
    row = ParsedRow(line=line)
    if len(values) != len(HEADER):
        row.error = RowError("row", "field_count",
                             f"expected {len(HEADER)} fields, found {len(values)}")
        return row
    az, family, given, birth, report, day, attendance, dtz, lid = values
    errors = person_columns(row, az, family, given, birth)
    row.message = REPORTS.get(name_key(report).replace(" ", ""), "")
    if not row.message:
        errors.append(RowError("Meldung", "bad_report", "Meldung must be Kursbeginn or "
                                                        "Ergebnis"))
    day_iso, err = parse_date(day, "Datum")
    errors.append(err)
    errors.append(_attendance(attendance))
    if row.message == RESULT:
        level = DTZ.get(clean(dtz).casefold())
        if level is None:
            errors.append(RowError("DTZ", "bad_dtz" if dtz.strip() else "missing",
                                   "DTZ must be unter A2, A2 or B1"))
        passed, err = _lid(lid, rules)
        errors.append(err)
        row.payload = {"dtz_level": level, "lid_passed": passed, "date": day_iso}
    else:
        row.payload = {"start_date": day_iso}
    row.error = next((e for e in errors if e is not None), None)
    if row.error is not None:
        row.payload = {}
    return row


def parse(data: bytes, file_name: str, rules: LegalRules = DEFAULT_RULES) -> ParsedFile:
    """Read a course provider's report, CSV or XML (by its first character)."""
    if looks_like_xml(data):
        root = read_xml(data, file_name, "courses")
        return ParsedFile("xml", "utf-8", None,
                          [_xml_row(el, rules) for el in root.iterchildren(tag=etree.Element)])
    found = read_csv(data, file_name, HEADER)
    return ParsedFile("csv", found.encoding, found.separator,
                      [_row(line, values, rules) for line, values in found.records])


def _xml_row(el: etree._Element, rules: LegalRules) -> ParsedRow:
    started = etree.QName(el).localname == "kursbeginn"
    person = [text_of(el, t) for t in ("aktenzeichen", "familienname", "vorname",
                                        "geburtsdatum")]
    points, passed = text_of(el, "lidPunkte"), text_of(el, "lidBestanden")
    lid = points or ("ja" if passed in ("true", "1") else "nein" if passed else "")
    values = [*person, "Kursbeginn" if started else "Ergebnis", text_of(el, "datum"),
              text_of(el, "anwesenheitProzent"), text_of(el, "dtzNiveau").replace("_", " "), lid]
    return _row(source_line(el) or 0, values, rules)
