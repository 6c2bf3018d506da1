"""Real cases with real warm handovers (bpmn/ on the simulated clock) for the outbound tests.

* :func:`resettlement_handover` — Eingangszone → Jobcenter Leistung (§69 SGB X), proposed by
  ``cw_eingangszone``, optionally acknowledged by ``cw_jc_leistung``.
* :func:`course_handover` — the same case carried on to S5 and the handover Jobcenter
  Arbeitsvermittlung → Integrationskursträger, which needs the person's consent.
"""

from __future__ import annotations

from typing import Any

from engine import Staffel
from tests.lifecycle.helpers import (
    ACK,
    CLOSE,
    COURSE_PLANNED,
    FIRST_APPOINTMENT,
    PERMIT_PREPARE,
    PERSON,
    REGISTRATION,
    SGB2_APPROVAL,
    advance_to,
    complete_open,
    proposal,
)

APPOINTMENT = "2027-10-06T10:00:00+02:00"  # Wed, 08:00 UTC
COURSE_APPOINTMENT = "2027-10-12T10:00:00+02:00"
ALL_CATEGORIES = ["identity", "residence_status", "benefits", "deadlines", "language_level",
                  "qualifications", "household"]


def handover_id(eng: Staffel, case_id: str, key: str) -> int:
    """The row id of the case's handover ``key``."""
    (found,) = [h for h in eng.cases.get(case_id).handovers if h.key == key]
    assert found.id is not None
    return found.id


def resettlement_handover(eng: Staffel, *, registration: dict[str, Any] = REGISTRATION,
                          package: list[str] | None = None, interpreter: bool = True,
                          acknowledge: bool = True, person: dict[str, Any] | None = None
                          ) -> tuple[str, int]:
    """A resettlement case whose Eingangszone proposed the handover to jc_leistung."""
    advance_to(eng, "2027-10-04")
    case = eng.cases.start(person or PERSON, "NW", "resettlement", actor="cw_eingangszone").id
    complete_open(eng, case, "Task_register", registration)
    complete_open(eng, case, "Task_resettlement_arrival", {"arrival_date": "2027-10-04"})
    form = proposal(APPOINTMENT, package)
    form["handover_interpreter"] = interpreter
    complete_open(eng, case, "Task_handover_propose", form)
    if acknowledge:
        complete_open(eng, case, "Task_handover_ack", ACK)
    return case, handover_id(eng, case, "resettlement_to_sgb2")


def course_handover(eng: Staffel, *, registration: dict[str, Any] = REGISTRATION,
                    package: list[str] | None = None) -> tuple[str, int]:
    """Carry a resettlement case to S5 and propose the handover to the course provider."""
    case, _first = resettlement_handover(eng, registration=registration)
    complete_open(eng, case, "Task_handover_close", CLOSE)
    complete_open(eng, case, "Task_permit_prepare", PERMIT_PREPARE)
    eng.messages.correlate("permit_issued", {"paragraph": "§23(4)", "valid_until": "2030-10-03",
                                    "issued_on": "2027-10-04"}, case_id=case)
    eng.messages.correlate("sgb2_application_received", {"received_on": "2027-10-05"}, case_id=case)
    complete_open(eng, case, "Task_sgb2_approve", SGB2_APPROVAL)
    complete_open(eng, case, "Task_first_appointment",
                  {**FIRST_APPOINTMENT, "qualification": "Elektriker"})
    complete_open(eng, case, "Task_course_obligation", COURSE_PLANNED)
    complete_open(eng, case, "Task_handover_propose",
                  proposal(COURSE_APPOINTMENT,
                           package or ["identity", "language_level", "qualifications"]))
    return case, handover_id(eng, case, "course_registration")
