"""Reading a file as a whole (adapters/imports/detect.py): encoding, separator, header, and the
rejections that stop a file before any of its rows is looked at."""

from __future__ import annotations

import codecs
import re

import pytest

from adapters.imports.detect import (
    decode,
    looks_like_xml,
    read_csv,
    read_xml,
    text_of,
)
from adapters.imports.model import MAX_IMPORT_BYTES, ImportRejected
from adapters.imports.permits import HEADER
from tests.adapters.imports_world import read

PERMITS_NS = "urn:staffel:import:permits:1"
HEAD = ";".join(HEADER)
NOT_TEXT = re.escape("not a text file (binary or UTF-16); send CSV in UTF-8 or Latin-1")


# --- XML or CSV ------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "expected"), [
    (b"<?xml version='1.0'?><a/>", True),
    (codecs.BOM_UTF8 + b"\n  \t<a/>", True),
    (b"\r\n\r\n<a/>", True),
    (HEAD.encode(), False),
    (b"", False),
    (b"Name;<b>", False),
])
def test_looks_like_xml_by_the_first_character(data: bytes, expected: bool) -> None:
    assert looks_like_xml(data) is expected


# --- encoding --------------------------------------------------------------------------------


def test_utf8_with_and_without_byte_order_mark() -> None:
    assert decode("Müller;Gül\n".encode(), "f.csv") == ("Müller;Gül\n", "utf-8")
    text, encoding = decode(codecs.BOM_UTF8 + "Müller\n".encode(), "f.csv")
    assert (text, encoding) == ("Müller\n", "utf-8")  # the BOM is not part of the text


def test_latin1_files_are_read_as_windows_1252() -> None:
    text, encoding = decode(read("permits_latin1.csv"), "permits_latin1.csv")
    assert encoding == "windows-1252"
    assert "Özdemir;Gül;" in text and "Müller-Lüdenscheidt;Jürgen" in text
    assert decode("Straße – 5 €".encode("cp1252"), "f.csv") == ("Straße – 5 €", "windows-1252")


def test_bytes_windows_1252_leaves_undefined_fall_back_to_latin1() -> None:
    assert decode(b"M\xfcller \x81", "f.csv") == ("Müller \x81", "latin-1")


@pytest.mark.parametrize("data", [b"", b"   ", b" \r\n\t\n"])
def test_an_empty_file_is_rejected(data: bytes) -> None:
    with pytest.raises(ImportRejected, match=r"^f\.csv: file rejected: the file is empty$"):
        decode(data, "f.csv")


@pytest.mark.parametrize("data", [
    read("permits_not_csv.xlsx"),
    codecs.BOM_UTF16_LE + HEAD.encode("utf-16-le"),
    codecs.BOM_UTF16_BE + HEAD.encode("utf-16-be"),
    HEAD.encode("utf-16-le"),  # no BOM, but NUL bytes at the start
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
], ids=["xlsx", "utf-16-le", "utf-16-be", "utf-16-no-bom", "png"])
def test_binary_and_utf16_files_are_rejected(data: bytes) -> None:
    with pytest.raises(ImportRejected, match=NOT_TEXT) as caught:
        decode(data, "upload.csv")
    assert caught.value.errors == [{"field": "file", "message": caught.value.reason}]
    assert caught.value.line is None


def test_a_nul_byte_after_the_first_4_kib_is_rejected_too() -> None:
    data = (HEAD + "\n" + "x" * 5000 + "\x00\n").encode()
    with pytest.raises(ImportRejected,
                       match=re.escape("not a text file (contains NUL bytes)")):
        decode(data, "f.csv")


# --- separator and header --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "separator"), [("permits_semicolon.csv", ";"),
                                                 ("permits_comma.csv", ",")])
def test_the_separator_comes_from_the_header_line(name: str, separator: str) -> None:
    found = read_csv(read(name), name, HEADER)
    assert (found.encoding, found.separator) == ("utf-8", separator)
    assert [line for line, _ in found.records] == [2, 3]
    first = found.records[0][1]
    assert first[:4] == ["8123456-423", "Haddad", "Rana", "12.04.1990"]
    assert len(first) == len(HEADER)


def test_a_quoted_separator_stays_inside_its_field() -> None:
    found = read_csv(read("permits_comma.csv"), "permits_comma.csv", HEADER)
    assert found.records[0][1][4] == "§ 25 Abs. 1, AufenthG"


def test_latin1_csv_reports_its_encoding() -> None:
    found = read_csv(read("permits_latin1.csv"), "permits_latin1.csv", HEADER)
    assert found.encoding == "windows-1252"
    assert [values[1] for _, values in found.records] == ["Özdemir", "Müller-Lüdenscheidt"]


def test_header_spelling_case_blanks_and_umlauts_do_not_matter() -> None:
    header = "AKTENZEICHEN;familienname; Vorname ;GEBURTSDATUM;paragraph;Erteilt am;Gültig bis;;"
    data = (header + "\n;Haddad;Rana;12.04.1990;25 Abs. 1;;01.03.2030;;\n").encode()
    found = read_csv(data, "f.csv", HEADER)
    assert found.separator == ";"
    # trailing separators (as spreadsheets write them) are dropped from header and rows
    assert found.records == [(2, ["", "Haddad", "Rana", "12.04.1990", "25 Abs. 1", "",
                                  "01.03.2030"])]


