"""BAMF decisions as CSV and XML (adapters/imports/decisions.py): the outcome "inadmissible"
(§29(1) Nr. 2, 4 AsylG, follow-up applications §71(4)) written as ``unzulässig`` or
``unzulaessig``, its one-week deadlines, and the lines that are invalid.

NW, 2027: Pfingstmontag 17.05., Fronleichnam Thu 27.05.
"""

from __future__ import annotations

from typing import Any

import pytest

from adapters.imports import Importer, ImportRejected, decisions
from adapters.imports.decisions import HEADER
from engine import Staffel
from tests.adapters.imports_world import (
    HADDAD,
    KARIMI,
    OEZDEMIR,
    counts,
    in_s2,
    new_engine,
    read,
    waits,
)

DECISIONS_NS = "urn:staffel:import:decisions:1"


@pytest.fixture
def eng(make_engine: Any) -> Staffel:
    return new_engine(make_engine)


def run(eng: Staffel, name: str) -> Any:
    return Importer(eng).import_file("decisions", name, read(name), "cw_eingangszone")


def dates(eng: Staffel, case_id: str) -> dict[str, str]:
    return {k: v.date.isoformat() for k, v in eng.cases.get(case_id).deadlines.items()}


def test_inadmissible_from_a_csv_list(eng: Staffel) -> None:
    karimi = in_s2(eng, KARIMI, "8123456-600")
    haddad = in_s2(eng, HADDAD, None)
    result = run(eng, "decisions_inadmissible.csv")
    assert result.report["format"] == "csv"
    lines = {r.line: (r.outcome, r.reason, r.field) for r in eng.imports.lines(result.file_id)}
    assert lines == {2: ("correlated", None, None), 3: ("correlated", None, None),
                     4: ("invalid", "bad_outcome", "Entscheidung"),
                     5: ("invalid", "both_notified", "Zugestellt_am")}
    for case_id in (karimi, haddad):
        view = eng.cases.get(case_id)
        assert (view.stage, view.benefit_system) == ("S4", "asylblg")
        assert "bamf_decision" not in waits(eng, case_id)
        assert view.deadlines["lawsuit_deadline"].legal_basis.startswith("§74(1) Hs. 2")
        assert view.deadlines["exit_deadline"].legal_basis.startswith("§36(1) AsylG")
    # "unzulässig", served Thu 20.05.2027: one week -> Thu 27.05. Fronleichnam -> Fri 28.05.,
    # for the lawsuit (§74(1) Hs. 2, §36(3) AsylG) and the exit (§36(1) AsylG) alike
    assert dates(eng, karimi) == {
        "served_on": "2027-05-20", "lawsuit_deadline": "2027-05-28",
        "decision_final_on": "2027-05-29", "exit_deadline": "2027-05-28"}
    # "Unzulaessig", posted Tue 11.05.2027: 4th day Sat 15.05., Mon 17.05. Pfingstmontag ->
    # served Tue 18.05.; one week -> Tue 25.05. (lawsuit and exit)
    got = dates(eng, haddad)
    assert (got["served_on"], got["lawsuit_deadline"], got["decision_final_on"],
            got["exit_deadline"]) == ("2027-05-18", "2027-05-25", "2027-05-26", "2027-05-25")


def test_inadmissible_from_xml_with_the_umlaut(eng: Staffel) -> None:
    oez = in_s2(eng, OEZDEMIR, "8123456-500")
    result = run(eng, "decisions_inadmissible.xml")
    assert result.report["format"] == "xml"
    assert [(r.line, r.outcome) for r in eng.imports.lines(result.file_id)] == [
        (3, "correlated")]
    assert eng.cases.get(oez).stage == "S4"
    assert dates(eng, oez) == {"served_on": "2027-05-20", "lawsuit_deadline": "2027-05-28",
                               "decision_final_on": "2027-05-29",
                               "exit_deadline": "2027-05-28"}


@pytest.mark.parametrize(("written", "outcome"), [
    ("unzulässig", "inadmissible"), ("unzulaessig", "inadmissible"),
    ("Unzulässig", "inadmissible"), (" UNZULÄSSIG ", "inadmissible"),
    ("Unzulässigkeit", "inadmissible"), ("inadmissible", "inadmissible"),
    ("offensichtlich unbegründet", "rejected_manifestly_unfounded"),
    ("Offensichtlich_Unbegruendet", "rejected_manifestly_unfounded"),
    ("subsidiärer Schutz", "subsidiary"), ("Flüchtlingseigenschaft", "refugee"),
    ("Ablehnung", "rejected"), ("Dublin-Verfahren", "dublin"),
    ("anerkannt", None), ("", None),
])
def test_written_decisions(written: str, outcome: str | None) -> None:
    assert decisions.outcome_of(written) == outcome


def csv_rows(*lines: str) -> list[Any]:
    data = "\n".join([";".join(HEADER), *lines, ""]).encode("cp1252")
    parsed = decisions.parse(data, "bescheide.csv")
    assert (parsed.file_format, parsed.encoding, parsed.separator) == (
        "csv", "windows-1252", ";")
    return parsed.rows


def test_csv_lines_latin1_and_their_errors() -> None:
    ok, empty, neither, early, short = csv_rows(
        ";Haddad;Rana;12.04.1990;unzulässig;18.05.2027;20.05.2027;",
        ";Haddad;Rana;12.04.1990;;18.05.2027;20.05.2027;",
        ";Haddad;Rana;12.04.1990;unzulässig;18.05.2027;;",
        ";Haddad;Rana;12.04.1990;unzulässig;18.05.2027;17.05.2027;",
        ";Haddad;Rana;12.04.1990;unzulässig;18.05.2027")
    assert ok.error is None and ok.payload == {"outcome": "inadmissible",
                                               "decision_date": "2027-05-18",
                                               "served_on": "2027-05-20"}
    assert (empty.error.field, empty.error.reason) == ("Entscheidung", "missing")
    assert (neither.error.field, neither.error.reason) == ("Zur_Post_gegeben_am", "missing")
    assert (early.error.field, early.error.reason) == ("Zugestellt_am",
                                                       "notified_before_decision")
    assert short.error.reason == "field_count"
    assert all(r.payload == {} for r in (empty, neither, early, short))


def test_a_list_with_another_header_is_rejected_whole(eng: Staffel) -> None:
    before = counts(eng)
    with pytest.raises(ImportRejected, match="wrong header: expected Aktenzeichen;Familienname;"
                                             "Vorname;Geburtsdatum;Entscheidung"):
        run_bytes(eng, read("permits_semicolon.csv"))
    assert counts(eng) == before


def run_bytes(eng: Staffel, data: bytes) -> Any:
    return Importer(eng).import_file("decisions", "liste.csv", data, "cw_eingangszone")
