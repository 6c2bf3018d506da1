"""Reading a file before its rows are looked at: encoding (UTF-8 or Latin-1), separator
(``;`` or ``,``), the header, and for XML the hardened parser plus the XSD we ship.

Anything that makes the file as a whole unreadable raises :class:`ImportRejected`.
"""

from __future__ import annotations

import codecs
import csv
import functools
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from lxml import etree

from adapters.imports.model import MAX_IMPORT_BYTES, ImportRejected
from adapters.imports.normalise import header_key
from engine import DeployError, parse_document

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SEPARATORS = (";", ",")
_SCHEMA_LOCK = threading.Lock()  # an XMLSchema's error_log is shared by its callers


@dataclass
class CsvFile:
    """A decoded CSV file: its encoding, separator and data records with their line numbers."""

    encoding: str
    separator: str
    records: list[tuple[int, list[str]]]


def looks_like_xml(data: bytes) -> bool:
    """True when the first non-blank character (after a byte order mark) is ``<``."""
    head = data[:200].lstrip(codecs.BOM_UTF8).lstrip()
    return head.startswith(b"<")


def decode(data: bytes, file_name: str) -> tuple[str, str]:
    """Decode as UTF-8 (with or without BOM); else as Latin-1 (Windows-1252 where it is).

    Binary files (NUL bytes) and UTF-16 files are rejected: the office sends text.
    """
    if not data.strip():
        raise ImportRejected(file_name, "the file is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        raise ImportRejected(file_name, "not a text file (binary or UTF-16); "
                                        "send CSV in UTF-8 or Latin-1")
    if b"\x00" in data:
        raise ImportRejected(file_name, "not a text file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _lines(text: str) -> Iterator[str]:
    return iter(text.splitlines(keepends=True))


def read_csv(data: bytes, file_name: str, header: tuple[str, ...]) -> CsvFile:
    """Decode, detect the separator from the header line and read the records.

    The header must name exactly the expected columns (case, blanks, ``_`` and umlaut
    spelling do not matter); otherwise the whole file is rejected.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRejected(file_name, f"the file is larger than {MAX_IMPORT_BYTES // 2**20} MiB")
    text, encoding = decode(data, file_name)
    first = next((line for line in _lines(text) if line.strip()), "")
    wanted = [header_key(h) for h in header]
    separator = max(SEPARATORS, key=first.count)
    found = [header_key(cell) for cell in next(csv.reader([first], delimiter=separator))]
    while len(found) > len(wanted) and not found[-1]:
        found.pop()  # trailing separators, as spreadsheets write them
    if found != wanted:
        raise ImportRejected(file_name, "wrong header: expected "
                             f"{';'.join(header)} (separated by ; or ,), found "
                             f"{first.strip()[:200]!r}", 1)
    reader = csv.reader(_lines(text), delimiter=separator, strict=True)
    records: list[tuple[int, list[str]]] = []
    seen_header = False
    try:
        last = 0
        for values in reader:
            start, last = last + 1, reader.line_num
            if not seen_header:
                if any(v.strip() for v in values):
                    seen_header = True
                continue
            if not any(v.strip() for v in values):
                continue  # blank line
            while len(values) > len(wanted) and not values[-1].strip():
                values.pop()
            records.append((start, values))
    except csv.Error as exc:
        raise ImportRejected(file_name, f"not a CSV file: {exc}", reader.line_num) from None
    return CsvFile(encoding, separator, records)


@functools.cache
def xml_schema(name: str) -> etree.XMLSchema:
    """The XSD ``adapters/schemas/<name>.xsd``, loaded once, without network or DTDs."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    doc = etree.parse(str(SCHEMA_DIR / f"{name}.xsd"), parser=parser)
    return etree.XMLSchema(doc)


def read_xml(data: bytes, file_name: str, schema: str) -> etree._Element:
    """Parse with the hardened parser (no DOCTYPE/entities/network) and validate against
    ``adapters/schemas/<schema>.xsd``; the root element on success."""
    try:
        tree = parse_document(file_name, data, max_bytes=MAX_IMPORT_BYTES)
    except DeployError as err:
        problem = err.problems[0]
        raise ImportRejected(file_name, problem.message, problem.line) from None
    xsd = xml_schema(schema)
    with _SCHEMA_LOCK:
        valid = xsd.validate(tree)
        errors = list(cast(Iterable[Any], xsd.error_log))
    if not valid:
        first = errors[0]
        raise ImportRejected(file_name, f"does not match {schema}.xsd: {first.message}",
                             first.line or None)
    return tree.getroot()


def text_of(element: etree._Element, tag: str) -> str:
    """Text of the child ``tag`` (same namespace as ``element``), empty when absent."""
    ns = etree.QName(element).namespace
    child = element.find(f"{{{ns}}}{tag}" if ns else tag)
    return (child.text or "").strip() if child is not None else ""
