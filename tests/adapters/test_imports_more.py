"""BAMF decisions and course reports, clarifications decided by hand, and 50,000 rows."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapters.imports import Importer, ImportRejected
from engine import Staffel
from engine.errors import Conflict, InvalidInput, MessageNotUsable, NotFound
from tests.adapters.imports_world import (
    counts,
    new_engine,
    read,
    waiting_for_course,
    waits,
    world,
)
from tests.conftest import START
from tests.data.imports.make_large import write


@pytest.fixture
def eng(make_engine: Any) -> Staffel:
    return new_engine(make_engine)


def run(eng: Staffel, name: str, kind: str) -> Any:
    return Importer(eng).import_file(kind, name, read(name), "cw_eingangszone")


def lines(eng: Staffel, file_id: int) -> dict[int, tuple[str, str | None]]:
    return {r.line: (r.outcome, r.reason) for r in eng.imports.lines(file_id)}


def test_bamf_decisions(eng: Staffel) -> None:
    w = world(eng)
    result = run(eng, "decisions.xml", "decisions")
    assert lines(eng, result.file_id) == {3: ("correlated", None),
                                          12: ("clarification", "no_match"),
                                          21: ("invalid", "notified_before_decision")}
    view = eng.cases.get(w.karimi)
    assert view.stage == "S3b"
    # posted Wed 03.03.2027 + 4 days = Sun 07.03. -> Mon 08.03.; + 2 weeks = Mon 22.03.
    assert view.deadlines["served_on"].date == date(2027, 3, 8)
    assert view.deadlines["lawsuit_deadline"].date == date(2027, 3, 22)
    assert "bamf_decision" not in waits(eng, w.karimi)


def test_a_decision_file_against_the_schema_is_rejected(eng: Staffel) -> None:
    before = counts(eng)
    with pytest.raises(ImportRejected, match=re.escape(
            "decisions_invalid_outcome.xml: file rejected: does not match decisions.xsd: ")
                       + ".*'anerkannt' is not an element of the set") as caught:
        run(eng, "decisions_invalid_outcome.xml", "decisions")
    assert "decisions.xsd" in caught.value.message and caught.value.line == 8
    with pytest.raises(ImportRejected, match="wrong header"):
        run(eng, "permits_semicolon.csv", "decisions")  # a permit list is no decision file
    assert counts(eng) == before


def test_course_reports_csv_and_xml(eng: Staffel) -> None:
    case_id = waiting_for_course(eng)
    result = run(eng, "courses.csv", "courses")
    assert lines(eng, result.file_id) == {2: ("correlated", None),
                                          3: ("clarification", "no_match"),
                                          4: ("invalid", "bad_attendance"),
                                          5: ("invalid", "bad_report")}
    assert waits(eng, case_id) >= {"course_result"}
    assert "course_started" not in waits(eng, case_id)
    result = run(eng, "courses_result.xml", "courses")
    assert lines(eng, result.file_id) == {3: ("correlated", None)}
    # DTZ B1 and 17 of 33 points: course passed, the closing handover begins
    assert [t.name for t in eng.cases.get(case_id).open_tasks] == ["Task_handover_propose"]


def test_resolve_and_discard_clarifications(eng: Staffel) -> None:
    w = world(eng)
    result = run(eng, "permits_mixed.csv", "permits")
    desk = eng.imports
    by_line = {c.line: c for c in desk.clarifications().items}
    tesfay = eng.cases.get(w.tesfay).case_number
    with eng.db.write() as session:  # a closed case can use no message any more
        session.execute(text("UPDATE cases SET closed_at = :at WHERE id = :id"),
                        {"at": START, "id": w.ahmadi[0]})
    before = counts(eng)
    with pytest.raises(InvalidInput, match=r"^there is no case ST-0000-0000-0000$") as caught:
        desk.resolve(by_line[5].id, "ST-0000-0000-0000", "cw_ez")
    assert caught.value.errors == [{"field": "case_number", "message": "no such case"}]
    with pytest.raises(MessageNotUsable, match=r"is closed \(stage S2\)"):
        desk.resolve(by_line[5].id, eng.cases.get(w.ahmadi[0]).case_number, "cw_ez")
    with pytest.raises(InvalidInput, match=r"^give a reason$"):
        desk.discard(by_line[6].id, "   ", "cw_ez")
    with pytest.raises(NotFound, match=r"^no such clarification$"):
        desk.resolve(9999, tesfay, "cw_ez")
    assert counts(eng) == before

    info = desk.resolve(by_line[5].id, f" {tesfay.lower()} ", "cw_ez")
    assert (info.outcome, info.case.id) == ("delivered", w.tesfay)
    assert "permit_issued" not in waits(eng, w.tesfay)
    done = desk.clarification(by_line[5].id)
    assert (done.state, done.resolved_by, done.fields) == ("resolved", "cw_ez", {})
    assert done.resolution == {"case_id": w.tesfay, "case_number": tesfay, "kept": False}
    assert lines(eng, result.file_id)[5] == ("correlated", "resolved_by_hand")
    with pytest.raises(Conflict, match="already resolved"):
        desk.resolve(by_line[5].id, tesfay, "cw_ez")

    desk.discard(by_line[6].id, "Doppelte Akte, mit ABH geklärt", "cw_ez")
    gone = desk.clarification(by_line[6].id)
    assert gone.state == "discarded" and gone.fields == {}
    assert gone.resolution == {"reason": "Doppelte Akte, mit ABH geklärt"}
    with pytest.raises(Conflict, match=r"^the clarification is already discarded$"):
        desk.discard(by_line[6].id, "again", "cw_ez")
    assert desk.open_count() == 1
    events = [e for e in eng.audit.events() if e.action.startswith("import_clarification")]
    assert [(e.action, e.actor, e.case_id) for e in events] == [
        ("import_clarification_resolved", "cw_ez", w.tesfay),
        ("import_clarification_discarded", "cw_ez", None)]
    assert all("Ahmadi" not in str(e.details) and "Geklärt" not in str(e.details)
               for e in events)
    assert eng.audit.verify().ok


def test_fifty_thousand_rows(eng: Staffel, tmp_path: Path) -> None:
    w = world(eng)
    path = write(tmp_path / "large.csv", 50_000,
                 [("8123456-423", "Haddad", "Rana", "12.04.1990")])
    seen: list[int] = []
    started = time.perf_counter()
    result = Importer(eng).import_file("permits", "large.csv", path.read_bytes(), "cli",
                                       lambda done, total: seen.append(done))
    elapsed = time.perf_counter() - started
    c = result.report["counts"]
    assert c == {"rows": 50_000, "correlated": 1, "invalid": 49, "duplicate": 0,
                 "buffered": 0, "clarification": 50_000 - 1 - 49}
    assert seen[-1] == 50_000 and len(seen) == 50_000
    assert "permit_issued" not in waits(eng, w.haddad)
    assert result.report["problems_truncated"] is True
    assert len(result.report["problems"]) == 1000
    assert eng.imports.open_count() == c["clarification"]
    assert len(eng.imports.lines(result.file_id)) == 50_000
    before = counts(eng)
    again = Importer(eng).import_file("permits", "copy.csv", path.read_bytes(), "cli")
    assert again.already_imported and counts(eng) == before
    assert elapsed < 120, elapsed


def test_a_bare_25_2_is_completed_with_the_alternative_chosen_by_hand(eng: Staffel) -> None:
    w = world(eng)  # Haddad waits for the permit in S3a: the stage does not tell Alt. 1 or 2
    data = ("Aktenzeichen;Familienname;Vorname;Geburtsdatum;Paragraph;Erteilt_am;Gueltig_bis\n"
            ";Unbekannt;Niemand;01.01.1980;§ 25 Abs. 2 AufenthG;;01.03.2030\n").encode()
    Importer(eng).import_file("permits", "abh_kw10.csv", data, "cw_eingangszone")
    desk = eng.imports
    (clar,) = desk.clarifications().items
    haddad = eng.cases.get(w.haddad).case_number
    before = counts(eng)
    with pytest.raises(InvalidInput, match=re.escape(
            "§25(2) without Alt. 1/2 and the case's stage does not tell which")) as caught:
        desk.resolve(clar.id, haddad, "cw_ez")
    assert caught.value.errors == [{"field": "alternative",
                                    "message": "case stage is not S3b or S3c"}]
    with pytest.raises(InvalidInput,
                       match=re.escape("the alternative of §25(2) is 1 or 2")) as caught:
        desk.resolve(clar.id, haddad, "cw_ez", alternative="3")
    assert caught.value.errors == [{"field": "alternative", "message": "must be 1 or 2"}]
    assert counts(eng) == before and desk.clarification(clar.id).state == "open"

    desk.resolve(clar.id, haddad, "cw_ez", alternative="1")

    assert "permit_issued" not in waits(eng, w.haddad)
    delivered = [e for e in eng.audit.events(w.haddad) if e.action == "message_correlated"]
    assert desk.clarification(clar.id).state == "resolved" and delivered
