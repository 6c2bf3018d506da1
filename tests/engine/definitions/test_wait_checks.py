"""Every wait for an outside event is watched (issue 12): the deploy validation refuses a
message catch event without a timer alternative, an event-based gateway without a timer
branch and a receive task without a boundary timer (rule ``unwatched-wait``)."""

from __future__ import annotations

import pytest

from engine import DeployError, Staffel
from engine.definitions.flow_checks import RULE_WAIT, wait_problems
from engine.definitions.xmlsafe import parse_document
from tests.engine.definitions.test_flow_checks import document

MESSAGE = """<bpmn:messageEventDefinition id="M_{id}" messageRef="Msg" />"""
TIMER = ("""<bpmn:timerEventDefinition id="T_{id}">"""
         """<bpmn:timeDate>timer_at('2027-04-01')</bpmn:timeDate></bpmn:timerEventDefinition>""")

STANDALONE = f"""    <bpmn:startEvent id="S" />
    <bpmn:intermediateCatchEvent id="C">{MESSAGE.format(id="C")}</bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="C" />
    <bpmn:sequenceFlow id="F2" sourceRef="C" targetRef="E" />
"""
GATEWAY = """    <bpmn:startEvent id="S" />
    <bpmn:eventBasedGateway id="G" />
    <bpmn:intermediateCatchEvent id="C">{message}</bpmn:intermediateCatchEvent>
    {second}
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="G" />
    <bpmn:sequenceFlow id="F2" sourceRef="G" targetRef="C" />
    <bpmn:sequenceFlow id="F3" sourceRef="G" targetRef="X" />
    <bpmn:sequenceFlow id="F4" sourceRef="C" targetRef="E" />
    <bpmn:sequenceFlow id="F5" sourceRef="X" targetRef="E" />
"""
RECEIVE = """    <bpmn:startEvent id="S" />
    <bpmn:receiveTask id="R" messageRef="Msg" />
    {boundary}
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="R" />
    <bpmn:sequenceFlow id="F2" sourceRef="R" targetRef="E" />
"""


def check(body: str) -> list[tuple[str | None, str]]:
    root = parse_document("wait.bpmn", document(body)).getroot()
    return [(p.element_id, p.rule) for p in wait_problems("wait.bpmn", root)]


def test_a_lone_message_wait_is_refused() -> None:
    assert check(STANDALONE) == [("C", RULE_WAIT)]


def test_a_message_wait_behind_a_gateway_with_a_timer_is_watched() -> None:
    timer = f'<bpmn:intermediateCatchEvent id="X">{TIMER.format(id="X")}' \
            "</bpmn:intermediateCatchEvent>"
    assert check(GATEWAY.format(message=MESSAGE.format(id="C"), second=timer)) == []


def test_a_gateway_of_two_messages_without_a_timer_is_refused() -> None:
    other = f'<bpmn:intermediateCatchEvent id="X">{MESSAGE.format(id="X")}' \
            "</bpmn:intermediateCatchEvent>"
    assert sorted(check(GATEWAY.format(message=MESSAGE.format(id="C"), second=other))) == [
        ("C", RULE_WAIT), ("G", RULE_WAIT), ("X", RULE_WAIT)]


def test_a_receive_task_needs_a_boundary_timer() -> None:
    assert check(RECEIVE.format(boundary="")) == [("R", RULE_WAIT)]
    boundary = f'<bpmn:boundaryEvent id="B" attachedToRef="R">{TIMER.format(id="B")}' \
               "</bpmn:boundaryEvent>"
    assert check(RECEIVE.format(boundary=boundary)) == []


def test_deploying_an_unwatched_wait_is_refused_and_stores_nothing(engine: Staffel) -> None:
    xml = (document(STANDALONE).replace("<bpmn:process", '<bpmn:message id="Msg" name="x" />'
                                        "\n  <bpmn:process", 1))
    before = engine.definitions.versions()
    with pytest.raises(DeployError, match="deployment rejected") as caught:
        engine.definitions.deploy({"wait.bpmn": xml})
    assert [(p.element_id, p.rule) for p in caught.value.problems
            if p.rule == RULE_WAIT] == [("C", RULE_WAIT)]
    assert "timer alternative" in str(caught.value)
    assert engine.definitions.versions() == before
