"""bpmn/ deploys without problems and keeps the conventions of docs/bpmn-conventions.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from engine.definitions.deploy import read_directory
from engine.execution.scripting import helper_functions
from engine.law.rules import DEFAULT_RULES
from engine.law.teams import team_for_lane
from tests.lifecycle.helpers import BPMN_DIR, new_engine

B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BD = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"
S = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
FLOW_NODES = ("task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask",
              "receiveTask", "businessRuleTask", "callActivity", "subProcess", "startEvent",
              "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
              "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway")
PROCESSES = {"refugee_lifecycle", "asylum_procedure", "bamf_decision", "residence_permit",
             "benefit_transfer", "sgb2_application", "warm_handover", "ip_integration",
             "integration_course", "duldung", "outside_event_review"}
DIAGRAMS = sorted(BPMN_DIR.glob("*.bpmn"))
SUPERVISOR_LANE = "Teamleitung"


def parse(path: Path) -> Any:
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))


def properties(task: Any) -> dict[str, str]:
    path = f"{B}extensionElements/{S}properties/{S}property"
    return {p.get("name"): p.get("value") for p in task.iterfind(path)}


def lane_names(process: Any) -> dict[str, str]:
    """Flow node id -> name of its lane."""
    return {(ref.text or "").strip(): lane.get("name")
            for lane in process.iter(f"{B}lane") for ref in lane.iter(f"{B}flowNodeRef")}


def test_bpmn_directory_deploys_without_problems(make_engine: Any) -> None:
    eng = make_engine()
    files = read_directory(BPMN_DIR)
    assert eng.definitions.validate(files) == []
    eng.definitions.deploy_directory(BPMN_DIR)
    versions = {v.key: v.version for v in eng.definitions.versions()}
    assert versions == dict.fromkeys(PROCESSES, 1)
    assert eng.definitions.deploy_directory(BPMN_DIR).new_versions == []


def test_resettlement_case_starts_with_the_default_process(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    case = eng.cases.start({"family_name": "A", "given_name": "B", "birth_date": "2001-01-01"},
                          "BE", "resettlement")
    assert (case.stage, case.benefit_system) == ("S3e", "sgb2")
    assert [t.name for t in case.open_tasks] == ["Task_register"]


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_diagram_interchange_is_complete(path: Path) -> None:
    root = parse(path).getroot()
    shapes = {s.get("bpmnElement") for s in root.iter(f"{BD}BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{BD}BPMNEdge")
             if len(e.findall(f"{DI}waypoint")) >= 2}
    for process in root.iter(f"{B}process"):
        nodes = [el for tag in FLOW_NODES for el in process.iter(f"{B}{tag}")]
        assert {n.get("id") for n in nodes} <= shapes
        assert {lane.get("id") for lane in process.iter(f"{B}lane")} <= shapes
        assert {f.get("id") for f in process.iter(f"{B}sequenceFlow")} <= edges
        # every flow node is in a lane: lanes are horizontal bands
        assert {n.get("id") for n in nodes} <= set(lane_names(process))
    assert {p.get("id") for p in root.iter(f"{B}participant")} <= shapes
    assert {f.get("id") for f in root.iter(f"{B}messageFlow")} <= edges
    horizontal = [s for s in root.iter(f"{BD}BPMNShape")
                  if s.get("bpmnElement") in {x.get("id") for x in root.iter(f"{B}lane")}]
    assert all(s.get("isHorizontal") == "true" for s in horizontal)


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_lanes_are_teams_and_user_tasks_follow_the_conventions(path: Path) -> None:
    root = parse(path).getroot()
    for process in root.iter(f"{B}process"):
        lanes = lane_names(process)
        assert all(team_for_lane(name) for name in lanes.values())
        boundaries = {b.get("attachedToRef"): b for b in process.iter(f"{B}boundaryEvent")
                      if b.get("cancelActivity") == "false"}
        for task in process.iter(f"{B}userTask"):
            props = properties(task)
            ident = task.get("id")
            assert (BPMN_DIR / "forms" / props["formJsonSchemaFilename"]).is_file(), ident
            assert re.fullmatch(r"[0-9]+", props["sla_days"]), ident
            if lanes[ident] == SUPERVISOR_LANE:
                continue  # escalation tasks are the end of the line
            if ident.startswith("Task_follow_up_"):
                # a follow-up of a missing message is itself the reminder; it ends when the
                # message comes (boundary message event), so no escalation branch keeps the
                # process alive; overdue, it shows on the supervisors' dashboard
                assert any(b.get("attachedToRef") == ident
                           and b.find(f"{B}messageEventDefinition") is not None
                           for b in process.iter(f"{B}boundaryEvent")), ident
                continue
            # every other user task escalates (non-interrupting) when it is overdue
            timer = boundaries[ident].find(f"{B}timerEventDefinition/{B}timeDate")
            expected = ({"sla_due(rule('handover_ack_working_days'))"}
                        if ident == "Task_handover_ack" else {f"sla_due({props['sla_days']})"})
            assert timer.text.strip() in expected, ident


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_timers_are_dates_computed_by_helpers(path: Path) -> None:
    root = parse(path).getroot()
    for timer in root.iter(f"{B}timerEventDefinition"):
        bodies = list(timer)
        assert [etree.QName(b).localname for b in bodies] == ["timeDate"]
        assert re.match(r"(timer_at|sla_due|watch_due)\(", bodies[0].text.strip())


def test_forms_are_strict_titled_and_do_not_shadow_helpers() -> None:
    helpers = set(helper_functions(DEFAULT_RULES))
    used = {properties(t)["formJsonSchemaFilename"]
            for path in DIAGRAMS for t in parse(path).getroot().iter(f"{B}userTask")}
    files = {p.name for p in (BPMN_DIR / "forms").glob("*.schema.json")}
    assert used == files  # every form is used, every used form exists
    for name in sorted(files):
        schema = json.loads((BPMN_DIR / "forms" / name).read_text(encoding="utf-8"))
        check_strict_schema(name, schema)
        # form fields become task data: a field named like a helper would break every script
        assert not set(schema["properties"]) & helpers, name


def check_strict_schema(name: str, schema: dict[str, Any]) -> None:
    assert schema["type"] == "object" and schema["additionalProperties"] is False, name
    assert schema["title"] and set(schema["required"]) <= set(schema["properties"]), name
    for field, spec in schema["properties"].items():
        assert spec.get("title"), f"{name}: {field} has no German title"
        if field.endswith(("_on", "_date", "_until", "_from", "_after")):
            assert spec.get("format") == "date", f"{name}: {field}"


def test_every_message_has_a_payload_schema() -> None:
    names = {m.get("name") for path in DIAGRAMS for m in parse(path).getroot().iter(
        f"{B}message")}
    files = {p.name.removesuffix(".schema.json")
             for p in (BPMN_DIR / "messages").glob("*.schema.json")}
    assert names == files == {"bamf_decision", "permit_issued", "duldung_issued",
                              "course_started", "course_result", "sgb2_application_received",
                              "training_contract"}
    for name in files:
        check_strict_schema(name, json.loads(
            (BPMN_DIR / "messages" / f"{name}.schema.json").read_text(encoding="utf-8")))


def test_readme_catalogue_lists_every_process_and_the_picture() -> None:
    readme = (BPMN_DIR / "README.md").read_text(encoding="utf-8")
    assert "![Lebenszyklus](refugee_lifecycle.svg)" in readme
    for path in DIAGRAMS:
        for process in parse(path).getroot().iter(f"{B}process"):
            assert f"`{process.get('id')}`" in readme and path.name in readme
    for dmn in BPMN_DIR.glob("*.dmn"):
        assert dmn.name in readme
