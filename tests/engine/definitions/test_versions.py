"""Process versions: diff, history, and migrating running cases to a newer version."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import Staffel
from engine.definitions.deploy import read_directory
from engine.errors import NotFound
from engine.persistence.models import HumanTask, MessageWait, ProcessInstance, Timer
from tests.conftest import ENGINE_DIAGRAMS, PERSON

CHECK_TASK = (
    '<bpmn:userTask id="Task_check" name="Check documents">'
    '<bpmn:extensionElements><spiffworkflow:properties>'
    '<spiffworkflow:property name="formJsonSchemaFilename" value="note.schema.json" />'
    '</spiffworkflow:properties></bpmn:extensionElements>'
    '<bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F2b</bpmn:outgoing></bpmn:userTask>'
    '<bpmn:sequenceFlow id="F2b" sourceRef="Task_check" targetRef="Gw_decision_merge" />')


def basic_v2() -> bytes:
    """v2 of ``basic``: Task_register renamed, SLA 3 -> 5 days, Task_check added before the
    (watched) message wait."""
    xml = (ENGINE_DIAGRAMS / "basic.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('name="Register person"', 'name="Register the person"')
    xml = xml.replace('name="sla_days" value="3"', 'name="sla_days" value="5"')
    xml = xml.replace('<bpmn:flowNodeRef>Wait_decision</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>Wait_decision</bpmn:flowNodeRef>'
                      '<bpmn:flowNodeRef>Task_check</bpmn:flowNodeRef>')
    xml = xml.replace('<bpmn:sequenceFlow id="F2" sourceRef="Task_register" '
                      'targetRef="Gw_decision_merge" />',
                      '<bpmn:sequenceFlow id="F2" sourceRef="Task_register" '
                      'targetRef="Task_check" />' + CHECK_TASK)
    xml = xml.replace('<bpmn:incoming>F2</bpmn:incoming><bpmn:incoming>W3</bpmn:incoming>',
                      '<bpmn:incoming>F2b</bpmn:incoming><bpmn:incoming>W3</bpmn:incoming>')
    return xml.encode("utf-8")


WAIT_ELEMENTS = ("Gw_decision_merge", "Gw_decision_wait", "Watch_bamf_decision",
                 "Task_follow_up", "Moot_decision", "Gw_after_decision", "Wait_decision")
WAIT_FLOWS = ("W0", "W1", "W2", "W3", "W4", "W5", "W6", "F3")


def basic_without_wait() -> bytes:
    """A version of ``basic`` without the message wait (Task_register goes on to the script)."""
    from lxml import etree

    b = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    root = etree.fromstring((ENGINE_DIAGRAMS / "basic.bpmn").read_bytes())
    process = root.find(f"{b}process")
    for element in list(process.iter()):
        if element.get("id") in (*WAIT_ELEMENTS, *WAIT_FLOWS) \
                or (element.tag == f"{b}flowNodeRef" and element.text in WAIT_ELEMENTS):
            element.getparent().remove(element)
    (flow,) = [f for f in process.iter(f"{b}sequenceFlow") if f.get("id") == "F2"]
    flow.set("targetRef", "Script_after")
    (script,) = [s for s in process.iter(f"{b}scriptTask") if s.get("id") == "Script_after"]
    script.find(f"{b}incoming").text = "F2"
    script.find(f"{b}script").text = "outcome = 'none'"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _deploy(engine: Staffel, content: bytes) -> int:
    files = read_directory(ENGINE_DIAGRAMS)
    files["basic.bpmn"] = content
    new = [v.version for v in engine.definitions.deploy(files, actor="owner").new_versions
           if v.key == "basic"]
    assert len(new) == 1
    return new[0]


def _start(engine: Staffel, az: str, waiting: bool) -> str:
    case = engine.cases.start(PERSON, "NW", "asylum", az, process_key="basic", actor="t")
    if waiting:
        engine.tasks.complete(case.open_tasks[0].id, {"interpreter_needed": False}, actor="t")
    return case.id


def _instance(engine: Staffel, case_id: str) -> tuple[bytes, int, int]:
    with engine.db.read() as s:
        row = s.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).one()
        return row.state, row.lock_version, row.process_version_id


def test_redeploying_unchanged_content_makes_no_new_version(engine: Staffel) -> None:
    assert engine.definitions.deploy_directory(ENGINE_DIAGRAMS).new_versions == []
    assert _deploy(engine, basic_v2()) == 2
    assert [h["version"] for h in engine.definitions.history("basic")] == [2, 1]


def test_diff_shows_renamed_task_changed_sla_and_added_task(engine: Staffel) -> None:
    _deploy(engine, basic_v2())
    diff = engine.definitions.diff("basic", 1, 2)
    assert [a["element_id"] for a in diff["added"]] == ["F2b", "Task_check"]
    assert diff["removed"] == []
    changed = {c["element_id"]: c["changes"] for c in diff["changed"]}
    assert changed["Task_register"] == {
        "name": {"from": "Register person", "to": "Register the person"},
        "sla_days": {"from": "3", "to": "5"}}
    assert set(changed) == {"Task_register"}
    with pytest.raises(NotFound, match=r"^process 'basic' has no version 9$"):
        engine.definitions.diff("basic", 1, 9)


def test_history_counts_running_cases(engine: Staffel) -> None:
    _start(engine, "8000000-001", waiting=False)
    _start(engine, "8000000-002", waiting=True)
    assert engine.definitions.history("basic")[0]["running_cases"] == 2
    with pytest.raises(NotFound, match=r"^process 'nope' is not deployed$"):
        engine.definitions.history("nope")


def test_cases_at_different_positions_migrate_and_finish_on_v2(engine: Staffel) -> None:
    at_task = _start(engine, "8000000-001", waiting=False)
    at_message = _start(engine, "8000000-002", waiting=True)
    _deploy(engine, basic_v2())
    dry = engine.migrations.dry_run("basic", 1, 2)
    assert {(r["case_id"], r["migratable"]) for r in dry} == {(at_task, True),
                                                             (at_message, True)}
    assert all(not r["migrated"] for r in dry)
    report = engine.migrations.migrate("basic", 1, 2, None, actor="owner")
    assert {(r["case_id"], r["migrated"]) for r in report} == {(at_task, True),
                                                              (at_message, True)}
    v2 = _instance(engine, at_task)[2]
    assert _instance(engine, at_message)[2] == v2
    assert engine.definitions.history("basic")[0]["running_cases"] == 2
    assert "instance_migrated" in [e.action for e in engine.audit.events(at_task)]
    with engine.db.read() as s:  # the projection still matches the workflow
        open_tasks = s.scalars(select(HumanTask).where(HumanTask.case_id == at_task,
                                                       HumanTask.state == "open")).all()
        assert [(t.element_id, t.process_key) for t in open_tasks] == [("Task_register",
                                                                        "basic")]
        assert s.scalars(select(Timer).where(Timer.case_id == at_task,
                                             Timer.status == "waiting")).all()
        assert s.scalars(select(MessageWait).where(MessageWait.case_id == at_message)).all()
    # the case that waited at Task_register now passes the new Task_check
    task = engine.cases.get(at_task).open_tasks[0]
    engine.tasks.complete(task.id, {"interpreter_needed": True}, actor="t")
    assert [t.name for t in engine.cases.get(at_task).open_tasks] == ["Task_check"]
    engine.tasks.complete(engine.cases.get(at_task).open_tasks[0].id, {}, actor="t")
    for case_id in (at_task, at_message):
        engine.messages.correlate("bamf_decision", {"outcome": "refugee"}, case_id=case_id)
        assert engine.cases.get(case_id).status == "completed"


def test_case_whose_waiting_element_was_removed_stays_untouched(engine: Staffel) -> None:
    at_task = _start(engine, "8000000-001", waiting=False)
    at_message = _start(engine, "8000000-002", waiting=True)
    _deploy(engine, basic_without_wait())
    before = _instance(engine, at_message)
    dry = {r["case_id"]: r for r in engine.migrations.dry_run("basic", 1, 2)}
    assert dry[at_task]["migratable"] is True
    assert dry[at_message]["migratable"] is False
    assert "Gw_decision_" in dry[at_message]["reasons"][0]
    report = {r["case_id"]: r for r in engine.migrations.migrate("basic", 1, 2, [at_message, "x"],
                                                           actor="owner")}
    assert report[at_message]["migrated"] is False
    assert report["x"]["migrated"] is False
    assert _instance(engine, at_message) == before
    assert "instance_migrated" not in [e.action for e in engine.audit.events(at_message)]
    assert engine.migrations.migrate("basic", 1, 2, [at_task])[0]["migrated"] is True
    engine.tasks.complete(engine.cases.get(at_task).open_tasks[0].id,
                         {"interpreter_needed": False}, actor="t")
    assert engine.cases.get(at_task).status == "completed"


def test_case_inside_a_changed_called_process_is_not_migrated(engine: Staffel) -> None:
    case = engine.cases.start(PERSON, "NW", "resettlement", process_key="parent",
                             data={"decision_date": "2027-01-31"}, actor="t")
    assert [t.name for t in engine.cases.get(case.id).open_tasks] == ["Task_ack"]
    files = read_directory(ENGINE_DIAGRAMS)
    files["call.bpmn"] = files["call.bpmn"].replace(b'name="Acknowledge handover"',
                                                    b'name="Acknowledge the handover"')
    new = {v.key: v.version for v in engine.definitions.deploy(files).new_versions}
    assert new == {"parent": 2, "child": 2}
    before = _instance(engine, case.id)
    [entry] = engine.migrations.migrate("parent", 1, 2)
    assert entry["migrated"] is False
    assert entry["reasons"] == ["the called process child changed and is already running"]
    assert _instance(engine, case.id) == before
