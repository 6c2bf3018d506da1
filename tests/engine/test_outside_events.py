"""Outside events in any order (issue 12): a message for a case that does not wait for it yet is
kept and used the moment the case gets there; a resend with the same message id changes
nothing; a message the case can never use is refused with its stage; nothing is half-written.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from engine import Conflict, InvalidInput, NotFound, Staffel
from engine.execution.tasks import end_of_working_days
from engine.persistence.inbound import InboundMessage
from engine.persistence.models import AuditEvent, Case
from engine.states import InboundState
from tests.conftest import PERSON, START

DECISION = {"outcome": "refugee"}


def start(engine: Staffel, az: str = "8123456-423") -> Any:
    return engine.cases.start(PERSON, "NW", "asylum", az, process_key="basic", actor="tester")


def register(engine: Staffel, case_id: str) -> None:
    task = engine.cases.get(case_id).open_tasks[0]
    engine.tasks.complete(task.id, {"interpreter_needed": False}, actor="tester")


def rows(engine: Staffel) -> list[InboundMessage]:
    with engine.db.read() as session:
        found = list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
        session.expunge_all()  # plain values to look at after the transaction
        return found


def audit_count(engine: Staffel) -> int:
    with engine.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def kept_count(engine: Staffel, case_id: str) -> int:
    with engine.db.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.buffered_messages


def test_an_early_message_is_kept_and_used_when_the_case_gets_there(engine: Staffel) -> None:
    case = start(engine)
    receipt = engine.messages.receive("bamf_decision", DECISION, case_id=case.id,
                                      message_id="bamf-1", actor="bamf")
    assert (receipt.outcome, receipt.state) == ("buffered", "buffered")
    assert receipt.expires_at == START + timedelta(days=365)
    (row,) = rows(engine)
    assert (row.state, row.payload, row.source, row.received_by) == (
        InboundState.BUFFERED, DECISION, "api", "bamf")
    assert kept_count(engine, case.id) == 1
    assert engine.cases.get(case.id).status == "running"

    register(engine, case.id)  # the case reaches the wait: the kept decision is used at once

    (row,) = rows(engine)
    assert (row.state, row.payload, row.used_by_element) == (
        InboundState.USED, None, "Gw_decision_wait")  # the gateway holds the wait
    assert kept_count(engine, case.id) == 0
    assert engine.cases.get(case.id).status == "completed"
    events = {e.action: e for e in engine.audit.events(case.id)}
    assert events["message_buffered"].seq < events["buffered_message_used"].seq
    # used in the completion's own transaction: one step, one commit
    assert events["buffered_message_used"].at == events["task_completed"].at


def test_a_message_for_a_waiting_case_is_delivered_at_once(engine: Staffel) -> None:
    case = start(engine)
    register(engine, case.id)
    receipt = engine.messages.receive("bamf_decision", DECISION, case_id=case.id,
                                      message_id="bamf-2")
    assert (receipt.outcome, receipt.state, receipt.case.status) == (
        "delivered", "delivered", "completed")
    (row,) = rows(engine)
    assert (row.state, row.payload, row.fields) == (InboundState.DELIVERED, None, ["outcome"])


def test_the_same_message_id_twice_changes_nothing(engine: Staffel) -> None:
    case = start(engine)
    first = engine.messages.receive("bamf_decision", DECISION, case_id=case.id,
                                    message_id="bamf-3")
    events = audit_count(engine)
    again = engine.messages.receive("bamf_decision", {"outcome": "rejected"}, case_id=case.id,
                                    message_id="bamf-3")
    assert (first.outcome, again.outcome, again.state) == ("buffered", "duplicate", "buffered")
    assert len(rows(engine)) == 1 and rows(engine)[0].payload == DECISION
    assert audit_count(engine) == events and kept_count(engine, case.id) == 1
    register(engine, case.id)
    after_use = engine.messages.receive("bamf_decision", DECISION, case_id=case.id,
                                        message_id="bamf-3")
    assert (after_use.outcome, after_use.state) == ("duplicate", "used")


def test_a_message_id_of_another_case_is_refused(engine: Staffel) -> None:
    first, second = start(engine), start(engine, "8123456-424")
    engine.messages.receive("bamf_decision", DECISION, case_id=first.id, message_id="bamf-4")
    events = audit_count(engine)
    with pytest.raises(Conflict, match="message id 'bamf-4' was used for another case"):
        engine.messages.receive("bamf_decision", DECISION, case_id=second.id,
                                message_id="bamf-4")
    assert len(rows(engine)) == 1 and audit_count(engine) == events
    assert kept_count(engine, second.id) == 0


def test_a_message_the_case_never_uses_is_refused_with_its_stage(engine: Staffel) -> None:
    case = start(engine)
    events = audit_count(engine)
    with pytest.raises(Conflict, match=r"\(stage S1\) will never use message 'course_result'") \
            as info:
        engine.messages.receive("course_result", {"date": "2027-03-01"}, case_id=case.id)
    assert info.value.errors == [{"field": "name", "message": "no process of this case uses it",
                                  "stage": "S1"}]
    assert rows(engine) == [] and audit_count(engine) == events


def test_a_finished_case_uses_no_message_any_more(engine: Staffel) -> None:
    case = start(engine)
    register(engine, case.id)
    engine.messages.receive("bamf_decision", DECISION, case_id=case.id)
    with pytest.raises(Conflict, match="will never use message 'bamf_decision'"):
        engine.messages.receive("bamf_decision", DECISION, case_id=case.id)
    assert [r.state for r in rows(engine)] == [InboundState.DELIVERED]


@pytest.mark.parametrize(("kwargs", "field", "match"), [
    ({"payload": ["x"]}, "payload", "payload must be an object"),
    ({"message_id": ""}, "message_id", "message_id must be 1 to 200 printable characters"),
    ({"message_id": "x" * 201}, "message_id", "message_id must be 1 to 200"),
    ({"message_id": "a\nb"}, "message_id", "printable"),
    ({"name": ""}, "name", "message name is required"),
])
def test_bad_input_is_a_422_and_changes_nothing(engine: Staffel, kwargs: dict[str, Any],
                                                field: str, match: str) -> None:
    case = start(engine)
    events = audit_count(engine)
    call = {"name": "bamf_decision", "payload": DECISION, "message_id": None, **kwargs}
    with pytest.raises(InvalidInput, match=match) as info:
        engine.messages.receive(call["name"], call["payload"], case_id=case.id,
                                message_id=call["message_id"])
    assert info.value.errors[0]["field"] == field
    assert rows(engine) == [] and audit_count(engine) == events


def test_an_unknown_case_is_a_404(engine: Staffel) -> None:
    with pytest.raises(NotFound, match="no such case"):
        engine.messages.receive("bamf_decision", DECISION,
                                correlation={"bamf_aktenzeichen": "0000000-000"})
    assert rows(engine) == []


def test_correlate_still_delivers_only_to_a_waiting_case(engine: Staffel) -> None:
    case = start(engine)
    with pytest.raises(NotFound, match="is not waiting for message 'bamf_decision'"):
        engine.messages.correlate("bamf_decision", DECISION, case_id=case.id)
    assert rows(engine) == [] and kept_count(engine, case.id) == 0


# -- what a case waits for, and the stalled check ---------------------------------------------
def test_the_case_shows_what_it_waits_for_and_what_is_kept(engine: Staffel) -> None:
    case = start(engine)
    engine.messages.receive("bamf_decision", DECISION, case_id=case.id, source="hand")
    view = engine.cases.get(case.id)
    assert view.waiting_for == []  # still at the registration task
    (kept,) = view.buffered
    assert (kept.message, kept.label, kept.source, kept.received_at, kept.expires_at) == (
        "bamf_decision", "BAMF-Bescheid", "hand", START, START + timedelta(days=365))

    other = start(engine, "8123456-425")
    engine.clock.advance(by=timedelta(hours=2))
    register(engine, other.id)
    (wait,) = engine.cases.get(other.id).waiting_for
    assert (wait.message, wait.label, wait.element_id, wait.expected_team, wait.buffered) == (
        "bamf_decision", "BAMF-Bescheid", "Gw_decision_wait", "sozialamt", False)
    assert wait.since == START + timedelta(hours=2)
    # followed up after 60 working days (NW), at the end of that day, Berlin time
    assert wait.watchdog_due == end_of_working_days(START + timedelta(hours=2), 60, "NW")


def test_stalled_lists_a_case_that_waits_without_a_timer(engine: Staffel) -> None:
    case = start(engine)
    # the registration task is open (and its reminder timer waits): not stalled
    assert engine.supervision.stalled() == []
    register(engine, case.id)
    assert engine.supervision.stalled() == []  # it waits for the decision, watched
    with engine.db.write() as session:  # the follow-up timer failed too often: nothing watches
        session.execute(text("UPDATE timers SET status = 'failed' WHERE case_id = :case"),
                        {"case": case.id})
    (stalled,) = engine.supervision.stalled()
    assert (stalled.case_id, stalled.stage, stalled.waiting_for) == (
        case.id, "S1", ["bamf_decision"])
    assert engine.supervision.stalled(teams=["jc_leistung"]) == []  # not that team's case
    assert [s.case_id for s in engine.supervision.stalled(teams=["sozialamt"])] == [case.id]
    engine.messages.receive("bamf_decision", DECISION, case_id=case.id)
    assert engine.supervision.stalled() == []  # completed: nothing left to move


# -- a kept message whose time ran out becomes a task -----------------------------------------
BPMN = Path(__file__).resolve().parents[2] / "bpmn"


def deploy_review(engine: Staffel) -> None:
    engine.definitions.deploy({
        "outside_event_review.bpmn": (BPMN / "outside_event_review.bpmn").read_bytes(),
        "forms/expired_message.schema.json":
            (BPMN / "forms" / "expired_message.schema.json").read_bytes(),
        "forms/escalation.schema.json": (BPMN / "forms" / "escalation.schema.json").read_bytes(),
    })


def test_an_expired_kept_message_becomes_a_task_for_the_expected_team(engine: Staffel) -> None:
    deploy_review(engine)
    case = start(engine)
    engine.messages.receive("bamf_decision", DECISION, case_id=case.id)
    engine.clock.advance(by=timedelta(days=364))
    assert [r.state for r in rows(engine)] == [InboundState.BUFFERED]
    engine.clock.advance(by=timedelta(days=2))
    (row,) = rows(engine)
    assert (row.state, row.payload) == (InboundState.EXPIRED, DECISION)  # a person needs it
    assert kept_count(engine, case.id) == 0
    (review,) = [t for t in engine.cases.get(case.id).open_tasks
                 if t.name == "Task_review_expired"]
    assert (review.team, review.title) == ("sozialamt", "Aufbewahrte Nachricht verfallen: prüfen")
    _info, _form, data = engine.tasks.get(review.id)
    assert (data["expired_message"], data["message_payload"]) == ("bamf_decision", DECISION)
    assert "buffered_message_expired" in [e.action for e in engine.audit.events(case.id)]


def test_without_the_review_process_nothing_expires_silently(engine: Staffel) -> None:
    case = start(engine)
    engine.messages.receive("bamf_decision", DECISION, case_id=case.id)
    engine.clock.advance(by=timedelta(days=400))
    assert [r.state for r in rows(engine)] == [InboundState.BUFFERED]
    assert kept_count(engine, case.id) == 1


def test_a_wait_is_followed_up_and_the_message_ends_the_follow_up(engine: Staffel) -> None:
    case = start(engine)
    register(engine, case.id)
    engine.clock.advance(by=timedelta(days=95))  # past 60 working days (NW)
    (follow_up,) = [t for t in engine.cases.get(case.id).open_tasks
                    if t.name == "Task_follow_up"]
    assert engine.cases.get(case.id).waiting_for[0].element_id == "Moot_decision"
    receipt = engine.messages.receive("bamf_decision", DECISION, case_id=case.id)
    assert (receipt.outcome, receipt.case.status) == ("delivered", "completed")
    assert engine.tasks.info(follow_up.id).state == "cancelled"  # moot: the decision came


def test_after_a_follow_up_the_case_waits_again_watched_again(engine: Staffel) -> None:
    case = start(engine)
    register(engine, case.id)
    engine.clock.advance(by=timedelta(days=95))
    (follow_up,) = engine.cases.get(case.id).open_tasks
    engine.tasks.complete(follow_up.id, {"note": "BAMF angefragt"}, actor="cw")
    (wait,) = engine.cases.get(case.id).waiting_for
    assert wait.element_id == "Gw_decision_wait" and wait.watchdog_due is not None
    assert wait.watchdog_due > engine.clock.now() + timedelta(days=60)
    assert engine.supervision.stalled() == []
