"""Erasing one person (Art. 17 GDPR): after it no erased value is anywhere in the database
(every table dumped, every encrypted value opened), the audit chain still verifies, the
pseudonymous record stays; the four-eyes request refuses every bad input and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from engine import Conflict, InvalidInput, NotFound, Staffel
from engine.execution.state_format import merge, parse
from engine.persistence.crypto import KeyRing
from engine.persistence.models import AuditEvent, ProcessInstance
from engine.privacy.process_data import Scrubber, scrub_state
from tests.engine.privacy.erasure_scene import (
    AZ,
    closed_case,
    ended_by_import,
    found,
    keep_message,
    opened_dump,
)
from tests.web.conftest import snapshot


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing.generate()


@pytest.fixture
def eng(make_engine: Any, ring: KeyRing) -> Staffel:
    from tests.conftest import ENGINE_DIAGRAMS
    engine: Staffel = make_engine(keys=ring)
    engine.definitions.deploy_directory(ENGINE_DIAGRAMS, actor="tester")
    return engine


def request_and_approve(eng: Staffel, case_id: str) -> Any:
    req = eng.erasure.request(case_id, "Antrag nach Art. 17 DSGVO", actor="sup_jc")
    return eng.erasure.decide(req.id, True, actor="admin", note="geprüft")


def test_after_erasure_no_erased_value_is_anywhere_and_the_chain_verifies(
        eng: Staffel, database_url: str, ring: KeyRing) -> None:
    case_id = closed_case(eng)
    keep_message(eng, case_id)
    before = opened_dump(database_url, ring)
    assert {"Qarawi", "Zubeida", "1987-11-23", AZ} <= set(found(before))  # the control

    decided = request_and_approve(eng, case_id)

    assert found(opened_dump(database_url, ring)) == []
    assert eng.audit.verify().ok
    assert decided.state == "approved" and decided.counts is not None
    assert decided.counts.person_fields == 5 and decided.counts.aktenzeichen == 1
    assert decided.counts.messages == 1 and decided.counts.process_values >= 3
    case = eng.cases.get(case_id)
    assert case.person == {} and case.bamf_aktenzeichen is None
    assert eng.erasure.erased_at(case_id) is not None
    # the pseudonymous record stays: number, stage, closing, deadlines, tasks
    assert case.case_number and case.stage == "S5" and case.closed_at is not None
    assert "sgb2_start" in case.deadlines
    with pytest.raises(NotFound):  # the blind index forgot the Aktenzeichen
        eng.cases.find_id(None, {"bamf_aktenzeichen": AZ})
    assert eng.cases.search(teams=None, text="qarawi").items == []
    events = [e.action for e in eng.audit.events(case_id)]
    assert events[-3:] == ["erasure_requested", "person_erased", "erasure_approved"]


def test_the_process_data_keeps_codes_numbers_and_dates_and_loses_free_text(
        eng: Staffel) -> None:
    case_id = closed_case(eng)
    request_and_approve(eng, case_id)
    with eng.db.read() as s:
        states = [merge(*parse(r.state)) for r in s.scalars(
            select(ProcessInstance).where(ProcessInstance.case_id == case_id))]
    data = states[0]["data"]
    assert data["entry"] == "resettlement" and data["land"] == "NW"
    assert data["decision_date"] == "2027-01-31" and data["case_id"] == case_id
    assert "contact_note" not in data and "callback_day" not in data  # text; the birth date
    assert all("note" not in t["data"] for st in states for t in st["tasks"].values())
    # the case view still reads its instances (the diagram's walked path)
    assert eng.timers.pending(case_id) is not None


def test_the_rule_for_process_values() -> None:
    scrub = Scrubber(["Qarawi", "1987-11-23"])
    kept = scrub.mapping({
        "outcome": "refugee", "stage": "S5", "level": "B1", "paragraph": "§25(2) Alt. 1",
        "hours": 700, "ok": True, "on": "2027-05-03", "at": "2027-05-03T09:00:00+00:00",
        "note": "Bitte anrufen", "who": "Zubeida", "family_name": "qarawi",
        "born": "1987-11-23", "code": "qarawi_1", "list": ["kurstraeger", "Herr Meier"],
        "decision": {"outcome": "refugee", "comment": "siehe Akte"}})
    assert kept == {"outcome": "refugee", "stage": "S5", "level": "B1",
                    "paragraph": "§25(2) Alt. 1", "hours": 700, "ok": True,
                    "on": "2027-05-03", "at": "2027-05-03T09:00:00+00:00",
                    "list": ["kurstraeger"], "decision": {"outcome": "refugee"}}
    assert scrub_state(b"", []) == (b"", 0)


def test_an_ended_process_with_an_agency_line_loses_the_original_too(
        eng: Staffel, database_url: str, ring: KeyRing) -> None:
    case_id, file_id = ended_by_import(eng)
    assert eng.imports.original(file_id)[1]
    decided = request_and_approve(eng, case_id)
    assert decided.counts is not None and decided.counts.import_originals == 1
    assert found(opened_dump(database_url, ring)) == []
    assert eng.imports.file(file_id).counts["correlated"] == 1  # the report stays
    with pytest.raises(NotFound, match="erased"):
        eng.imports.original(file_id)


def test_four_eyes_and_bad_inputs_change_nothing(eng: Staffel) -> None:
    case_id = closed_case(eng)
    bad: list[tuple[Any, type[Exception]]] = [
        (lambda: eng.erasure.request(case_id, "  ", actor="sup_jc"), InvalidInput),
        (lambda: eng.erasure.request(case_id, "x" * 501, actor="sup_jc"), InvalidInput),
        (lambda: eng.erasure.request(case_id, "Frau QARAWI wünscht es", actor="sup_jc"),
         InvalidInput),
        (lambda: eng.erasure.request("nope", "Grund", actor="sup_jc"), NotFound),
        (lambda: eng.erasure.decide(999, True, actor="admin"), NotFound),
    ]
    for call, error in bad:
        before = snapshot(eng)
        with pytest.raises(error):
            call()
        assert snapshot(eng) == before
    req = eng.erasure.request(case_id, "Antrag der Person", actor="sup_jc")
    with pytest.raises(Conflict, match="open erasure request"):
        eng.erasure.request(case_id, "noch einmal", actor="sup_jc")
    before = snapshot(eng)
    with pytest.raises(Conflict, match="four eyes"):
        eng.erasure.decide(req.id, True, actor="sup_jc")
    with pytest.raises(InvalidInput):
        eng.erasure.decide(req.id, True, actor="admin", note="n" * 501)
    with pytest.raises(InvalidInput, match="must not name the person"):
        eng.erasure.decide(req.id, False, actor="admin", note="Zubeida fragt nach")
    assert snapshot(eng) == before and eng.cases.get(case_id).person
    assert [p.id for p in eng.erasure.pending()] == [req.id]
    rejected = eng.erasure.decide(req.id, False, actor="admin", note="keine Grundlage")
    assert rejected.state == "rejected" and eng.cases.get(case_id).person
    before = snapshot(eng)
    with pytest.raises(Conflict, match="rejected already"):
        eng.erasure.decide(req.id, True, actor="admin2")
    assert snapshot(eng) == before and eng.erasure.pending() == []


def test_a_running_case_is_refused_and_an_erased_one_too(eng: Staffel) -> None:
    running = eng.cases.start({"family_name": "Laufend", "given_name": "Fall",
                               "birth_date": "1980-01-01"}, "NW", "asylum", "1111111-111",
                              process_key="basic", actor="tester")
    before = snapshot(eng)
    with pytest.raises(Conflict, match="the case is still running"):
        eng.erasure.request(running.id, "Grund", actor="sup_soz")
    assert snapshot(eng) == before
    case_id = closed_case(eng)
    request_and_approve(eng, case_id)
    with eng.db.read() as s:
        audits = s.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(Conflict, match="erased already"):
        eng.erasure.request(case_id, "Grund", actor="sup_jc")
    with pytest.raises(Conflict, match="erased already"):
        eng.erasure.erase(case_id, actor="retention")
    with eng.db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == audits