def test_blank_lines_are_skipped_and_line_numbers_kept() -> None:
    data = (f"\n{HEAD}\n\n;A;B;01.01.1990;25 Abs. 1;;01.03.2030\n ; ; \n"
            ";C;D;02.02.1990;25 Abs. 1;;01.03.2030\n").encode()
    found = read_csv(data, "f.csv", HEADER)
    assert [(line, values[1]) for line, values in found.records] == [(4, "A"), (6, "C")]


def test_a_record_over_several_lines_has_the_number_of_its_first_line() -> None:
    data = (f'{HEAD}\n;"Haddad\nAl-Sayed";Rana;12.04.1990;25 Abs. 1;;01.03.2030\n'
            ";Tesfay;Yonas;1996-11-02;25 Abs. 1;;01.03.2030\n").encode()
    found = read_csv(data, "f.csv", HEADER)
    assert [(line, values[1]) for line, values in found.records] == [
        (2, "Haddad\nAl-Sayed"), (4, "Tesfay")]


def test_a_wrong_header_rejects_the_file_at_line_1() -> None:
    with pytest.raises(ImportRejected, match=re.escape(
            "permits_wrong_header.csv: file rejected: wrong header: expected "
            f"{HEAD} (separated by ; or ,), found 'Name;Vorname;Geburtsdatum;Titel'")) as caught:
        read_csv(read("permits_wrong_header.csv"), "permits_wrong_header.csv", HEADER)
    assert caught.value.line == 1


def test_a_header_with_a_column_missing_is_wrong() -> None:
    short = ";".join(HEADER[:-1])
    with pytest.raises(ImportRejected, match=re.escape(f"wrong header: expected {HEAD}")):
        read_csv(f"{short}\n".encode(), "f.csv", HEADER)


def test_a_broken_quote_rejects_the_file_with_its_line() -> None:
    data = f'{HEAD}\n;Haddad;Rana;12.04.1990;25 Abs. 1;;01.03.2030\n;"Tes"fay;Y;;;;\n'.encode()
    with pytest.raises(ImportRejected, match=r"^f\.csv: file rejected: not a CSV file: ") as caught:
        read_csv(data, "f.csv", HEADER)
    assert caught.value.line == 3


def test_binary_data_is_rejected_before_the_header_is_read() -> None:
    with pytest.raises(ImportRejected, match=NOT_TEXT):
        read_csv(read("permits_not_csv.xlsx"), "permits_not_csv.xlsx", HEADER)


def test_a_file_over_the_size_limit_is_rejected_unread() -> None:
    data = HEAD.encode() + b"\n" + b" " * MAX_IMPORT_BYTES
    with pytest.raises(ImportRejected, match=re.escape(
            f"the file is larger than {MAX_IMPORT_BYTES // 2**20} MiB")):
        read_csv(data, "big.csv", HEADER)


# --- XML -------------------------------------------------------------------------------------


def test_a_valid_xml_list_gives_its_root() -> None:
    root = read_xml(read("permits.xml"), "permits.xml", "permits")
    assert root.tag == f"{{{PERMITS_NS}}}aufenthaltserlaubnisse"
    first = next(iter(root))
    assert text_of(first, "familienname") == "Haddad"
    assert text_of(first, "erteiltAm") == "2027-03-02"


def test_text_of_an_absent_child_is_empty() -> None:
    root = read_xml(read("permits.xml"), "permits.xml", "permits")
    oezdemir = root.findall(f"{{{PERMITS_NS}}}aufenthaltserlaubnis")[1]
    assert text_of(oezdemir, "familienname") == "Özdemir"
    assert text_of(oezdemir, "aktenzeichen") == ""


def test_a_doctype_with_an_external_entity_is_rejected() -> None:
    with pytest.raises(ImportRejected, match=re.escape(
            "permits_xxe.xml: file rejected: document type declarations (<!DOCTYPE ...>) "
            "are not allowed")) as caught:
        read_xml(read("permits_xxe.xml"), "permits_xxe.xml", "permits")
    assert caught.value.line == 2


def test_an_internal_entity_declaration_is_rejected() -> None:
    data = (f'<?xml version="1.0"?>\n<aufenthaltserlaubnisse xmlns="{PERMITS_NS}"/>\n'
            '<!ENTITY x "y">').encode()
    with pytest.raises(ImportRejected, match=re.escape(
            "entity declarations (<!ENTITY ...>) are not allowed")) as caught:
        read_xml(data, "f.xml", "permits")
    assert caught.value.line == 3


def test_xml_against_the_schema_is_rejected_with_the_line() -> None:
    with pytest.raises(ImportRejected, match=re.escape(
            "permits_invalid_schema.xml: file rejected: does not match permits.xsd: ")
            + ".*'12.04.1990' is not a valid value of the atomic type 'xs:date'") as caught:
        read_xml(read("permits_invalid_schema.xml"), "permits_invalid_schema.xml", "permits")
    assert caught.value.line == 6


def test_a_csv_is_not_well_formed_xml() -> None:
    with pytest.raises(ImportRejected, match=r"^f\.xml: file rejected: not well-formed XML: "):
        read_xml(read("permits_semicolon.csv"), "f.xml", "permits")


def test_xml_of_another_list_does_not_match_the_schema() -> None:
    with pytest.raises(ImportRejected, match=re.escape(
            "courses_result.xml: file rejected: does not match permits.xsd: ")):
        read_xml(read("courses_result.xml"), "courses_result.xml", "permits")
