"""Permit lists (CSV ; and ,, UTF-8 and Latin-1, XML) into the real lifecycle: the right cases
move on, the right clarifications appear, nothing twice, nothing lost, clear rejections."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.imports import Importer, ImportRejected
from adapters.imports.permits import normalise_paragraph
from engine import Conflict, Staffel
from engine.law.permits import PERMIT_PARAGRAPHS as PARAGRAPHS
from engine.law.permits import complete_alternative
from tests.adapters.imports_world import (
    DATA,
    counts,
    new_engine,
    read,
    refugees,
    waits,
    world,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def eng(make_engine: Any) -> Staffel:
    return new_engine(make_engine)


def run(eng: Staffel, name: str, kind: str = "permits") -> Any:
    return Importer(eng).import_file(kind, name, read(name), "cw_eingangszone")


def lines(eng: Staffel, file_id: int) -> dict[int, tuple[str, str | None]]:
    return {r.line: (r.outcome, r.reason) for r in eng.imports.lines(file_id)}


@pytest.mark.parametrize(("name", "separator"), [("permits_semicolon.csv", ";"),
                                                 ("permits_comma.csv", ",")])
def test_a_valid_list_moves_both_cases_on(eng: Staffel, name: str, separator: str) -> None:
    w = world(eng)
    result = run(eng, name)
    assert not result.already_imported
    assert result.report["counts"] == {"rows": 2, "correlated": 2, "clarification": 0,
                                       "invalid": 0, "duplicate": 0, "buffered": 0}
    assert (result.report["encoding"], result.report["separator"]) == ("utf-8", separator)
    for case_id in (w.haddad, w.tesfay):
        view = eng.cases.get(case_id)
        assert "permit_issued" not in waits(eng, case_id)
        # valid until Fri 01.03.2030 - 10 weeks = Fri 21.12.2029; course entitlement: issued
        # 02.03.2027 + 1 year
        assert view.deadlines["permit_renewal_reminder"].date == date(2029, 12, 21)
        assert view.deadlines["course_entitlement_expiry"].date == date(2028, 3, 2)
    assert lines(eng, result.file_id) == {2: ("correlated", None), 3: ("correlated", None)}
    assert {r.case_number for r in eng.imports.lines(result.file_id)} == {
        eng.cases.get(w.haddad).case_number, eng.cases.get(w.tesfay).case_number}
    actions = [e.action for e in eng.audit.events(w.haddad)]
    assert "import_row_correlated" in actions and "message_correlated" in actions
    assert eng.audit.verify().ok


@pytest.mark.parametrize(("name", "encoding"), [("permits_latin1.csv", "windows-1252"),
                                                ("permits_utf8_umlauts.csv", "utf-8"),
                                                ("permits_umlaut_spelling.csv", "utf-8")])
def test_umlauts_in_either_encoding_and_spelling(eng: Staffel, name: str, encoding: str) -> None:
    oez, mue = refugees(eng)
    assert eng.cases.get(oez).stage == "S3b"
    result = run(eng, name)
    assert result.report["encoding"] == encoding
    assert result.report["counts"]["invalid"] == 0
    assert result.report["counts"]["correlated"] == result.report["counts"]["rows"]
    # "25 Abs. 2" without the alternative: the case's stage S3b (refugee status) says Alt. 1
    assert "permit_issued" not in waits(eng, oez)
    assert eng.cases.get(oez).deadlines["permit_renewal_reminder"].date == date(2030, 1, 5)
    if name != "permits_umlaut_spelling.csv":
        assert "permit_issued" not in waits(eng, mue)


def test_a_mixed_list_reports_every_line(eng: Staffel) -> None:
    w = world(eng)
    result = run(eng, "permits_mixed.csv")
    assert result.report["counts"] == {"rows": 10, "correlated": 1, "clarification": 3,
                                       "invalid": 5, "duplicate": 0, "buffered": 1}
    assert lines(eng, result.file_id) == {
        2: ("correlated", None),
        3: ("invalid", "missing"),               # Vorname empty
        4: ("invalid", "bad_date"),              # 31.02.
        5: ("clarification", "no_match"),
        6: ("clarification", "ambiguous"),       # two cases of the same person data
        7: ("buffered", None),                   # Karimi waits for the BAMF: kept for later
        8: ("invalid", "bad_paragraph"),         # § 25 Abs. 4 is no permit of the lifecycle
        9: ("invalid", "field_count"),
        11: ("invalid", "valid_before_issued"),  # line 10 is blank
        12: ("clarification", "az_person_mismatch"),  # AZ of Karimi, other birth date
    }
    problems = {p["line"]: p for p in result.report["problems"]}
    assert problems[3]["field"] == "Vorname" and problems[4]["field"] == "Geburtsdatum"
    assert problems[9]["detail"] == "expected 7 fields, found 6"
    assert "permit_issued" not in waits(eng, w.haddad)
    assert "permit_issued" in waits(eng, w.tesfay)  # only invalid rows named Tesfay
    assert "bamf_decision" in waits(eng, w.karimi)
    assert [k.message for k in eng.cases.get(w.karimi).buffered] == ["permit_issued"]
    open_ = eng.imports.clarifications().items
    assert [(c.line, c.reason) for c in open_] == [(5, "no_match"), (6, "ambiguous"),
                                                   (12, "az_person_mismatch")]
    ambiguous = open_[1]
    assert sorted(c for c, _ in ambiguous.candidates) == sorted(w.ahmadi)
    assert ambiguous.fields == {"aktenzeichen": "", "family_name": "Ahmadi",
                                "given_name": "Karim", "birth_date": "2001-06-15"}
    assert ambiguous.payload == {"paragraph": "§25(1)", "valid_until": "2030-03-01"}


def test_the_same_file_twice_changes_nothing(eng: Staffel) -> None:
    world(eng)
    first = run(eng, "permits_mixed.csv")
    before = counts(eng)
    again = run(eng, "permits_mixed.csv")
    assert again.already_imported and again.file_id == first.file_id
    assert again.report == first.report
    assert counts(eng) == before


def test_duplicate_rows_in_a_file_and_across_files(eng: Staffel) -> None:
    w = world(eng)
    result = run(eng, "permits_duplicates.csv")
    assert lines(eng, result.file_id) == {2: ("correlated", None),
                                          3: ("duplicate", "duplicate_in_file"),
                                          4: ("clarification", "no_match"),
                                          5: ("duplicate", "duplicate_in_file")}
    # the same permits, written differently, in another file: taken before
    other = run(eng, "permits_semicolon.csv")
    assert lines(eng, other.file_id) == {2: ("duplicate", "already_imported"),
                                         3: ("correlated", None)}
    assert "permit_issued" not in waits(eng, w.tesfay)
    assert len(eng.imports.clarifications().items) == 1


def test_permits_xml(eng: Staffel) -> None:
    w = world(eng)
    oez, _ = refugees(eng)
    result = run(eng, "permits.xml")
    assert result.report["format"] == "xml"
    assert lines(eng, result.file_id) == {3: ("correlated", None), 13: ("correlated", None),
                                          20: ("clarification", "no_match")}
    assert "permit_issued" not in waits(eng, w.haddad) | waits(eng, oez)


@pytest.mark.parametrize(("name", "needle", "line"), [
    ("permits_xxe.xml", "document type declarations", 2),
    ("permits_invalid_schema.xml", "does not match permits.xsd", 6),
    ("permits_wrong_header.csv", "wrong header", 1),
    ("permits_not_csv.xlsx", "not a text file", None),
])
def test_a_file_that_is_no_list_is_rejected_whole(eng: Staffel, name: str, needle: str,
                                                  line: int | None) -> None:
    world(eng)
    before = counts(eng)
    with pytest.raises(ImportRejected,
                       match=f"^{re.escape(name)}: file rejected: {re.escape(needle)}") as caught:
        run(eng, name)
    assert needle in caught.value.message
    assert caught.value.line == line
    assert counts(eng) == before


def test_empty_file_and_unknown_kind(eng: Staffel) -> None:
    before = counts(eng)
    with pytest.raises(ImportRejected, match="empty"):
        Importer(eng).import_file("permits", "x.csv", b"  \n", "u")
    from engine.errors import InvalidInput
    with pytest.raises(InvalidInput, match=r"^unknown import kind 'visa'$") as caught:
        Importer(eng).import_file("visa", "x.csv", read("permits_semicolon.csv"), "u")
    assert caught.value.errors[0]["field"] == "kind"
    assert counts(eng) == before


def test_an_interrupted_import_resumes_without_losing_or_repeating(eng: Staffel) -> None:
    w = world(eng)

    def crash(done: int, _total: int) -> None:
        if done == 6:
            raise KeyboardInterrupt("simulated crash after row 6")

    with pytest.raises(KeyboardInterrupt, match=r"^simulated crash after row 6$"):
        Importer(eng).import_file("permits", "m.csv", read("permits_mixed.csv"), "u", crash)
    assert "permit_issued" not in waits(eng, w.haddad)  # line 2 was delivered and booked
    result = run(eng, "permits_mixed.csv")
    assert not result.already_imported
    assert result.report["counts"]["rows"] == 10
    assert result.report["counts"]["correlated"] == 1
    assert len(eng.imports.clarifications().items) == 3  # line 7 is kept for its case


def test_the_correlation_and_its_row_commit_together(eng: Staffel) -> None:
    w = world(eng)
    file_id = eng.imports.create_file("permits", "x.csv", b"x", "0" * 64, file_format="csv",
                                      encoding="utf-8", separator=";", rows=1, actor="u")
    assert file_id is not None
    # line 1 is booked already: the row of the delivery below collides, so the bookkeeping
    # fails inside the delivery's transaction, and the delivery must be rolled back with it
    eng.imports.write_rows([{"file_id": file_id, "kind": "permits", "line": 1,
                             "fingerprint": None, "outcome": "invalid", "case_id": None,
                             "message_name": None, "reason": "x", "field": None,
                             "detail": None, "duplicate_of": None}], {}, "u")
    with pytest.raises(Conflict, match="collides"):
        eng.imports.deliver_row(file_id, "permits", 1, "f" * 64, "permit_issued",
                                {"paragraph": "§25(1)", "valid_until": "2030-03-01"},
                                w.haddad, "u")
    assert "permit_issued" in waits(eng, w.haddad)


def test_paragraphs_match_the_message_schema() -> None:
    schema = json.loads((ROOT / "bpmn" / "messages" / "permit_issued.schema.json").read_text())
    assert tuple(schema["properties"]["paragraph"]["enum"]) == PARAGRAPHS


@pytest.mark.parametrize(("written", "value"), [
    ("25 Abs. 2", "§25(2)"), ("§ 25 Abs. 2 AufenthG", "§25(2)"), ("§25 Abs.2", "§25(2)"),
    ("§ 25 Abs. 2 Satz 1 Alt. 2 AufenthG", "§25(2) Alt. 2"),
    ("25 Abs. 2, 1. Alt.", "§25(2) Alt. 1"),
    ("§25(2) Alt. 1", "§25(2) Alt. 1"), ("§ 25 Absatz 1", "§25(1)"), ("25 Abs. 3", "§25(3)"),
    ("§ 25 Abs. 5 AufenthG", "§25(5)"), ("§ 23 Abs. 4", "§23(4)"), ("19d Abs. 1a", "§19d(1a)"),
    ("§ 25 Abs. 4", None), ("25 Abs. 1 Alt. 1", None), ("Niederlassungserlaubnis", None),
])
def test_paragraph_normalisation(written: str, value: str | None) -> None:
    assert normalise_paragraph(written) == value


def test_the_alternative_comes_from_the_stage() -> None:
    payload = {"paragraph": "§25(2)", "valid_until": "2030-01-01"}
    assert complete_alternative(payload, "S3b") == {**payload, "paragraph": "§25(2) Alt. 1"}
    assert complete_alternative(payload, "S3c") == {**payload, "paragraph": "§25(2) Alt. 2"}
    assert complete_alternative(payload, "S3d") is None


def test_data_files_exist() -> None:
    assert (DATA / "make_large.py").is_file()


def test_trailing_separators_and_broken_quoting() -> None:
    from adapters.imports.permits import parse

    header = "Aktenzeichen;Familienname;Vorname;Geburtsdatum;Paragraph;Erteilt_am;Gueltig_bis"
    found = parse(f"{header};;\n1;Haddad;Rana;12.04.1990;25 Abs. 1;;01.03.2030;;\n".encode(),
                  "t.csv")
    assert [(r.line, r.error) for r in found.rows] == [(2, None)]
    with pytest.raises(ImportRejected, match="not a CSV file") as caught:
        parse(f'{header}\n1;"Haddad"x;Rana;12.04.1990;25 Abs. 1;;01.03.2030\n'.encode(), "t.csv")
    assert caught.value.line == 2
