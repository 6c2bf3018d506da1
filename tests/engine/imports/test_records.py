"""The import's own rows, engine.imports.records, on a real database: line rows and their
clarifications written together, fingerprints of earlier imports, case candidates by
Aktenzeichen, case number or date of birth, and a clarification decided exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine import Staffel
from engine.errors import Conflict, NotFound
from engine.imports.records import (
    CLARIFICATION,
    CORRELATED,
    DUPLICATE,
    INVALID,
    CaseCandidate,
    case_candidates,
    clarification_info,
    decide_clarification,
    done_lines,
    find_file,
    known_fingerprints,
    row_infos,
    summary_counts,
    write_rows,
)
from engine.model import CaseInfo
from engine.people.names import compact
from engine.persistence.import_rows import ImportClarification
from engine.states import ClarificationState
from tests.conftest import PERSON, START

SHA = "ab" * 32
OTHER = {"family_name": "Tesfaye", "given_name": "Selam", "birth_date": "1985-01-01"}


def new_file(engine: Staffel, sha: str = SHA, kind: str = "permits") -> int:
    file_id = engine.imports.create_file(kind, "abh.csv", b"line;data\n", sha,
                                         file_format="csv", encoding="utf-8", separator=";",
                                         rows=4, actor="importer")
    assert file_id is not None
    return file_id


def row(file_id: int, line: int, outcome: str, fingerprint: str | None,
        case_id: str | None = None, kind: str = "permits") -> dict[str, Any]:
    return {"file_id": file_id, "kind": kind, "line": line, "fingerprint": fingerprint,
            "outcome": outcome, "case_id": case_id, "message_name": "permit_issued",
            "reason": None if outcome == CORRELATED else "no_match", "field": None,
            "detail": None, "duplicate_of": None}


def clarification(candidates: list[str]) -> dict[str, Any]:
    return {"reason": "no_match", "message_name": "permit_issued",
            "fields": {"family_name": "Haddad", "birth_date": "1990-04-12"},
            "payload": {"paragraph": "§25(2)"}, "candidates": candidates}


def write(engine: Staffel, rows: list[dict[str, Any]],
          clarified: dict[int, dict[str, Any]]) -> None:
    with engine.unit("importer") as uow:
        write_rows(uow, rows, clarified)


def decide(engine: Staffel, actor: str, clarification_id: int, state: ClarificationState,
           resolution: dict[str, Any]) -> int:
    with engine.unit(actor) as uow:
        return decide_clarification(uow, clarification_id, state, resolution).id


@pytest.fixture
def case(engine: Staffel) -> CaseInfo:
    return engine.cases.start(PERSON, "NW", "asylum", "8123456-423", process_key="basic")


@pytest.fixture
def booked(engine: Staffel, case: CaseInfo) -> int:
    """A file with line 1 correlated, 2 and 4 in clarification, 3 invalid, 5 a duplicate."""
    file_id = new_file(engine)
    rows = [row(file_id, 1, CORRELATED, "fp1", case.id), row(file_id, 2, CLARIFICATION, "fp2"),
            row(file_id, 3, INVALID, None), row(file_id, 4, CLARIFICATION, "fp4"),
            row(file_id, 5, DUPLICATE, None)]
    write(engine, rows, {2: clarification([case.id]), 4: clarification([case.id, "f" * 32])})
    return file_id


def clarifications(engine: Staffel) -> list[ImportClarification]:
    with engine.db.read() as session:
        found = list(session.scalars(select(ImportClarification)
                                     .order_by(ImportClarification.id)))
        session.expunge_all()
        return found


def test_rows_and_their_clarifications_are_written_together(engine: Staffel, case: CaseInfo,
                                                           booked: int) -> None:
    with engine.db.read() as session:
        lines = row_infos(session, booked)
        assert done_lines(session, booked) == {1, 2, 3, 4, 5}
        assert summary_counts(session, booked) == {"correlated": 1, "clarification": 2,
                                                   "invalid": 1, "duplicate": 1, "buffered": 0,
                                                   "rows": 5}
    assert [(r.line, r.outcome, r.case_number, r.clarification_state) for r in lines] == [
        (1, "correlated", case.case_number, None), (2, "clarification", None, "open"),
        (3, "invalid", None, None), (4, "clarification", None, "open"),
        (5, "duplicate", None, None)]
    first, second = clarifications(engine)
    assert (lines[1].clarification_id, lines[3].clarification_id) == (first.id, second.id)
    assert (first.team, first.kind, first.state, first.created_at) == (
        "eingangszone", "permits", "open", START)
    assert (first.resolved_by, first.resolved_at, first.resolution) == (None, None, None)
    assert second.candidates == [case.id, "f" * 32]
    assert second.payload == {"paragraph": "§25(2)"}


def test_problem_lines_and_limits(engine: Staffel, booked: int) -> None:
    with engine.db.read() as session:
        assert [r.line for r in row_infos(session, booked, problems_only=True)] == [2, 3, 4, 5]
        assert [r.line for r in row_infos(session, booked, problems_only=True, limit=2)] == [2, 3]
        assert row_infos(session, 999) == []


def test_nothing_to_write(engine: Staffel) -> None:
    file_id = new_file(engine)
    with engine.unit("importer") as uow:
        write_rows(uow, [], {})
        write_rows(uow, [row(file_id, 1, INVALID, None)], {})  # no clarification needed
    assert clarifications(engine) == []
    with engine.db.read() as session:
        assert done_lines(session, file_id) == {1}


def test_a_fingerprint_is_taken_once_per_kind(engine: Staffel, booked: int) -> None:
    again = new_file(engine, sha="cd" * 32)
    with pytest.raises(Conflict, match="collides with one made at the same time"):
        write(engine, [row(again, 1, CLARIFICATION, "fp2")], {1: clarification([])})
    with engine.db.read() as session:
        assert done_lines(session, again) == set()  # the whole batch rolled back
    assert len(clarifications(engine)) == 2
    other_kind = new_file(engine, sha="ef" * 32, kind="courses")
    write(engine, [row(other_kind, 1, INVALID, "fp2", kind="courses")], {})  # another kind
    with engine.db.read() as session:
        assert done_lines(session, other_kind) == {1}


def test_known_fingerprints(engine: Staffel, booked: int) -> None:
    with engine.db.read() as session:
        known = known_fingerprints(session, "permits", ["fp4", "fp1", "fp1", "nope"])
        by_line = {r.line: r for r in row_infos(session, booked)}
        many = known_fingerprints(session, "permits", [f"x{i}" for i in range(1200)] + ["fp2"])
        assert known_fingerprints(session, "decisions", ["fp1", "fp2"]) == {}
        assert known_fingerprints(session, "permits", []) == {}
    assert set(known) == {"fp1", "fp4"}
    assert [known["fp1"][1:], known["fp4"][1:]] == [(booked, 1), (booked, 4)]
    assert known["fp1"][0] != known["fp4"][0]
    assert set(many) == {"fp2"} and many["fp2"][1:] == (booked, 2)  # found beyond one chunk
    assert by_line[1].clarification_id is None


def test_find_file(engine: Staffel) -> None:
    file_id = new_file(engine)
    with engine.db.read() as session:
        found = find_file(session, "permits", SHA)
        assert found is not None and found.id == file_id
        assert find_file(session, "decisions", SHA) is None
        assert find_file(session, "permits", "00" * 32) is None


@pytest.mark.parametrize(("value", "expected"), [
    (" 8123456 - 423 ", "8123456-423"), ("st-1a2b-3c4d-5e6f", "ST-1A2B-3C4D-5E6F"),
    (None, ""), ("", ""), ("\t7000001-zz9\n", "7000001-ZZ9")])
def test_compact(value: str | None, expected: str) -> None:
    assert compact(value) == expected


def test_case_candidates(engine: Staffel, case: CaseInfo) -> None:
    other = engine.cases.start(OTHER, "BE", "asylum", "7000 001-zz9", process_key="basic")
    plain = engine.cases.start(OTHER, "BE", "asylum", process_key="basic")

    def found(azs: set[str], births: set[str]) -> list[str]:
        with engine.db.read() as session:
            return sorted(c.id for c in case_candidates(session, azs, births))

    assert found(set(), set()) == []
    assert found({"8123456-423"}, set()) == [case.id]
    assert found({compact(" 7000 001-ZZ9")}, set()) == [other.id]
    assert found({plain.case_number}, set()) == [plain.id]
    assert found(set(), {"1985-01-01"}) == sorted([other.id, plain.id])
    assert found({"8123456-423"}, {"1985-01-01"}) == sorted([case.id, other.id, plain.id])
    assert found({"0000000-000"}, {"2001-01-01"}) == []
    # an empty key matches nothing (not every case without an Aktenzeichen)
    assert found({""}, {""}) == []
    with engine.db.read() as session:
        (candidate,) = case_candidates(session, {"8123456-423"}, set())
    assert candidate == CaseCandidate(case.id, case.case_number, "8123456-423", "Haddad",
                                      "Rana", "1990-04-12", "S1")


def test_clarification_info_names_the_candidates(engine: Staffel, case: CaseInfo,
                                                 booked: int) -> None:
    _first, second = clarifications(engine)
    with engine.db.read() as session:
        info = clarification_info(session, session.get(ImportClarification, second.id))
    assert (info.file_id, info.file_name, info.line, info.state) == (booked, "abh.csv", 4,
                                                                     "open")
    assert info.candidates == [(case.id, case.case_number), ("f" * 32, "?")]
    assert info.fields == {"family_name": "Haddad", "birth_date": "1990-04-12"}


def test_a_clarification_is_decided_once(engine: Staffel, case: CaseInfo, booked: int) -> None:
    first, second = clarifications(engine)
    engine.clock.advance(by=timedelta(hours=2))
    assert decide(engine, "cw_ez", first.id, ClarificationState.RESOLVED,
                  {"case_id": case.id}) == first.id
    with pytest.raises(Conflict, match="the clarification is already resolved"):
        decide(engine, "cw_other", first.id, ClarificationState.DISCARDED, {"reason": "x"})
    with pytest.raises(NotFound, match="no such clarification"):
        decide(engine, "cw_ez", 999_999, ClarificationState.RESOLVED, {})
    after, untouched = clarifications(engine)
    assert (after.state, after.resolution, after.resolved_by) == (
        "resolved", {"case_id": case.id}, "cw_ez")
    assert after.resolved_at == START + timedelta(hours=2)
    assert after.fields == {}  # person fields are not kept once decided
    assert (untouched.state, untouched.fields) == ("open", second.fields)
