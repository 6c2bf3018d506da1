"""Message payloads are checked against bpmn/messages/*.schema.json before anything changes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from engine import Staffel
from engine.errors import InvalidInput
from engine.persistence.models import (
    AuditEvent,
    CaseDeadline,
    HumanTask,
    MessageWait,
    ProcessInstance,
    Timer,
)
from tests.lifecycle.helpers import (
    advance_to,
    new_engine,
    register_asylum,
    start_asylum,
)

AZ = "8123456-423"
GOOD = {"outcome": "refugee", "decision_date": "2027-05-10", "served_on": "2027-05-12"}


def snapshot(eng: Staffel, case_id: str) -> tuple[Any, ...]:
    view = eng.cases.get(case_id)
    with eng.db.read() as s:
        return (
            view.stage, view.benefit_system, view.status,
            [(r.id, r.state, r.lock_version) for r in s.scalars(select(ProcessInstance))],
            [(r.id, r.state) for r in s.scalars(select(HumanTask))],
            [(r.id, r.status) for r in s.scalars(select(Timer))],
            sorted((r.message_name, r.element_id) for r in s.scalars(select(MessageWait))),
            s.scalar(select(func.count()).select_from(CaseDeadline)),
            s.scalar(select(func.count()).select_from(AuditEvent)),
        )


BAD = [
    ({**GOOD, "outcome": "granted"}, "payload.outcome"),
    ({**GOOD, "decision_date": "2027-02-30"}, "payload.decision_date"),
    ({"outcome": "refugee", "decision_date": "2027-05-10"}, "payload.(root)"),  # no service
    ({**GOOD, "posted_on": "2027-05-11"}, "payload.(root)"),  # served AND posted
    ({**GOOD, "reasons_for_flight": "..."}, "payload.(root)"),  # never stored
    ({"decision_date": "2027-05-10", "served_on": "2027-05-12"}, "payload.outcome"),
]


@pytest.mark.parametrize(("payload", "field"), BAD, ids=[
    "unknown outcome", "impossible date", "neither served nor posted", "served and posted",
    "unknown field", "missing outcome"])
def test_bad_bamf_payload_is_rejected_and_nothing_changes(make_engine: Any,
                                                          payload: dict[str, Any],
                                                          field: str) -> None:
    eng = new_engine(make_engine)
    case = start_asylum(eng, AZ)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-05-12")
    before = snapshot(eng, case.id)
    with pytest.raises(InvalidInput,
                       match=r"^the payload of message 'bamf_decision' is not valid$") as err:
        eng.messages.correlate("bamf_decision", payload, correlation={"bamf_aktenzeichen": AZ})
    assert field in {e["field"] for e in err.value.errors}
    assert snapshot(eng, case.id) == before
    # the case still waits and takes a good payload
    after = eng.messages.correlate("bamf_decision", GOOD, correlation={"bamf_aktenzeichen": AZ})
    assert after.stage == "S3b" and "lawsuit_deadline" in after.deadlines


def test_bad_permit_payload_is_rejected(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    case = start_asylum(eng, AZ)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-03-12")
    eng.messages.correlate("bamf_decision", {"outcome": "deportation_ban",
                                             "decision_date": "2027-03-10",
                                             "served_on": "2027-03-12"}, case_id=case.id)
    advance_to(eng, "2027-03-31")
    eng.tasks.complete(eng.cases.get(case.id).open_tasks[0].id,
                      {"fiktion_certificate_issued": False}, "cw_abh")
    before = snapshot(eng, case.id)
    for payload, field in (({"paragraph": "§26", "valid_until": "2028-04-19"},
                            "payload.paragraph"),
                           ({"paragraph": "§25(3)"}, "payload.valid_until"),
                           ({"paragraph": "§25(3)", "valid_until": "19.04.2028"},
                            "payload.valid_until")):
        with pytest.raises(InvalidInput,
                           match=r"^the payload of message 'permit_issued' is not valid$") as err:
            eng.messages.correlate("permit_issued", payload, case_id=case.id)
        assert field in {e["field"] for e in err.value.errors}
    assert snapshot(eng, case.id) == before
