from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pytest
from lxml import etree
from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.definitions.expressions import dmn_input_entry_expression
from engine.definitions.validation import (
    UNSUPPORTED_FEATURES,
    References,
    document_references,
    resolve_references,
    validate_document,
)
from engine.definitions.xmlsafe import BPMN_NS, parse_document
from engine.errors import Problem

DATA = Path(__file__).resolve().parents[2] / "data"
BAD = DATA / "bpmn_bad"
OK = DATA / "bpmn_ok"
NS = {"bpmn": BPMN_NS, "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}


def compile_check(source: str, mode: str) -> list[str]:
    try:
        compile(source, "<expression>", mode)
    except SyntaxError as exc:
        return [f"does not compile: {exc.msg}"]
    return []


def restricted_check(source: str, mode: str) -> list[str]:
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    return list(compiler(source).errors)


def line_of(path: Path | str, needle: str, nth: int = 1) -> int:
    text = path.read_text(encoding="utf-8") if isinstance(path, Path) else path
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} not found"
    return hits[nth - 1]


def validate(path: Path, known_forms: Collection[str] | None = None) -> list[Problem]:
    tree = parse_document(path.name, path.read_bytes())
    return validate_document(path.name, tree, check_expression=compile_check,
                             known_forms=known_forms)


def only(problems: list[Problem], element_id: str | None, text: str) -> Problem:
    hits = [p for p in problems if p.element_id == element_id and text in p.message]
    assert len(hits) == 1, f"expected one problem for {element_id} with {text!r}: {problems}"
    assert hits[0].severity == "error"
    return hits[0]


