"""BAMF decisions (Bescheide) as XML -> ``bamf_decision``; schema ``adapters/schemas/
decisions.xsd``. The German decision codes become the outcome values of
``bpmn/messages/bamf_decision.schema.json``.
"""

from __future__ import annotations

from lxml import etree

from adapters.imports.detect import read_xml, text_of
from adapters.imports.model import ParsedFile, ParsedRow, RowError
from adapters.imports.normalise import clean, parse_date, required
from engine import source_line

MESSAGE = "bamf_decision"
OUTCOMES = {
    "asylberechtigung": "asylum",
    "fluechtlingseigenschaft": "refugee",
    "subsidiaerer_schutz": "subsidiary",
    "abschiebungsverbot": "deportation_ban",
    "ablehnung": "rejected",
    "offensichtlich_unbegruendet": "rejected_manifestly_unfounded",
    "dublin": "dublin",
}


def _row(el: etree._Element) -> ParsedRow:
    row = ParsedRow(line=source_line(el) or 0, message=MESSAGE)
    errors: list[RowError | None] = []
    row.aktenzeichen = clean(text_of(el, "aktenzeichen"))
    row.family_name, err = required(text_of(el, "familienname"), "familienname")
    errors.append(err)
    row.given_name, err = required(text_of(el, "vorname"), "vorname")
    errors.append(err)
    birth, err = parse_date(text_of(el, "geburtsdatum"), "geburtsdatum")
    row.birth_date = birth or ""
    errors.append(err)
    decided, err = parse_date(text_of(el, "bescheiddatum"), "bescheiddatum")
    errors.append(err)
    served_text, posted_text = text_of(el, "zugestelltAm"), text_of(el, "zurPostGegebenAm")
    key, column = ("served_on", "zugestelltAm") if served_text else ("posted_on",
                                                                       "zurPostGegebenAm")
    notified, err = parse_date(served_text or posted_text, column)
    errors.append(err)
    if decided and notified and notified < decided:
        errors.append(RowError(column, "notified_before_decision",
                               f"{column} lies before bescheiddatum"))
    row.error = next((e for e in errors if e is not None), None)
    if row.error is None and decided and notified:
        row.payload = {"outcome": OUTCOMES[text_of(el, "entscheidung")],
                       "decision_date": decided, key: notified}
    return row


def parse(data: bytes, file_name: str) -> ParsedFile:
    """Read a file of BAMF decisions (XML only)."""
    root = read_xml(data, file_name, "decisions")
    return ParsedFile("xml", "utf-8", None,
                      [_row(el) for el in root.iterchildren(tag=etree.Element)])
