"""Cases of the real lifecycle (bpmn/) for the import tests, each waiting for one message."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from engine import Staffel
from engine.persistence.import_rows import ImportClarification, ImportFile, ImportRow
from engine.persistence.models import AuditEvent, Case, CaseDeadline, MessageWait, ProcessInstance
from tests.lifecycle.helpers import (
    ACK,
    ASYLBLG_STOP,
    BPMN_DIR,
    CLOSE,
    COURSE_PLANNED,
    FIRST_APPOINTMENT,
    PERMIT_PREPARE,
    SGB2_APPROVAL,
    advance_to,
    complete_open,
    proposal,
    register_asylum,
    warm_handover,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
HADDAD = {"family_name": "Haddad", "given_name": "Rana", "birth_date": "1990-04-12"}
OEZDEMIR = {"family_name": "Özdemir", "given_name": "Gül", "birth_date": "1985-07-20"}
TESFAY = {"family_name": "Tesfay", "given_name": "Yonas", "birth_date": "1996-11-02"}
KARIMI = {"family_name": "Karimi", "given_name": "Amir", "birth_date": "1993-09-09"}
AHMADI = {"family_name": "Ahmadi", "given_name": "Karim", "birth_date": "2001-06-15"}
MUELLER = {"family_name": "Müller-Lüdenscheidt", "given_name": "Jürgen",
           "birth_date": "1970-01-01"}


@dataclass
class World:
    """The cases: who waits for what."""

    eng: Staffel
    haddad: str = ""     # S3a, waits for permit_issued (AZ 8123456-423)
    tesfay: str = ""     # S3a, waits for permit_issued (no AZ)
    karimi: str = ""     # S2, waits for bamf_decision (AZ 8123456-600)
    ahmadi: tuple[str, str] = ("", "")  # two S2 cases of the same person data (no AZ)


def new_engine(make_engine: Any) -> Staffel:
    """An engine with bpmn/ deployed."""
    eng: Staffel = make_engine()
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    return eng


def in_s2(eng: Staffel, person: dict[str, str], az: str | None) -> str:
    """A registered asylum case waiting for the BAMF decision."""
    case = eng.cases.start(person, "NW", "asylum", az, actor="cw_eingangszone")
    register_asylum(eng, case.id)
    return case.id


def waiting_for_permit(eng: Staffel, person: dict[str, str], az: str | None,
                       outcome: str = "asylum") -> str:
    """Asylum granted (S3a), permit prepared: the case waits for ``permit_issued``."""
    case_id = in_s2(eng, person, az)
    eng.messages.correlate("bamf_decision", {"outcome": outcome, "decision_date": "2027-03-01",
                                    "served_on": "2027-03-01"}, case_id=case_id)
    if outcome == "asylum":
        complete_open(eng, case_id, "Task_permit_prepare", PERMIT_PREPARE)
    return case_id


def finish_refugee(eng: Staffel, case_id: str) -> None:
    """After the decision became final (clock at 2027-03-16): prepare the permit (S3b)."""
    complete_open(eng, case_id, "Task_permit_prepare", PERMIT_PREPARE)


def world(eng: Staffel) -> World:
    """Haddad and Tesfay wait for their permit, Karimi and the two Ahmadi for the BAMF."""
    w = World(eng)
    w.haddad = waiting_for_permit(eng, HADDAD, "8123456-423")
    w.tesfay = waiting_for_permit(eng, TESFAY, None)
    w.karimi = in_s2(eng, KARIMI, "8123456-600")
    w.ahmadi = (in_s2(eng, AHMADI, None), in_s2(eng, AHMADI, None))
    return w


def refugees(eng: Staffel) -> tuple[str, str]:
    """Özdemir (refugee status, S3b) and Müller-Lüdenscheidt (asylum, S3a) wait for permits."""
    oez = waiting_for_permit(eng, OEZDEMIR, "8123456-500", outcome="refugee")
    mue = waiting_for_permit(eng, MUELLER, None)
    advance_to(eng, "2027-03-16")  # served 01.03. + 2 weeks = 15.03.: final on the 16th
    finish_refugee(eng, oez)
    return oez, mue


def waiting_for_course(eng: Staffel) -> str:
    """Haddad through permit, SGB II and the course handover: waits for ``course_started``."""
    case_id = in_s2(eng, HADDAD, "8123456-423")
    eng.messages.correlate("bamf_decision", {"outcome": "asylum", "decision_date": "2027-03-01",
                                    "served_on": "2027-03-01"}, case_id=case_id)
    warm_handover(eng, case_id, "2027-03-05T10:00:00+01:00", continuity=True)
    complete_open(eng, case_id, "Task_permit_prepare", PERMIT_PREPARE)
    eng.messages.correlate("sgb2_application_received", {"received_on": "2027-03-02"},
                           case_id=case_id)
    complete_open(eng, case_id, "Task_sgb2_approve", SGB2_APPROVAL)
    eng.messages.correlate("permit_issued", {"paragraph": "§25(1)", "valid_until": "2030-03-01",
                                    "issued_on": "2027-03-02"}, case_id=case_id)
    advance_to(eng, "2027-03-31")
    complete_open(eng, case_id, "Task_asylblg_stop", ASYLBLG_STOP)
    advance_to(eng, "2027-04-01")
    complete_open(eng, case_id, "Task_first_appointment", FIRST_APPOINTMENT)
    complete_open(eng, case_id, "Task_course_obligation", COURSE_PLANNED)
    complete_open(eng, case_id, "Task_handover_propose", proposal("2027-04-08T10:00:00+02:00"))
    complete_open(eng, case_id, "Task_handover_ack", ACK)
    complete_open(eng, case_id, "Task_handover_close", CLOSE)
    return case_id


def waits(eng: Staffel, case_id: str) -> set[str]:
    """The messages a case waits for."""
    with eng.db.read() as s:
        return set(s.scalars(select(MessageWait.message_name)
                             .where(MessageWait.case_id == case_id)))


def counts(eng: Staffel) -> dict[str, int]:
    """Row counts of every table an import may touch."""
    tables = {"files": ImportFile, "rows": ImportRow, "clarifications": ImportClarification,
              "audit": AuditEvent, "deadlines": CaseDeadline, "waits": MessageWait,
              "cases": Case}
    with eng.db.read() as s:
        result = {k: s.scalar(select(func.count()).select_from(t)) or 0
                  for k, t in tables.items()}
        result["instance_versions"] = sum(s.scalars(select(ProcessInstance.lock_version)))
        return result


def read(name: str) -> bytes:
    """A test file's bytes."""
    return (DATA / name).read_bytes()