def bpmn(body: str, root_extra: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" {root_extra}
    id="Definitions_inline" targetNamespace="http://bpmn.io/schema/bpmn">
{body}
</bpmn:definitions>
"""


# --- the positive fixtures -------------------------------------------------------------------

def test_minimal_has_no_problems() -> None:
    assert validate(OK / "minimal.bpmn", known_forms={"consent.schema.json"}) == []


def test_minimal_has_no_problems_with_the_restricted_python_checker() -> None:
    tree = parse_document("minimal.bpmn", (OK / "minimal.bpmn").read_bytes())
    assert validate_document("minimal.bpmn", tree, check_expression=restricted_check,
                             known_forms=None) == []


@pytest.mark.parametrize("validator", [None, VALIDATOR])
def test_minimal_parses_with_spiffworkflow(validator: object) -> None:
    tree = parse_document("minimal.bpmn", (OK / "minimal.bpmn").read_bytes())
    parser = SpiffBpmnParser(validator=validator)
    parser.add_bpmn_xml(tree, filename="minimal.bpmn")
    spec = parser.get_spec("minimal_process")
    task = spec.task_specs["Task_Consent"]
    assert task.lane == "Sozialamt (AsylbLG)"
    assert task.extensions["properties"] == {"formJsonSchemaFilename": "consent.schema.json",
                                             "sla_days": "5"}
    assert {"Gateway_Consent", "Catch_Documents", "Boundary_Deadline", "End_Timeout"} <= set(
        spec.task_specs)


def test_minimal_diagram_is_complete() -> None:
    root = etree.parse(str(OK / "minimal.bpmn")).getroot()
    process = root.find("bpmn:process", NS)
    assert process is not None
    drawable = {el.get("id") for el in process if el.get("id") and etree.QName(el).localname
                not in ("laneSet",)}
    drawable |= {lane.get("id") for lane in process.iter(f"{{{BPMN_NS}}}lane")}
    drawable |= {p.get("id") for p in root.iterfind(".//bpmn:participant", NS)}
    shapes = [s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNShape", NS)]
    edges = [e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", NS)]
    flows = {f.get("id") for f in process.iterfind("bpmn:sequenceFlow", NS)}
    assert sorted(shapes + edges) == sorted(drawable)
    assert set(edges) == flows
    assert len(shapes) == len(set(shapes)) and len(edges) == len(set(edges))


def test_decision_fixtures_have_no_problems_and_run() -> None:
    files = {name: parse_document(name, (OK / name).read_bytes())
             for name in ("decision.bpmn", "eligibility.dmn", "minimal.bpmn")}
    for name, tree in files.items():
        assert validate_document(name, tree, check_expression=compile_check,
                                 known_forms=None) == []
    refs = {name: document_references(tree) for name, tree in files.items()}
    assert refs["eligibility.dmn"].decision_ids == ["eligibility"]
    assert refs["decision.bpmn"].called_decisions == [
        ("Task_Decide", line_of(OK / "decision.bpmn", "calledDecisionId"), "eligibility")]
    assert resolve_references(refs) == []
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(files["decision.bpmn"], filename="decision.bpmn")
    parser.add_dmn_xml(files["eligibility.dmn"].getroot(), filename="eligibility.dmn")
    results = []
    for age, status in [(10, "x"), (30, "Duldung"), (70, "Fiktionsbescheinigung"), (30, "y")]:
        workflow = BpmnWorkflow(parser.get_spec("decision_process"))
        workflow.get_tasks()[0].data.update(age=str(age), residence_status=status)
        workflow.do_engine_steps()
        assert workflow.is_completed()
        results.append(workflow.data.get("eligible"))
    assert results == [True, True, False, None]


# --- schema ----------------------------------------------------------------------------------

def test_xsd_unknown_element() -> None:
    path = BAD / "xsd_unknown_element.bpmn"
    problem = only(validate(path), "Frob_1", "does not match the BPMN 2.0 schema")
    assert problem.file == path.name
    assert problem.line == line_of(path, "frobnicateTask")
    assert problem.rule == "xsd"
    assert "bpmn:frobnicateTask" in problem.message


def test_xsd_missing_required_attribute() -> None:
    path = BAD / "xsd_missing_attribute.bpmn"
    problem = only(validate(path), "Flow_1", "'targetRef' is required but missing")
    assert (problem.file, problem.line) == (path.name, line_of(path, 'id="Flow_1"'))


# --- lanes -----------------------------------------------------------------------------------

def test_lane_that_maps_to_no_team() -> None:
    path = BAD / "lanes.bpmn"
    problems = validate(path, known_forms={"a.schema.json"})
    problem = only(problems, "Lane_Foo", "lane 'Foo' maps to no team (known: ")
    assert (problem.file, problem.line) == (path.name, line_of(path, 'name="Foo"'))
    assert "Sozialamt (AsylbLG)" in problem.message
    assert not [p for p in problems if p.element_id == "Lane_ABH"]


def test_user_task_outside_any_lane() -> None:
    path = BAD / "lanes.bpmn"
    problem = only(validate(path), "Task_NoLane", "is not in any lane")
    assert (problem.file, problem.line) == (path.name, line_of(path, '<bpmn:userTask id="Task_No'))
    assert len(validate(path, known_forms={"a.schema.json"})) == 2


def test_process_with_user_tasks_needs_lanes() -> None:
    path = BAD / "no_lanes.bpmn"
    (problem,) = validate(path, known_forms={"a.schema.json"})
    assert problem.element_id == "nolanes_process"
    assert problem.line == line_of(path, "<bpmn:process")
    assert "has user tasks but no lanes" in problem.message


def test_user_task_in_a_subprocess_inherits_the_lane() -> None:
    text = bpmn("""
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet id="LS"><bpmn:lane id="L" name="ABH">
      <bpmn:flowNodeRef>S</bpmn:flowNodeRef><bpmn:flowNodeRef>Sub</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>E</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="S" />
    <bpmn:subProcess id="Sub">
      <bpmn:startEvent id="S2" />
      <bpmn:userTask id="U"><bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="f.json" />
      </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
      <bpmn:endEvent id="E2" />
      <bpmn:sequenceFlow id="F3" sourceRef="S2" targetRef="U" />
      <bpmn:sequenceFlow id="F4" sourceRef="U" targetRef="E2" />
    </bpmn:subProcess>
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="Sub" />
    <bpmn:sequenceFlow id="F2" sourceRef="Sub" targetRef="E" />
  </bpmn:process>""")
    tree = parse_document("sub.bpmn", text)
    assert validate_document("sub.bpmn", tree, check_expression=compile_check,
                             known_forms={"f.json"}) == []


# --- expressions -----------------------------------------------------------------------------

def test_condition_that_does_not_compile() -> None:
    path = BAD / "expressions.bpmn"
    problem = only(validate(path), "Flow_BadCondition", "condition of Flow_BadCondition: does not")
    assert (problem.file, problem.line) == (path.name, line_of(path, "conditionExpression"))
    assert problem.rule == "expression"


def test_gateway_flow_without_condition() -> None:
    path = BAD / "expressions.bpmn"
    problem = only(validate(path), "Flow_NoCondition", "without a condition")
    assert problem.line == line_of(path, '<bpmn:sequenceFlow id="Flow_NoCondition"')


def test_empty_timer() -> None:
    path = BAD / "expressions.bpmn"
    problem = only(validate(path), "Timer_Empty", "timer timeDuration of Timer_Empty is empty")
    assert problem.line == line_of(path, "<bpmn:timeDuration")


def test_script_and_pre_script_that_do_not_compile() -> None:
    path = BAD / "expressions.bpmn"
    problems = validate(path)
    script = only(problems, "Script_Bad", "script of Script_Bad: does not compile: expected")
    pre = only(problems, "Script_Bad", "pre-script of Script_Bad: does not compile")
    assert script.line == line_of(path, "<bpmn:script>")
    assert pre.line == line_of(path, "<spiffworkflow:preScript>")


def test_all_problems_are_collected() -> None:
    assert len(validate(BAD / "expressions.bpmn")) == 5


def test_restricted_checker_messages_become_problems() -> None:
    path = BAD / "expressions.bpmn"
    tree = parse_document(path.name, path.read_bytes())
    problems = validate_document(path.name, tree, check_expression=restricted_check,
                                 known_forms=None)
    assert only(problems, "Flow_BadCondition", "condition of").line == line_of(
        path, "conditionExpression")


def test_a_failing_checker_is_reported_not_raised() -> None:
    def broken(source: str, mode: str) -> list[str]:
        raise RuntimeError("boom")

    tree = parse_document("minimal.bpmn", (OK / "minimal.bpmn").read_bytes())
    problems = validate_document("minimal.bpmn", tree, check_expression=broken,
                                 known_forms=None)
    assert [p.element_id for p in problems] == ["Flow_Yes", "Watch_documents_received",
                                               "Boundary_Deadline"]
    assert all("could not be checked (RuntimeError: boom)" in p.message for p in problems)


def test_message_variable_must_be_an_identifier() -> None:
    text = bpmn("""
  <bpmn:message id="M" name="m"><bpmn:extensionElements>
    <spiffworkflow:messageVariable>not valid</spiffworkflow:messageVariable>
    <spiffworkflow:messagePayload>{"a": </spiffworkflow:messagePayload>
  </bpmn:extensionElements></bpmn:message>
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="S" /><bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F" sourceRef="S" targetRef="E" />
  </bpmn:process>""")
    tree = parse_document("m.bpmn", text)
    problems = validate_document("m.bpmn", tree, check_expression=compile_check, known_forms=None)
    assert only(problems, "M", "message variable 'not valid'").line == line_of(
        text, "messageVariable")
    assert only(problems, "M", "message payload of M").line == line_of(text, "messagePayload")
    assert len(problems) == 2


CONDITIONAL = bpmn("""
  <bpmn:process id="cond" isExecutable="true">
    <bpmn:dataObject id="ready" />
    <bpmn:startEvent id="S" />
    <bpmn:intermediateCatchEvent id="Wait">
      <bpmn:conditionalEventDefinition id="CED">
        <bpmn:condition xsi:type="bpmn:tFormalExpression">{cond}</bpmn:condition>
      </bpmn:conditionalEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="Wait" />
    <bpmn:sequenceFlow id="F2" sourceRef="Wait" targetRef="E" />
  </bpmn:process>""")


def test_conditional_events_are_supported_and_their_condition_checked() -> None:
    good = parse_document("c.bpmn", CONDITIONAL.replace("{cond}", "ready == True"))
    assert validate_document("c.bpmn", good, check_expression=compile_check,
                             known_forms=None) == []
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(good, filename="c.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("cond"))
    # The condition sees the data inherited from the previous task plus the workflow's data
    # objects; it is re-evaluated whenever a task completes (refresh_timers does not).
    workflow.do_engine_steps()
    assert not workflow.is_completed()
    workflow.data_objects["ready"] = True
    workflow.refresh_timers()
    assert not workflow.is_completed()
    workflow.update_waiting_tasks()
    workflow.do_engine_steps()
    assert workflow.is_completed()
    text = CONDITIONAL.replace("{cond}", "ready ==")
    bad = parse_document("c.bpmn", text)
    (problem,) = validate_document("c.bpmn", bad, check_expression=compile_check,
                                   known_forms=None)
    assert (problem.element_id, problem.line) == ("Wait", line_of(text, "<bpmn:condition "))


# --- user task forms -------------------------------------------------------------------------

def test_user_task_without_form() -> None:
    path = BAD / "forms.bpmn"
    problem = only(validate(path), "Task_NoForm", "has no form (property formJsonSchemaFilename)")
    assert (problem.file, problem.line) == (path.name, line_of(path, '<bpmn:userTask id="Task_NoF'))


def test_unknown_form() -> None:
    path = OK / "minimal.bpmn"
    (problem,) = validate(path, known_forms={"other.schema.json"})
    assert problem == Problem(file="minimal.bpmn", message="form 'consent.schema.json' not found",
                              line=line_of(path, "formJsonSchemaFilename"),
                              element_id="Task_Consent", rule="form")


def test_known_forms_none_skips_the_existence_check() -> None:
    problems = validate(BAD / "forms.bpmn", known_forms=None)
    assert not [p for p in problems if "not found" in p.message]
    assert len(validate(BAD / "forms.bpmn", known_forms=set())) == len(problems) + 1


def test_sla_days_must_be_a_non_negative_integer() -> None:
    path = BAD / "forms.bpmn"
    problem = only(validate(path), "Task_BadSla", "sla_days of user task Task_BadSla")
    assert problem.line == line_of(path, 'name="sla_days"')
    assert "'-3'" in problem.message


# --- unsupported features and processes ------------------------------------------------------

def test_unsupported_complex_gateway_and_data_store() -> None:
    path = BAD / "unsupported.bpmn"
    problems = validate(path)
    gateway = only(problems, "Gateway_Complex", "complexGateway Gateway_Complex is not supported")
    store = only(problems, "DataStore_Archive", "dataStore DataStore_Archive is not supported")
    ref = only(problems, "DataStoreReference_Archive", "dataStoreReference")
    assert gateway.line == line_of(path, "<bpmn:complexGateway")
    assert store.line == line_of(path, "<bpmn:dataStore ")
    assert ref.line == line_of(path, "<bpmn:dataStoreReference")
    assert {p.rule for p in (gateway, store, ref)} == {"unsupported"}
    assert len(problems) == 3


def test_unsupported_features_really_are_unsupported_by_spiffworkflow() -> None:
    assert "conditionalEventDefinition" not in UNSUPPORTED_FEATURES
    assert all(reason.strip() for reason in UNSUPPORTED_FEATURES.values())
    parser = SpiffBpmnParser()
    assert parser._get_parser_class(full_tag("complexGateway")) == (None, None)
    assert SpiffBpmnParser.DATA_STORE_CLASSES == {}


def test_non_executable_process() -> None:
    path = BAD / "not_executable.bpmn"
    (problem,) = validate(path)
    assert problem == Problem(file=path.name, line=line_of(path, "<bpmn:process"),
                              element_id="draft_process", rule="process",
                              message="process draft_process is not executable "
                                      "(isExecutable=false)")


def test_document_without_process() -> None:
    path = BAD / "no_process.bpmn"
    (problem,) = validate(path)
    # lxml reports the line on which a multi-line start tag ends
    assert (problem.element_id, problem.line) == ("Definitions_empty",
                                                  line_of(path, 'id="Definitions_empty"'))
    assert problem.message == "the document defines no process"


def test_validate_document_reports_non_bpmn_instead_of_raising() -> None:
    tree = parse_document("foo.xml", b"<foo/>")
    (problem,) = validate_document("foo.xml", tree, check_expression=compile_check,
                                   known_forms=None)
    assert problem.message == "not a BPMN or DMN document (root element is foo)"


# --- references ------------------------------------------------------------------------------

def test_unknown_called_element_and_decision() -> None:
    path = BAD / "call_unknown.bpmn"
    assert validate(path) == []
    refs = {name: document_references(parse_document(name, (folder / name).read_bytes()))
            for folder, name in ((BAD, "call_unknown.bpmn"), (OK, "minimal.bpmn"))}
    assert refs["call_unknown.bpmn"].called_elements == [
        ("Call_Known", line_of(path, 'id="Call_Known"'), "minimal_process"),
        ("Call_Unknown", line_of(path, 'id="Call_Unknown"'), "no_such_process"),
    ]
    assert refs["minimal.bpmn"].messages == ["documents_received"]
    problems = resolve_references(refs)
    call = only(problems, "Call_Unknown", "call activity Call_Unknown calls unknown process "
                                          "'no_such_process'")
    rule = only(problems, "Rule_Unknown", "calls unknown decision 'no_such_decision'")
    assert (call.file, call.line) == (path.name, line_of(path, 'id="Call_Unknown"'))
    assert rule.line == line_of(path, "calledDecisionId")
    assert len(problems) == 2
    assert resolve_references(refs, extra_process_ids={"no_such_process"},
                              extra_decision_ids=["no_such_decision"]) == []


def test_duplicate_ids_across_files() -> None:
    refs = {"a.bpmn": References(process_ids=["p"]), "b.bpmn": References(process_ids=["p"]),
            "c.dmn": References(decision_ids=["d"]), "d.dmn": References(decision_ids=["d"])}
    problems = resolve_references(refs)
    assert [(p.file, p.element_id, p.message) for p in problems] == [
        ("b.bpmn", "p", "process 'p' is also defined in a.bpmn"),
        ("d.dmn", "d", "decision 'd' is also defined in c.dmn"),
    ]


def test_call_activity_without_called_element() -> None:
    text = bpmn("""
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="S" /><bpmn:callActivity id="C" /><bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="C" />
    <bpmn:sequenceFlow id="F2" sourceRef="C" targetRef="E" />
  </bpmn:process>""")
    tree = parse_document("c.bpmn", text)
    (problem,) = validate_document("c.bpmn", tree, check_expression=compile_check,
                                   known_forms=None)
    assert (problem.element_id, problem.line) == ("C", line_of(text, "<bpmn:callActivity"))
    assert "has no calledElement" in problem.message


# --- dangling flows --------------------------------------------------------------------------

def test_dangling_flows() -> None:
    path = BAD / "dangling_flow.bpmn"
    problems = validate(path)
    ghost = only(problems, "Flow_Ghost", "targetRef 'Task_Ghost' does not exist")
    dead_end = only(problems, "Task_DeadEnd", "has no outgoing sequence flow")
    orphan = only(problems, "Task_Orphan", "has no incoming sequence flow")
    split = only(problems, "Task_Orphan", "has 2 outgoing sequence flows")
    assert ghost.line == line_of(path, 'id="Flow_Ghost"')
    assert dead_end.line == line_of(path, 'id="Task_DeadEnd"')
    assert orphan.line == split.line == line_of(path, 'id="Task_Orphan"')
    assert {p.file for p in problems} == {path.name}
    assert len(problems) == 4


def test_event_subprocess_and_boundary_events_need_no_incoming_flow() -> None:
    text = bpmn("""
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="S" /><bpmn:task id="T" /><bpmn:endEvent id="E" />
    <bpmn:boundaryEvent id="B" attachedToRef="T">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"P1D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:subProcess id="ES" triggeredByEvent="true">
      <bpmn:startEvent id="ES_S" /><bpmn:endEvent id="ES_E" />
      <bpmn:sequenceFlow id="ES_F" sourceRef="ES_S" targetRef="ES_E" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="T" />
    <bpmn:sequenceFlow id="F2" sourceRef="T" targetRef="E" />
    <bpmn:sequenceFlow id="F3" sourceRef="B" targetRef="E" />
  </bpmn:process>""")
    tree = parse_document("p.bpmn", text)
    assert validate_document("p.bpmn", tree, check_expression=compile_check,
                             known_forms=None) == []


# --- DMN -------------------------------------------------------------------------------------

def test_bad_decision_table() -> None:
    path = BAD / "bad_decision.dmn"
    problems = validate(path)
    policy = only(problems, "bad_decision", "hit policy PRIORITY is not supported")
    glued = only(problems, "Rule_Glued", "is glued to the input expression as "
                                         "'residence_statusin (")
    tuple_list = only(problems, "Rule_List", "is a comma-separated list")
    syntax = only(problems, "Rule_Syntax", "input entry '=< 5' of rule Rule_Syntax")
    output = only(problems, "Rule_Syntax", "output entry of rule Rule_Syntax: does not compile")
    assert policy.line == line_of(path, "<decisionTable")
    assert glued.line == line_of(path, "<text>in (")
    assert tuple_list.line == line_of(path, '<text>"Duldung"')
    assert syntax.line == line_of(path, "<text>=&lt; 5")
    assert output.line == line_of(path, "<text>not not")
    assert len(problems) == 5


def test_dmn_without_decision() -> None:
    path = BAD / "no_decision.dmn"
    (problem,) = validate(path)
    assert (problem.element_id, problem.line) == ("Definitions_no_decision",
                                                  line_of(path, 'id="Definitions_no_decision"'))
    assert problem.message == "the document defines no decision"


@pytest.mark.parametrize(("entry", "expected"), [
    (None, None),
    ("-", None),
    ("< 18", "age< 18"),
    ('"Duldung"', '(age) == ("Duldung")'),
    ("? >= 18 and ? < 67", "dmninputexpr >= 18 and dmninputexpr < 67"),
    ('"what?"', '(age) == ("what?")'),
    ("=< 5", "=< 5"),
])
def test_dmn_input_entry_expression_mirrors_spiffworkflow(entry: str | None,
                                                          expected: str | None) -> None:
    assert dmn_input_entry_expression("age", entry) == expected
