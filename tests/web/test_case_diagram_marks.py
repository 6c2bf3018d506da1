"""The case diagram marks exactly where the case is (issue 12): the open user tasks, the waits
(messages, timers, the event-based gateway holding both), the call activities whose called
process is running — not every call activity that calls the same process elsewhere — and, in
a lighter style (``data-done``), the elements the case has completed."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.lifecycle.helpers import BPMN_DIR, advance_to, register_asylum, start_asylum
from tests.web.conftest import FAST_HASHER, PASSWORD, start_basic, start_jc, start_waiting
from tests.web.test_pages_support import HTML, login, text
from web import create_app
from web.pages.diagrams import case_diagrams

REFUGEE = {"outcome": "refugee", "decision_date": "2027-03-10", "served_on": "2027-03-12"}
DIAGRAM = re.compile(r'data-xml-url="/cases/[0-9a-f]+/process\.bpmn(?:\?key=(\w+))?"\s+'
                     r'data-open="([^"]*)"\s+data-done="([^"]*)"')
#: call activities of refugee_lifecycle an S3b case (recognised refugee) has not reached
NOT_REACHED = {"Call_permit_resettlement", "Call_handover_resettlement", "Call_sgb2_resettlement",
               "Call_duldung", "Call_permit_other", "Call_transfer_other",
               "Call_ip_integration", "Call_handover_regel"}


@pytest.fixture
def lifecycle_engine(make_engine: Callable[..., Staffel]) -> Staffel:
    eng = make_engine()
    eng.context.password_hasher = FAST_HASHER
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    eng.people.add("cw_soz", PASSWORD, ["caseworker"], ["sozialamt"])
    return eng


@pytest.fixture
def web(lifecycle_engine: Staffel) -> FlaskClient:
    app: Flask = create_app({"ENGINE": lifecycle_engine, "DEPLOY_ON_START": False,
                             "TESTING": True, "SECRET_KEY": "test"})
    return app.test_client()


def at_s3b(eng: Staffel) -> str:
    """A recognised refugee (S3b): the permit is prepared while the benefit transfer's warm
    handover waits for its proposal."""
    case = start_asylum(eng)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-03-12")
    eng.messages.receive("bamf_decision", REFUGEE, case_id=case.id, actor="bamf")
    advance_to(eng, "2027-03-31")
    view = eng.cases.get(case.id)
    assert view.stage == "S3b"
    assert sorted(t.name for t in view.open_tasks) == ["Task_handover_propose",
                                                      "Task_permit_prepare"]
    return case.id


def marks(body: str) -> dict[str, tuple[list[str], list[str]]]:
    """{process key (the top one as ""): (open ids, done ids)} of every diagram on the page."""
    return {key: (opened.split(), done.split()) for key, opened, done in DIAGRAM.findall(body)}


def test_an_s3b_case_marks_only_what_it_reached(web: FlaskClient,
                                                lifecycle_engine: Staffel) -> None:
    case_id = at_s3b(lifecycle_engine)
    login(web, "cw_soz")
    body = text(web.get(f"/cases/{case_id}", headers=HTML))
    found = marks(body)
    # the top diagram and the three processes that run now, callers first
    assert list(found) == ["", "benefit_transfer", "residence_permit", "warm_handover"]
    top_open, top_done = found[""]
    assert top_open == ["Call_transfer_recognition", "Call_permit_recognition"]
    assert not NOT_REACHED & (set(top_open) | set(top_done))
    for walked in ("StartEvent_case", "Task_register", "Call_asylum_procedure",
                   "Call_bamf_decision", "Gw_recognition_split"):
        assert walked in top_done, walked
    assert found["benefit_transfer"] == (["Call_transfer_handover"],
                                         ["StartEvent_transfer", "Script_transfer_handover"])
    assert found["warm_handover"][0] == ["Task_handover_propose", "Sla_handover_propose"]
    assert found["residence_permit"] == (
        ["Task_permit_prepare", "Moot_permit_prepare", "Sla_permit_prepare"],
        ["StartEvent_permit"])
    # the permit is awaited at the boundary message of the open task: that element is marked
    waits = lifecycle_engine.cases.get(case_id).waiting_for
    assert [w.element_id for w in waits] == ["Moot_permit_prepare"]
    # processes that ran and ended are not shown (their call activities are marked done)
    assert "process.bpmn?key=asylum_procedure" not in body


def test_the_engine_reads_the_position_from_the_instance(lifecycle_engine: Staffel) -> None:
    case_id = at_s3b(lifecycle_engine)
    position = lifecycle_engine.timers.pending(case_id)
    calls = {(p.process_key, p.element_id, p.called) for p in position.pending
             if p.kind == "call"}
    assert calls == {("refugee_lifecycle", "Call_transfer_recognition", "benefit_transfer"),
                     ("benefit_transfer", "Call_transfer_handover", "warm_handover"),
                     ("refugee_lifecycle", "Call_permit_recognition", "residence_permit")}
    timers = {p.element_id: p.due_at for p in position.pending if p.kind == "timer"}
    assert set(timers) == {"Sla_handover_propose", "Sla_permit_prepare"}
    assert all(due is not None for due in timers.values())
    # completed sub-processes keep no "done" entry of their own: they are not on the way
    assert "asylum_procedure" not in position.done and "bamf_decision" not in position.done
    assert lifecycle_engine.timers.pending("no-such-case").pending == []


def test_a_case_that_waits_marks_the_gateway_and_the_task_it_did(api_engine: Staffel) -> None:
    case = start_waiting(api_engine)  # basic: registration done, waits for the BAMF
    (diagram,) = case_diagrams(api_engine, "basic", 1, [], case_id=case.id)
    assert diagram.marked == ["Gw_decision_wait"]
    assert "Task_register" in diagram.done and "Gw_decision_wait" not in diagram.done
    assert "Wait_decision" not in diagram.done + diagram.marked  # not reached yet
    # without a case id and without open tasks nothing is known: the top diagram, unmarked
    (bare,) = case_diagrams(api_engine, "basic", 1, [])
    assert (bare.marked, bare.done) == ([], [])


def test_the_case_of_the_open_tasks_is_used_without_a_case_id(api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    (diagram,) = case_diagrams(api_engine, "basic", 1, case.open_tasks)
    assert diagram.marked == ["Task_register", "Timer_reminder"]
    assert diagram.done == ["Start_basic"]  # the start is walked, nothing else yet
    jc = start_jc(api_engine)  # parent calls child; both live in call.bpmn: one diagram
    (both,) = case_diagrams(api_engine, "parent", 1, [], case_id=jc.id)
    assert both.marked == ["Call_child", "Task_ack"]
    assert "Call_child" not in both.done
