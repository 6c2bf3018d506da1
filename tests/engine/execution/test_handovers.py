"""Warm-handover rows of engine.execution.handovers: the steps scripts report written to the
database (propose, acknowledge, escalate, propose again), appointment parsing, the case's list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine import Staffel
from engine.errors import ScriptError
from engine.execution.effects import CaseEffects, HandoverStep, collecting, handover_proposed
from engine.execution.handovers import apply_step, list_handovers
from engine.model import HandoverInfo
from tests.conftest import PERSON, START


def proposed(key: str, appointment_at: Any = None, to_team: str = "jc_leistung") -> HandoverStep:
    """The step a script's ``handover_proposed(...)`` reports."""
    with collecting(CaseEffects("unused", "NW")) as effects:
        handover_proposed(key, "sozialamt", to_team, "§67d SGB X", "SGB II start",
                          appointment_at=appointment_at, shared_fields=["family_name"],
                          consent=True)
    return effects.handovers[0]


@pytest.fixture
def case_id(engine: Staffel) -> str:
    return engine.cases.start(PERSON, "NW", "asylum", process_key="basic", actor="tester").id


def write(engine: Staffel, case_id: str, step: HandoverStep, actor: str = "cw_soz") -> int:
    with engine.unit(actor) as uow:
        row = apply_step(uow.session, case_id, step, actor, uow.now)
        uow.session.flush()  # the runtime flushes after applying the effects
        return row.id


def handovers_of(engine: Staffel, case_id: str) -> list[HandoverInfo]:
    with engine.db.read() as session:
        return list_handovers(session, case_id)


def test_a_proposal_writes_the_row(engine: Staffel, case_id: str) -> None:
    row_id = write(engine, case_id, proposed("ho1", "2027-03-10T09:00:00+01:00"))
    assert handovers_of(engine, case_id) == [HandoverInfo(
        "ho1", "sozialamt", "jc_leistung", "proposed", "§67d SGB X", "SGB II start", True,
        ["family_name"], datetime(2027, 3, 10, 8, 0, tzinfo=UTC), START, "cw_soz", None, None,
        None, row_id)]


def test_acknowledge_then_escalate(engine: Staffel, case_id: str) -> None:
    write(engine, case_id, proposed("ho1"))
    engine.clock.advance(by=timedelta(days=2))
    write(engine, case_id, HandoverStep("ho1", "escalated"), actor="timer")
    (info,) = handovers_of(engine, case_id)
    assert info.state == "proposed"  # an escalation leaves it proposed
    assert info.escalated_at == START + timedelta(days=2)
    engine.clock.advance(by=timedelta(days=1))
    write(engine, case_id, HandoverStep("ho1", "acknowledged"), actor="cw_jc")
    (info,) = handovers_of(engine, case_id)
    assert (info.state, info.acknowledged_by) == ("acknowledged", "cw_jc")
    assert info.acknowledged_at == START + timedelta(days=3)
    assert info.proposed_by == "cw_soz" and info.proposed_at == START


def test_proposing_again_reuses_the_row_and_forgets_the_answer(engine: Staffel,
                                                               case_id: str) -> None:
    first = write(engine, case_id, proposed("ho1"))
    write(engine, case_id, HandoverStep("ho1", "escalated"))
    write(engine, case_id, HandoverStep("ho1", "acknowledged"), actor="cw_jc")
    engine.clock.advance(by=timedelta(days=1))
    again = write(engine, case_id, proposed("ho1", to_team="aa_beratung"), actor="cw_other")
    assert again == first
    (info,) = handovers_of(engine, case_id)
    assert (info.state, info.to_team, info.proposed_by) == ("proposed", "aa_beratung",
                                                            "cw_other")
    assert info.proposed_at == START + timedelta(days=1)
    assert (info.acknowledged_at, info.acknowledged_by, info.escalated_at) == (None, None, None)


@pytest.mark.parametrize("step", ["acknowledged", "escalated"])
def test_a_step_of_a_handover_never_proposed_fails(engine: Staffel, case_id: str,
                                                   step: str) -> None:
    with pytest.raises(ScriptError, match="handover 'ghost' was never proposed"):
        write(engine, case_id, HandoverStep("ghost", step))
    assert handovers_of(engine, case_id) == []


@pytest.mark.parametrize(("value", "expected"), [
    (None, None),
    ("", None),
    ("2027-07-01T10:30:00+02:00", datetime(2027, 7, 1, 8, 30, tzinfo=UTC)),
    ("2027-07-01T08:30:00Z", datetime(2027, 7, 1, 8, 30, tzinfo=UTC)),
    (datetime(2027, 7, 1, 8, 30, tzinfo=UTC), datetime(2027, 7, 1, 8, 30, tzinfo=UTC)),
])
def test_appointment_values(engine: Staffel, case_id: str, value: Any,
                            expected: datetime | None) -> None:
    write(engine, case_id, proposed("ho1", value))
    assert handovers_of(engine, case_id)[0].appointment_at == expected


@pytest.mark.parametrize(("value", "message"), [
    ("2027-07-01T10:30:00", "appointment_at needs a time zone"),
    ("next Tuesday", "appointment_at is not an ISO date-time: 'next Tuesday'"),
    ("2027-13-01T10:00:00+01:00", "appointment_at is not an ISO date-time"),
])
def test_bad_appointments_fail_and_write_nothing(engine: Staffel, case_id: str, value: str,
                                                 message: str) -> None:
    with pytest.raises(ScriptError, match=message):
        write(engine, case_id, proposed("ho1", value))
    assert handovers_of(engine, case_id) == []


def test_the_list_is_oldest_first_and_per_case(engine: Staffel, case_id: str) -> None:
    other = engine.cases.start(PERSON, "BE", "asylum", process_key="basic", actor="tester").id
    write(engine, case_id, proposed("zeta"))
    engine.clock.advance(by=timedelta(hours=1))
    write(engine, case_id, proposed("alpha"))
    write(engine, other, proposed("beta"))
    assert [h.key for h in handovers_of(engine, case_id)] == ["zeta", "alpha"]
    assert [h.key for h in handovers_of(engine, other)] == ["beta"]
    assert handovers_of(engine, "0" * 32) == []
