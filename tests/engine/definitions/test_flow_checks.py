"""Structural flow checks of engine.definitions.flow_checks on small BPMN documents: dangling
and unknown flows, missing start and end events, splits without a gateway, boundary events,
gateway conditions and defaults; each problem with its rule, element id and line."""

from __future__ import annotations

from engine.definitions.flow_checks import flow_problems, local_name, problem
from engine.definitions.xmlsafe import parse_document
from engine.errors import Problem

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">
  <bpmn:process id="P" isExecutable="true">
"""
TAIL = """  </bpmn:process>
</bpmn:definitions>
"""
LINE = """    <bpmn:startEvent id="S" />
    <bpmn:userTask id="T" />
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="T" />
    <bpmn:sequenceFlow id="F2" sourceRef="T" targetRef="E" />
"""
GATEWAY = """    <bpmn:startEvent id="S" />
    <bpmn:exclusiveGateway id="G" default="F_default" />
    <bpmn:userTask id="T1" />
    <bpmn:userTask id="T2" />
    <bpmn:userTask id="T3" />
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F0" sourceRef="S" targetRef="G" />
    <bpmn:sequenceFlow id="F_yes" sourceRef="G" targetRef="T1">
      <bpmn:conditionExpression>team == 'sozialamt'</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F_blank" sourceRef="G" targetRef="T2">
      <bpmn:conditionExpression>  </bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F_none" sourceRef="G" targetRef="T3" />
    <bpmn:sequenceFlow id="F_default" sourceRef="G" targetRef="E" />
    <bpmn:sequenceFlow id="F4" sourceRef="T1" targetRef="E" />
    <bpmn:sequenceFlow id="F5" sourceRef="T2" targetRef="E" />
    <bpmn:sequenceFlow id="F6" sourceRef="T3" targetRef="E" />
"""


def document(body: str) -> str:
    return HEAD + body + TAIL


def check(body: str) -> list[Problem]:
    return flow_problems("flow.bpmn", parse_document("flow.bpmn", document(body)).getroot())


def summary(problems: list[Problem]) -> list[tuple[str, str | None, str]]:
    return [(p.rule, p.element_id, p.message) for p in problems]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_straight_line_has_no_problems() -> None:
    assert check(LINE) == []


def test_a_gateway_with_every_condition_but_the_default_has_no_problems() -> None:
    body = (GATEWAY.replace("<bpmn:conditionExpression>  <", "<bpmn:conditionExpression>x <")
            .replace('targetRef="T3" />', 'targetRef="T3"><bpmn:conditionExpression>y'
                     '</bpmn:conditionExpression></bpmn:sequenceFlow>'))
    assert check(body) == []


def test_dangling_task() -> None:
    body = LINE.replace('    <bpmn:sequenceFlow id="F2" sourceRef="T" targetRef="E" />\n', "")
    problems = check(body)
    assert summary(problems) == [
        ("flow", "T", "userTask T has no outgoing sequence flow (dangling)"),
        ("flow", "E", "endEvent E has no incoming sequence flow (dangling)"),
    ]
    assert problems[0].line == line_of(document(body), 'id="T"')
    assert {(p.file, p.severity) for p in problems} == {("flow.bpmn", "error")}


def test_missing_start_event() -> None:
    body = LINE.replace('<bpmn:startEvent id="S" />', '<bpmn:task id="S" />')
    assert summary(check(body)) == [
        ("flow", "P", "process P has no start event"),
        ("flow", "S", "task S has no incoming sequence flow (dangling)"),
    ]
    assert check(body)[0].line == line_of(document(body), '<bpmn:process id="P"')


def test_flow_to_an_unknown_element() -> None:
    body = LINE.replace('targetRef="E"', 'targetRef="Nowhere"')
    assert summary(check(body)) == [
        ("flow", "F2", "sequence flow F2: targetRef 'Nowhere' does not exist in process P"),
        ("flow", "E", "endEvent E has no incoming sequence flow (dangling)"),
    ]


def test_two_outgoing_flows_need_a_gateway() -> None:
    body = LINE + '    <bpmn:sequenceFlow id="F3" sourceRef="T" targetRef="E" />\n'
    assert summary(check(body)) == [
        ("flow", "T", "userTask T has 2 outgoing sequence flows; split the flow with a gateway")]


def test_gateway_flows_without_a_condition() -> None:
    problems = check(GATEWAY)
    assert summary(problems) == [
        ("expression", "F_blank",
         "sequence flow F_blank leaves gateway G without a condition and is not its default flow"),
        ("expression", "F_none",
         "sequence flow F_none leaves gateway G without a condition and is not its default flow"),
    ]
    text = document(GATEWAY)
    # the blank condition is reported at the condition, the missing one at its flow
    assert [p.line for p in problems] == [line_of(text, "<bpmn:conditionExpression>  <"),
                                          line_of(text, 'id="F_none"')]


def test_a_default_that_is_not_an_outgoing_flow() -> None:
    body = GATEWAY.replace('default="F_default"', 'default="F4"')
    assert summary(check(body))[0] == (
        "flow", "G", "default flow 'F4' of gateway G is not one of its outgoing flows")
    # F_default is now an ordinary flow without a condition
    assert ("expression", "F_default") in {(p.rule, p.element_id) for p in check(body)}


def test_a_parallel_gateway_needs_no_conditions() -> None:
    body = GATEWAY.replace("exclusiveGateway", "parallelGateway")
    assert check(body) == []


def test_boundary_event_on_an_unknown_activity() -> None:
    body = LINE + ('    <bpmn:boundaryEvent id="B" attachedToRef="Ghost" />\n'
                   '    <bpmn:sequenceFlow id="F3" sourceRef="B" targetRef="E" />\n')
    assert summary(check(body)) == [
        ("flow", "B", "boundary event B is attached to unknown activity 'Ghost'")]
    assert check(body.replace('"Ghost"', '"T"')) == []


def test_subprocess_needs_its_start_and_end() -> None:
    sub = ('    <bpmn:subProcess id="T">\n'
           '      <bpmn:startEvent id="SubS" />\n'
           '      <bpmn:task id="SubT" />\n'
           '      <bpmn:sequenceFlow id="SF1" sourceRef="SubS" targetRef="SubT" />\n'
           '    </bpmn:subProcess>\n')
    body = LINE.replace('<bpmn:userTask id="T" />', sub.strip())
    assert summary(check(body)) == [
        ("flow", "T", "subProcess T needs exactly one start event and at least one end event"),
        ("flow", "SubT", "task SubT has no outgoing sequence flow (dangling)"),
    ]


def test_an_event_subprocess_needs_no_incoming_flow() -> None:
    sub = ('    <bpmn:subProcess id="Ev" triggeredByEvent="true">\n'
           '      <bpmn:startEvent id="EvS" />\n'
           '      <bpmn:endEvent id="EvE" />\n'
           '      <bpmn:sequenceFlow id="EF" sourceRef="EvS" targetRef="EvE" />\n'
           '    </bpmn:subProcess>\n')
    assert check(LINE + sub) == []


def test_helpers() -> None:
    root = parse_document("flow.bpmn", document(LINE)).getroot()
    task = next(el for el in root.iter() if el.get("id") == "T")
    assert local_name(task) == "userTask"
    made = problem("f.bpmn", task, "message", "flow")
    assert made == Problem("f.bpmn", "message", line_of(document(LINE), 'id="T"'), "T",
                           rule="flow")
    assert problem("f.bpmn", task, "m", "flow", element_id="Other").element_id == "Other"
