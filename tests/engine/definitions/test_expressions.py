"""Where expressions live, engine.definitions.expressions: every condition, script, timer body
and DMN entry of a document collected with its element and line, the problems of missing ones,
SpiffWorkflow's reading of DMN input entries, and the checker's messages as problems."""

from __future__ import annotations

import pytest
from lxml import etree

from engine.definitions.expressions import (
    Expression,
    check_expressions,
    collect_bpmn_expressions,
    collect_dmn_expressions,
    dmn_input_entry_expression,
    dmn_input_entry_issue,
)
from engine.definitions.xmlsafe import parse_document
from engine.errors import Problem
from engine.execution.sandbox import check_source
from tests.conftest import ENGINE_DIAGRAMS

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D">
  <bpmn:process id="P" isExecutable="true">
    <bpmn:scriptTask id="Script_ok"><bpmn:script>x = 1
y = x + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="Script_empty"><bpmn:script>   </bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="F1" sourceRef="A" targetRef="B">
      <bpmn:conditionExpression>team == 'jc_leistung'</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:intermediateCatchEvent id="Timer_ok">
      <bpmn:timerEventDefinition id="TED_1"><bpmn:timeDuration>"P10D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Timer_none">
      <bpmn:timerEventDefinition id="TED_2" />
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Timer_blank">
      <bpmn:timerEventDefinition id="TED_3"><bpmn:timeDate> </bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Cond_ok">
      <bpmn:conditionalEventDefinition id="CED_1"><bpmn:condition>ready</bpmn:condition>
      </bpmn:conditionalEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Cond_none">
      <bpmn:conditionalEventDefinition id="CED_2" />
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Msg_bad">
      <bpmn:messageEventDefinition id="MED_1"><bpmn:extensionElements>
        <spiffworkflow:messageVariable>class</spiffworkflow:messageVariable>
      </bpmn:extensionElements></bpmn:messageEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Msg_ok">
      <bpmn:messageEventDefinition id="MED_2"><bpmn:extensionElements>
        <spiffworkflow:messageVariable>decision</spiffworkflow:messageVariable>
      </bpmn:extensionElements></bpmn:messageEventDefinition>
    </bpmn:intermediateCatchEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def root_of(text: str, name: str = "doc.bpmn") -> etree._Element:
    return parse_document(name, text).getroot()


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def compile_check(source: str, mode: str) -> list[str]:
    try:
        compile(source, "<expression>", mode)
    except SyntaxError as exc:
        return [f"does not compile: {exc.msg}"]
    return []


def test_bpmn_expressions_are_found_with_element_line_and_mode() -> None:
    found, _problems = collect_bpmn_expressions(root_of(BPMN), "doc.bpmn")
    assert found == [
        Expression("F1", line_of(BPMN, "team =="), "team == 'jc_leistung'", "eval",
                   "condition of F1"),
        Expression("Script_ok", line_of(BPMN, "x = 1"), "x = 1\ny = x + 1", "exec",
                   "script of Script_ok"),
        Expression("Timer_ok", line_of(BPMN, '"P10D"'), '"P10D"', "eval",
                   "timer timeDuration of Timer_ok"),
        Expression("Cond_ok", line_of(BPMN, ">ready<"), "ready", "eval", "condition of Cond_ok"),
    ]


def test_missing_bodies_and_bad_variables_are_problems() -> None:
    _found, problems = collect_bpmn_expressions(root_of(BPMN), "doc.bpmn")
    assert [(p.element_id, p.line, p.message) for p in problems] == [
        ("Script_empty", line_of(BPMN, "Script_empty"), "script task Script_empty has no script"),
        ("Timer_none", line_of(BPMN, "TED_2"),
         "timer of Timer_none has no timeDate, timeDuration or timeCycle"),
        ("Timer_blank", line_of(BPMN, "TED_3"), "timer timeDate of Timer_blank is empty"),
        ("Cond_none", line_of(BPMN, "CED_2"), "conditional event Cond_none has no condition"),
        ("Msg_bad", line_of(BPMN, ">class<"),
         "message variable 'class' is not a plain Python identifier"),
    ]
    assert {(p.file, p.rule, p.severity) for p in problems} == {("doc.bpmn", "expression",
                                                                  "error")}


def test_a_condition_outside_a_sequence_flow_is_not_collected() -> None:
    text = BPMN.replace('<bpmn:sequenceFlow id="F1" sourceRef="A" targetRef="B">',
                        '<bpmn:task id="F1">').replace("</bpmn:sequenceFlow>", "</bpmn:task>")
    found, _problems = collect_bpmn_expressions(root_of(text), "doc.bpmn")
    assert "F1" not in {e.element_id for e in found}


