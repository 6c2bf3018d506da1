"""Events that make a pending step moot: a permit the Ausländerbehörde's own Fachverfahren
reports while "Aufenthaltserlaubnis vorbereiten" is still open ends that task (audited as ended
by the report) and the case moves on; a permit reported even earlier is kept and ends the task
the moment the case gets there. Recorded by hand, the audit names who recorded it."""

from __future__ import annotations

from typing import Any

from engine import Staffel
from tests.lifecycle.helpers import (
    advance_to,
    deadline_dates,
    new_engine,
    register_asylum,
    start_asylum,
    tasks_by_team,
)

AZ = "8123456-423"
DECISION = {"outcome": "deportation_ban", "decision_date": "2027-03-10",
            "served_on": "2027-03-12"}
PERMIT = {"paragraph": "§25(3)", "valid_until": "2028-04-19", "issued_on": "2027-04-20"}


def at_permit_task(make_engine: Any) -> tuple[Staffel, str]:
    """A case whose ABH task "Aufenthaltserlaubnis vorbereiten" is open (deportation ban)."""
    eng = new_engine(make_engine)
    case = start_asylum(eng, AZ)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-03-12")
    eng.messages.receive("bamf_decision", DECISION, case_id=case.id, actor="bamf")
    advance_to(eng, "2027-03-31")  # the decision is final: the ABH prepares the permit
    assert tasks_by_team(eng, case.id)["auslaenderbehoerde"] == ["Task_permit_prepare"]
    return eng, case.id


def test_a_permit_reported_while_the_task_is_open_ends_the_task(make_engine: Any) -> None:
    eng, case_id = at_permit_task(make_engine)
    view = eng.cases.get(case_id)
    task = view.open_tasks[0]
    # while the task is open, the permit may come any time: the task's due date watches it
    (wait,) = view.waiting_for
    assert (wait.message, wait.element_id, wait.watchdog_due) == (
        "permit_issued", "Moot_permit_prepare", task.due_at)
    advance_to(eng, "2027-04-20")
    receipt = eng.messages.receive("permit_issued", PERMIT, case_id=case_id,
                                   message_id="abh-777", actor="fachverfahren")
    assert receipt.outcome == "delivered"
    assert "Task_permit_prepare" not in str(tasks_by_team(eng, case_id))
    assert eng.tasks.get(task.id)[0].state == "cancelled"
    ended = [e for e in eng.audit.events(case_id) if e.action == "task_cancelled"
             and e.details["task_id"] == task.id]
    assert [e.details["ended_by_message"] for e in ended] == ["permit_issued"]
    # the permit's consequences follow as after the normal catch
    assert "permit_renewal_reminder" in deadline_dates(eng, case_id)


def test_a_permit_kept_before_the_case_gets_there_is_used_at_once(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    case = start_asylum(eng, AZ)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-03-11")
    kept = eng.messages.receive("permit_issued", PERMIT, case_id=case.id, actor="fachverfahren")
    assert kept.outcome == "buffered"
    advance_to(eng, "2027-03-12")
    eng.messages.receive("bamf_decision", DECISION, case_id=case.id, actor="bamf")
    advance_to(eng, "2027-03-31")
    view = eng.cases.get(case.id)
    assert not view.buffered
    assert all(t.name != "Task_permit_prepare" for t in view.open_tasks)
    assert "permit_renewal_reminder" in deadline_dates(eng, case.id)
    used = [e for e in eng.audit.events(case.id) if e.action == "buffered_message_used"]
    assert [e.element_id for e in used] == ["Moot_permit_prepare"]


def test_a_permit_recorded_by_hand_names_who_recorded_it(make_engine: Any) -> None:
    eng, case_id = at_permit_task(make_engine)
    eng.messages.receive("permit_issued", PERMIT, case_id=case_id, actor="cw_abh",
                         source="hand")
    (event,) = [e for e in eng.audit.events(case_id) if e.action == "message_correlated"
                and e.details["message"] == "permit_issued"]
    assert (event.actor, event.details["source"], event.details["recorded_by"]) == (
        "cw_abh", "hand", "cw_abh")


def test_a_permit_kept_by_hand_names_who_recorded_it(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    case = start_asylum(eng, AZ)
    eng.messages.receive("permit_issued", PERMIT, case_id=case.id, actor="cw_abh",
                         source="hand")
    (event,) = [e for e in eng.audit.events(case.id) if e.action == "message_buffered"]
    assert (event.details["source"], event.details["recorded_by"]) == ("hand", "cw_abh")


def test_usable_messages_and_their_schema(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    case = start_asylum(eng, AZ)
    usable = eng.messages.usable(case.id)
    assert {"bamf_decision", "permit_issued", "sgb2_application_received",
            "course_started", "course_result"} <= set(usable)
    schema = eng.messages.schema(case.id, "permit_issued")
    assert schema is not None and schema["required"] == ["paragraph", "valid_until"]


def test_a_message_the_case_had_is_not_offered_again_unless_it_waits_for_it(
        make_engine: Any) -> None:
    eng, case_id = at_permit_task(make_engine)
    usable = eng.messages.usable(case_id)
    assert "bamf_decision" not in usable  # received: recording it again would only keep it
    assert "permit_issued" in usable  # the case waits for it (the open task ends with it)


def test_the_wait_on_a_task_is_watched_by_that_task_not_a_parallel_one(
        make_engine: Any) -> None:
    """Recognised (S3b): the ABH's permit task and the Sozialamt's handover start together;
    the permit wait is watched by the permit task's due date."""
    eng = new_engine(make_engine)
    case = start_asylum(eng, AZ)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-05-12")
    eng.messages.receive("bamf_decision", {"outcome": "refugee", "decision_date": "2027-05-10",
                                           "served_on": "2027-05-12"}, case_id=case.id)
    advance_to(eng, "2027-06-02")
    view = eng.cases.get(case.id)
    due = {t.name: t.due_at for t in view.open_tasks}
    assert {"Task_permit_prepare", "Task_handover_propose"} <= set(due)
    assert due["Task_permit_prepare"] != due["Task_handover_propose"]
    (wait,) = [w for w in view.waiting_for if w.message == "permit_issued"]
    assert wait.watchdog_due == due["Task_permit_prepare"]
