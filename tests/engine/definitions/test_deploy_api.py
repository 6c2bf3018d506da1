"""Bad deployments through the engine façade: clear errors, and nothing stored."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine import Staffel
from engine.errors import DeployError, ScriptError
from engine.persistence.models import AuditEvent, DefinitionFile, ProcessVersion
from tests.conftest import DATA, ENGINE_DIAGRAMS, PERSON

BASIC = (ENGINE_DIAGRAMS / "basic.bpmn").read_text()


def counts(engine: Staffel) -> tuple[int, int, int]:
    with engine.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
                     for t in (DefinitionFile, ProcessVersion, AuditEvent))


def rejected(engine: Staffel, files: dict[str, bytes | str], match: str) -> DeployError:
    before = counts(engine)
    with pytest.raises(DeployError, match=match) as err:
        engine.definitions.deploy(files)
    assert counts(engine) == before
    assert engine.definitions.validate(files), "validate() must report the same problems"
    return err.value


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol3;</bpmn:definitions>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&xxe;</bpmn:definitions>"""


@pytest.mark.parametrize(("content", "needle"), [
    (b"this is not xml", "not well-formed"),
    (XXE, "DOCTYPE"),
    (BILLION_LAUGHS, "DOCTYPE"),
    (b"<html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "not a BPMN or DMN"),
    (b"<?xml version='1.0'?>" + b"<a>" + b"x" * (20 * 1024 * 1024) + b"</a>", "larger than"),
])
def test_hostile_or_foreign_documents_are_rejected(make_engine, content: bytes,  # type: ignore[no-untyped-def]
                                                   needle: str) -> None:
    engine = make_engine()
    err = rejected(engine, {"upload.bpmn": content}, match=re.escape(needle))
    assert any(needle in p.message for p in err.problems), err.problems
    assert all(p.file == "upload.bpmn" for p in err.problems)


def test_xsd_failure_names_line_and_element(make_engine) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine()
    bad = BASIC.replace('<bpmn:startEvent id="Start_basic">',
                        '<bpmn:startEvent id="Start_basic" bogus="1">')
    err = rejected(engine, {"basic.bpmn": bad, "forms/register.schema.json": "{}",
                            "forms/note.schema.json": "{}"},
                   match=re.escape("[Start_basic]: does not match the BPMN 2.0 schema"))
    (problem,) = [p for p in err.problems if p.rule == "xsd"]
    assert problem.element_id == "Start_basic" and problem.line == 25


def test_unknown_team_bad_condition_and_script_escape_are_all_reported(make_engine) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine()
    engine.definitions.deploy_directory(ENGINE_DIAGRAMS)
    bad = (BASIC.replace('name="Sozialamt (AsylbLG)"', 'name="Poststelle"')
           .replace("outcome = decision['outcome']",
                    "outcome = ().__class__.__base__.__subclasses__()"))
    call = (ENGINE_DIAGRAMS / "call.bpmn").read_text().replace(
        "team == 'jc_leistung'", "team ==")
    err = rejected(engine, {"basic.bpmn": bad, "call.bpmn": call},
                   match=re.escape("[Lane_soz]: lane 'Poststelle' maps to no team"))
    by_element = {p.element_id: p for p in err.problems}
    assert "maps to no team" in by_element["Lane_soz"].message
    assert by_element["Script_after"].file == "basic.bpmn"
    assert by_element["P3"].file == "call.bpmn" and by_element["P3"].line is not None
    assert {v.version for v in engine.definitions.versions()} == {1}


def test_call_activity_must_resolve(make_engine) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine()
    call = (ENGINE_DIAGRAMS / "call.bpmn").read_text().replace('calledElement="child"',
                                                                'calledElement="nowhere"')
    err = rejected(engine, {"call.bpmn": call, "route.dmn": (ENGINE_DIAGRAMS / "route.dmn")
                            .read_text(), "forms/note.schema.json": "{}"},
                   match=re.escape("call activity Call_child calls unknown process 'nowhere'"))
    assert any(p.element_id == "Call_child" and "nowhere" in p.message for p in err.problems)


def test_unknown_file_type_and_bad_form_schema(make_engine) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine()
    err = rejected(engine, {"notes.txt": "hello", "forms/x.schema.json": "{not json"},
                   match="notes.txt: unknown file type")
    files = {p.file for p in err.problems}
    assert files == {"notes.txt"}
    err = rejected(engine, {"forms/x.schema.json": '{"type": 12}'},
                   match="forms/x.schema.json: not a valid JSON Schema")
    assert "JSON Schema" in err.problems[0].message


def test_endless_script_is_stopped_and_the_instance_is_unchanged(make_engine) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(script_time_limit=0.3)
    engine.definitions.deploy({"loop.bpmn": (DATA / "engine_bad" / "loop.bpmn").read_text(),
                   "forms/note.schema.json": (ENGINE_DIAGRAMS / "forms/note.schema.json")
                   .read_text()})
    case = engine.cases.start(PERSON, "NW", process_key="looping")
    task = case.open_tasks[0]
    before = counts(engine)
    with engine.db.read() as s:
        from engine.persistence.models import ProcessInstance
        state_before = s.scalars(select(ProcessInstance.state)).one()
    with pytest.raises(ScriptError,
                       match=re.escape("ran longer than the time limit of 0.3 s")) as err:
        engine.tasks.complete(task.id, {"note": "go"}, actor="cw_sozialamt")
    assert "time" in err.value.message.lower()
    assert counts(engine) == before
    with engine.db.read() as s:
        assert s.scalars(select(ProcessInstance.state)).one() == state_before
    assert engine.cases.get(case.id).open_tasks[0].id == task.id
