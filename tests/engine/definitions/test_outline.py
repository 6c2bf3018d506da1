"""Outlines of engine.definitions.outline: the user tasks (id, name) and call activities
(id, called process) of one process of a stored BPMN document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import Staffel
from engine.definitions.outline import ProcessOutline, outline_of
from engine.errors import DeployError
from tests.conftest import ENGINE_DIAGRAMS

CALL = (ENGINE_DIAGRAMS / "call.bpmn").read_text()
BASIC = (ENGINE_DIAGRAMS / "basic.bpmn").read_text()

NESTED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">
  <bpmn:process id="outer" isExecutable="true">
    <bpmn:userTask id="Task_first" name="First" />
    <bpmn:userTask id="Task_unnamed" />
    <bpmn:subProcess id="Sub">
      <bpmn:userTask id="Task_inner" name="Inside the subprocess" />
      <bpmn:callActivity id="Call_deep" calledElement="deep" />
    </bpmn:subProcess>
    <bpmn:callActivity id="Call_nothing" />
    <bpmn:manualTask id="Manual" name="Not a user task" />
  </bpmn:process>
  <bpmn:process id="other" isExecutable="true">
    <bpmn:userTask id="Task_other" name="Elsewhere" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_the_processes_of_call_bpmn() -> None:
    assert outline_of("parent", 1, "call.bpmn", CALL) == ProcessOutline(
        "parent", 1, (), (("Call_child", "child"),))
    assert outline_of("child", 4, "call.bpmn", CALL) == ProcessOutline(
        "child", 4, (("Task_ack", "Acknowledge handover"),), (),
        (("Task_ack", "jc_leistung"),))  # the team of its lane (issue 15: inbox filter)


def test_every_user_task_of_the_lifecycle_has_a_team() -> None:
    """Each user task of bpmn/ lies in a lane of a known team or a lane whose team is read at
    run time, so the inbox's task-type filter can offer it to the right teams."""
    root = Path(__file__).resolve().parents[3] / "bpmn"
    seen = 0
    for path in sorted(root.glob("*.bpmn")):
        xml = path.read_text(encoding="utf-8")
        for key in re.findall(r'<bpmn:process id="([^"]+)"', xml):
            outline = outline_of(key, 1, path.name, xml)
            assert all(team for _id, team in outline.task_teams), (path.name, key)
            seen += len(outline.task_teams)
    assert seen > 20


def test_user_tasks_in_document_order() -> None:
    assert outline_of("basic", 2, "basic.bpmn", BASIC).user_tasks == (
        ("Task_register", "Register person"), ("Task_follow_up", "Ask BAMF for the decision"),
        ("Task_reminder", "Ask BAMF"))


def test_nested_elements_unnamed_tasks_and_other_processes() -> None:
    outline = outline_of("outer", 1, "nested.bpmn", NESTED)
    assert outline.user_tasks == (("Task_first", "First"), ("Task_unnamed", "Task_unnamed"),
                                  ("Task_inner", "Inside the subprocess"))
    assert outline.call_activities == (("Call_deep", "deep"), ("Call_nothing", ""))
    assert outline_of("other", 1, "nested.bpmn", NESTED).user_tasks == (
        ("Task_other", "Elsewhere"),)


def test_a_process_not_in_the_document_has_an_empty_outline() -> None:
    assert outline_of("missing", 3, "call.bpmn", CALL) == ProcessOutline("missing", 3, (), ())


def test_a_broken_document_is_a_deploy_error() -> None:
    with pytest.raises(DeployError, match="deployment rejected: 1 problem") as exc:
        outline_of("basic", 1, "basic.bpmn", BASIC[:200])
    assert "not well-formed XML" in exc.value.problems[0].message


def test_the_engine_serves_the_outline_of_a_deployed_version(engine: Staffel) -> None:
    assert engine.definitions.outline("parent", 1) == outline_of("parent", 1, "call.bpmn", CALL)
    assert engine.definitions.outline("child", 1).user_tasks == (
        ("Task_ack", "Acknowledge handover"),)