@pytest.mark.parametrize(("entry", "expected"), [
    (None, None),
    ("-", None),
    ('"asylum"', '(entry) == ("asylum")'),
    ("5", "(entry) == (5)"),
    ("< 5", "entry< 5"),
    ("? > 3 and ? < 9", "dmninputexpr > 3 and dmninputexpr < 9"),
    ("'what?' == ?", "'what?' == dmninputexpr"),  # a quoted ? stays
    ("((", "(("),  # parses neither way: returned so that checking reports it
])
def test_dmn_input_entries_as_spiffworkflow_reads_them(entry: str | None,
                                                       expected: str | None) -> None:
    assert dmn_input_entry_expression("entry", entry) == expected


@pytest.mark.parametrize(("entry", "fragment"), [
    ('"a", "b"', "is a comma-separated list"),
    ("in ('a', 'b')", "is glued to the input expression as 'entryin ('a', 'b')'"),
    ("not in (1, 2)", "write '? not in (1, 2)' instead"),
])
def test_dmn_entry_traps_are_explained(entry: str, fragment: str) -> None:
    issue = dmn_input_entry_issue("entry", entry)
    assert issue is not None and fragment in issue


@pytest.mark.parametrize("entry", [None, "-", '"asylum"', "? in ('a', 'b')", "< 5", "((",
                                   " in ('a', 'b')"])
def test_dmn_entries_without_traps(entry: str | None) -> None:
    assert dmn_input_entry_issue("entry", entry) is None


def test_dmn_expressions_of_the_route_table() -> None:
    text = (ENGINE_DIAGRAMS / "route.dmn").read_text()
    found, problems = collect_dmn_expressions(root_of(text, "route.dmn"), "route.dmn")
    assert problems == []
    assert [(e.element_id, e.source, e.mode) for e in found] == [
        ("In_entry", "entry", "eval"),
        ("Rule_resettlement", '(entry) == ("resettlement")', "eval"),
        ("Rule_resettlement", '"jc_leistung"', "eval"),
        ("Rule_asylum", '(entry) == ("asylum")', "eval"),
        ("Rule_asylum", '"sozialamt"', "eval"),
    ]
    assert found[1].label == ("input entry '\"resettlement\"' of rule Rule_resettlement "
                              "(checked as '(entry) == (\"resettlement\")')")
    assert found[1].line == line_of(text, 'IE_1')


def test_dmn_problems() -> None:
    text = (ENGINE_DIAGRAMS / "route.dmn").read_text()
    text = text.replace('<text>"asylum"</text>', "<text>  </text>")
    text = text.replace('<text>"resettlement"</text>', "<text>in ('x', 'y')</text>")
    text = text.replace("<text>entry</text>", "<text></text>")
    _found, problems = collect_dmn_expressions(root_of(text, "route.dmn"), "route.dmn")
    # without its input expression an entry cannot be checked against it; a blank one can
    assert [(p.element_id, p.message.split(";")[0]) for p in problems] == [
        ("In_entry", "input In_entry has no input expression"),
        ("Rule_asylum", "input entry of rule Rule_asylum is blank")]
    text = text.replace("<text></text>", "<text>entry</text>")
    _found, problems = collect_dmn_expressions(root_of(text, "route.dmn"), "route.dmn")
    assert [p.element_id for p in problems] == ["Rule_resettlement", "Rule_asylum"]
    assert "is glued to the input expression" in problems[0].message
    assert problems[1].message == ("input entry of rule Rule_asylum is blank; leave it empty "
                                   "or write '-' for 'any value'")


def test_check_expressions_turns_messages_into_problems() -> None:
    expressions = [Expression("F1", 7, "  team == ", "eval", "condition of F1"),
                   Expression("S1", 9, "x = 1", "exec", "script of S1"),
                   Expression("T1", 3, "  'P1D'  ", "eval", "timer timeDuration of T1")]
    problems = check_expressions("doc.bpmn", expressions, compile_check)
    assert problems == [Problem("doc.bpmn", "condition of F1: does not compile: invalid syntax",
                                7, "F1", rule="expression")]


def test_a_broken_checker_does_not_hide_the_other_expressions() -> None:
    def checker(source: str, mode: str) -> list[str]:
        if source == "boom":
            raise RuntimeError("checker crashed")
        return [f"{mode}: {source}"]

    expressions = [Expression("A", 1, "boom", "eval", "a"), Expression("B", 2, "ok", "exec", "b")]
    assert [p.message for p in check_expressions("f", expressions, checker)] == [
        "a: could not be checked (RuntimeError: checker crashed)", "b: exec: ok"]


def test_the_sandbox_compiler_as_checker() -> None:
    expressions = [Expression("S", 1, "import os", "exec", "script of S"),
                   Expression("F", 2, "x._secret", "eval", "condition of F"),
                   Expression("G", 3, "a + 1", "eval", "condition of G")]
    problems = check_expressions("doc.bpmn", expressions, check_source)
    assert [p.element_id for p in problems] == ["S", "F"]
    assert problems[0].message.startswith("script of S: Line 1: Import statements")
    assert "_secret" in problems[1].message
