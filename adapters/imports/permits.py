"""The Ausländerbehörde's weekly list of issued residence permits -> ``permit_issued``.

CSV header (as the office sends it; ``;`` or ``,``):
``Aktenzeichen;Familienname;Vorname;Geburtsdatum;Paragraph;Erteilt_am;Gueltig_bis``;
XML: ``adapters/schemas/permits.xsd``. ``Paragraph`` is written in many ways (``25 Abs. 2``,
``§ 25 Abs. 2 AufenthG``, ``§25 Abs.2``, ``§ 25 Abs. 2 Satz 1 Alt. 1``); it becomes the value
the ``permit_issued`` schema expects (``§25(2) Alt. 1``). ``§25(2)`` without the alternative is
completed from the case's stage (S3b refugee status -> Alt. 1, S3c subsidiary -> Alt. 2).
"""

from __future__ import annotations

import re

from lxml import etree

from adapters.imports.detect import read_csv, read_xml, text_of
from adapters.imports.model import ParsedFile, ParsedRow, RowError
from adapters.imports.normalise import clean, parse_date, person_columns
from engine import AMBIGUOUS_PARAGRAPH, PERMIT_MESSAGE, PERMIT_PARAGRAPHS, source_line

MESSAGE = PERMIT_MESSAGE
HEADER = ("Aktenzeichen", "Familienname", "Vorname", "Geburtsdatum", "Paragraph", "Erteilt_am",
          "Gueltig_bis")
_PARAGRAPH = re.compile(
    r"""^(?:§\s*)?(?P<section>\d+[a-z]?)\s*
        (?:(?:abs\.?|absatz)\s*(?P<sub>\d+[a-z]?)|\((?P<sub2>\d+[a-z]?)\))\s*
        (?:(?:satz|s\.)\s*\d+\s*)?
        (?:(?:alt\.?|alternative)\s*(?P<alt>[12])|(?P<alt2>[12])\.\s*(?:alt\.?|alternative))?\s*
        (?:aufenthg)?$""", re.IGNORECASE | re.VERBOSE)


def normalise_paragraph(value: str) -> str | None:
    """The schema value of a written legal basis, ``§25(2)`` when the alternative is missing,
    or None when it is no permit the lifecycle knows."""
    text = clean(value).replace(",", " ").strip()
    text = re.sub(r"\s+", " ", text)
    found = _PARAGRAPH.match(text)
    if found is None:
        return None
    section = found.group("section").lower()
    sub = (found.group("sub") or found.group("sub2") or "").lower()
    alt = found.group("alt") or found.group("alt2")
    canonical = f"§{section}({sub})"
    if canonical == AMBIGUOUS_PARAGRAPH:
        return f"{AMBIGUOUS_PARAGRAPH} Alt. {alt}" if alt else AMBIGUOUS_PARAGRAPH
    if alt:
        return None  # only §25(2) has alternatives
    return canonical if canonical in PERMIT_PARAGRAPHS else None


def _row(line: int, values: list[str]) -> ParsedRow:
    row = ParsedRow(line=line, message=MESSAGE)
    if len(values) != len(HEADER):
        row.error = RowError("row", "field_count",
                             f"expected {len(HEADER)} fields, found {len(values)}")
        return row
    az, family, given, birth, paragraph, issued, valid = values
    errors = person_columns(row, az, family, given, birth)
    normalised = normalise_paragraph(paragraph)
    if not clean(paragraph):
        errors.append(RowError("Paragraph", "missing", "Paragraph is empty"))
    elif normalised is None:
        errors.append(RowError("Paragraph", "bad_paragraph",
                               "Paragraph is not one of " + ", ".join(PERMIT_PARAGRAPHS)))
    issued_iso, err = parse_date(issued, "Erteilt_am") if issued.strip() else (None, None)
    errors.append(err)
    valid_iso, err = parse_date(valid, "Gueltig_bis")
    errors.append(err)
    if issued_iso and valid_iso and valid_iso < issued_iso:
        errors.append(RowError("Gueltig_bis", "valid_before_issued",
                               "Gueltig_bis lies before Erteilt_am"))
    row.error = next((e for e in errors if e is not None), None)
    if row.error is None and normalised is not None and valid_iso is not None:
        row.needs_alternative = normalised == AMBIGUOUS_PARAGRAPH
        row.payload = {"paragraph": normalised, "valid_until": valid_iso}
        if issued_iso:
            row.payload["issued_on"] = issued_iso
    return row


def parse(data: bytes, file_name: str) -> ParsedFile:
    """Read a permit list, CSV or XML (by its first character)."""
    from adapters.imports.detect import looks_like_xml

    if looks_like_xml(data):
        root = read_xml(data, file_name, "permits")
        return ParsedFile("xml", "utf-8", None,
                          [_xml_row(el) for el in root.iterchildren(tag=etree.Element)])
    found = read_csv(data, file_name, HEADER)
    return ParsedFile("csv", found.encoding, found.separator,
                      [_row(line, values) for line, values in found.records])


def _xml_row(el: etree._Element) -> ParsedRow:
    values = [text_of(el, tag) for tag in ("aktenzeichen", "familienname", "vorname",
                                            "geburtsdatum", "paragraph", "erteiltAm",
                                            "gueltigBis")]
    return _row(source_line(el) or 0, values)
