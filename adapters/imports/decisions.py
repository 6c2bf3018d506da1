"""BAMF decisions (Bescheide) -> ``bamf_decision``, as CSV or XML.

CSV header (``;`` or ``,``):
``Aktenzeichen;Familienname;Vorname;Geburtsdatum;Entscheidung;Bescheiddatum;Zugestellt_am;Zur_Post_gegeben_am``
with exactly one of ``Zugestellt_am`` (formal service) and ``Zur_Post_gegeben_am`` (posted
letter, deemed notification); XML: ``adapters/schemas/decisions.xsd``. The German decision
codes become the outcome values of ``bpmn/messages/bamf_decision.schema.json``; umlauts may be
written or spelt out (``unzulässig`` = ``unzulaessig``), case, blanks and ``_`` do not matter,
and the schema's own values are taken as they are.
"""

from __future__ import annotations

import re

from lxml import etree

from adapters.imports.detect import looks_like_xml, read_csv, read_xml, text_of
from adapters.imports.model import ParsedFile, ParsedRow, RowError
from adapters.imports.normalise import clean, parse_date, person_columns
from engine import name_key, source_line

MESSAGE = "bamf_decision"
HEADER = ("Aktenzeichen", "Familienname", "Vorname", "Geburtsdatum", "Entscheidung",
          "Bescheiddatum", "Zugestellt_am", "Zur_Post_gegeben_am")
#: The codes of ``decisions.xsd`` (ASCII spelling) and the outcome each one stands for.
OUTCOMES = {
    "asylberechtigung": "asylum",
    "fluechtlingseigenschaft": "refugee",
    "subsidiaerer_schutz": "subsidiary",
    "abschiebungsverbot": "deportation_ban",
    "ablehnung": "rejected",
    "offensichtlich_unbegruendet": "rejected_manifestly_unfounded",
    "unzulaessig": "inadmissible",
    "dublin": "dublin",
}
#: Other ways the office writes a decision in a CSV list.
SPELLINGS = {
    "asyl": "asylum",
    "abgelehnt": "rejected",
    "fluechtlingsschutz": "refugee",
    "subsidiaer": "subsidiary",
    "unzulaessigkeit": "inadmissible",
    "dublinverfahren": "dublin",
}


def outcome_key(value: str) -> str:
    """A decision as compared: ``Unzulässig``, ``unzulaessig`` and ``UN-ZULÄSSIG`` alike."""
    return re.sub(r"[^a-z0-9]", "", name_key(value))


_KNOWN = {outcome_key(code): outcome
          for code, outcome in [*OUTCOMES.items(), *SPELLINGS.items()]}
_KNOWN |= {outcome_key(outcome): outcome for outcome in OUTCOMES.values()}


def outcome_of(value: str) -> str | None:
    """The ``bamf_decision`` outcome a written decision stands for, or None."""
    return _KNOWN.get(outcome_key(value))


def _decision(row: ParsedRow, errors: list[RowError | None], outcome_text: str,
              decided_text: str, served_text: str, posted_text: str,
              columns: tuple[str, str, str, str]) -> None:
    """Check the decision columns and fill ``row.payload`` (``columns``: the names of the
    outcome, decision date, served and posted columns in this format)."""
    outcome_col, decided_col, served_col, posted_col = columns
    outcome = outcome_of(outcome_text)
    if not clean(outcome_text):
        errors.append(RowError(outcome_col, "missing", f"{outcome_col} is empty"))
    elif outcome is None:
        errors.append(RowError(outcome_col, "bad_outcome", f"{outcome_col} is not one of "
                               + ", ".join(OUTCOMES)))
    decided, err = parse_date(decided_text, decided_col)
    errors.append(err)
    if served_text.strip() and posted_text.strip():
        errors.append(RowError(served_col, "both_notified",
                               f"give {served_col} or {posted_col}, not both"))
    key, column = ("served_on", served_col) if served_text.strip() else ("posted_on",
                                                                         posted_col)
    notified, err = parse_date(served_text or posted_text, column)
    errors.append(err)
    if decided and notified and notified < decided:
        errors.append(RowError(column, "notified_before_decision",
                               f"{column} lies before {decided_col}"))
    row.error = next((e for e in errors if e is not None), None)
    if row.error is None and outcome and decided and notified:
        row.payload = {"outcome": outcome, "decision_date": decided, key: notified}


def _row(line: int, values: list[str]) -> ParsedRow:
    row = ParsedRow(line=line, message=MESSAGE)
    if len(values) != len(HEADER):
        row.error = RowError("row", "field_count",
                             f"expected {len(HEADER)} fields, found {len(values)}")
        return row
    az, family, given, birth, outcome, decided, served, posted = values
    errors = person_columns(row, az, family, given, birth)
    _decision(row, errors, outcome, decided, served, posted,
              ("Entscheidung", "Bescheiddatum", "Zugestellt_am", "Zur_Post_gegeben_am"))
    return row


def _xml_row(el: etree._Element) -> ParsedRow:
    row = ParsedRow(line=source_line(el) or 0, message=MESSAGE)
    values = [text_of(el, tag) for tag in ("aktenzeichen", "familienname", "vorname",
                                            "geburtsdatum")]
    errors = person_columns(row, *values)
    _decision(row, errors, text_of(el, "entscheidung"), text_of(el, "bescheiddatum"),
              text_of(el, "zugestelltAm"), text_of(el, "zurPostGegebenAm"),
              ("entscheidung", "bescheiddatum", "zugestelltAm", "zurPostGegebenAm"))
    return row


def parse(data: bytes, file_name: str) -> ParsedFile:
    """Read a file of BAMF decisions, CSV or XML (by its first character)."""
    if looks_like_xml(data):
        root = read_xml(data, file_name, "decisions")
        return ParsedFile("xml", "utf-8", None,
                          [_xml_row(el) for el in root.iterchildren(tag=etree.Element)])
    found = read_csv(data, file_name, HEADER)
    return ParsedFile("csv", found.encoding, found.separator,
                      [_row(line, values) for line, values in found.records])
