"""Rolling a process back to an earlier version (issue 15, point 11): the old content (BPMN
file, its forms, its DMN files) becomes the NEWEST version, history is kept, the roll-back is
audited; an unknown version is NotFound, the newest content a Conflict, and nothing is stored
then. And (point 14) an SLA of 0 or fewer working days is refused at deploy."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine import Staffel
from engine.errors import Conflict, DeployError, NotFound
from engine.persistence.models import AuditEvent, DefinitionFile, ProcessVersion
from tests.conftest import ENGINE_DIAGRAMS
from tests.engine.definitions.test_versions import basic_v2

REGISTER = "forms/register.schema.json"


def _stored(engine: Staffel) -> tuple[int, int, int]:
    with engine.db.read() as s:
        return (s.scalar(select(func.count()).select_from(ProcessVersion)) or 0,
                s.scalar(select(func.count()).select_from(DefinitionFile)) or 0,
                s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _register_v2() -> str:
    schema = json.loads((ENGINE_DIAGRAMS / REGISTER).read_text(encoding="utf-8"))
    schema["title"] = "Register (version 2)"
    return json.dumps(schema, indent=2)


def _newest_file(engine: Staffel, name: str) -> str:
    with engine.db.read() as s:
        row = s.scalars(select(DefinitionFile).where(DefinitionFile.name == name)
                        .order_by(DefinitionFile.id.desc()).limit(1)).one()
        return row.content


def test_rollback_deploys_the_old_diagram_and_form_as_the_newest_version(
        engine: Staffel) -> None:
    old_xml = engine.definitions.xml("basic", 1)
    old_form = _newest_file(engine, REGISTER)
    engine.definitions.deploy({"basic.bpmn": basic_v2(), REGISTER: _register_v2()}, "owner")
    assert engine.definitions.xml("basic", 2) != old_xml

    result = engine.definitions.rollback("basic", 1, actor="owner")

    assert [(v.key, v.version) for v in result.new_versions] == [("basic", 3)]
    assert engine.definitions.xml("basic", 3) == old_xml
    assert _newest_file(engine, REGISTER) == old_form
    assert engine.definitions.xml("basic", 2) != old_xml  # history is not rewritten
    history = engine.definitions.history("basic")
    assert [(i["version"], i["restored_from"], i["deployed_by"]) for i in history] == [
        (3, 1, "owner"), (2, None, "owner"), (1, None, "tester")]
    with engine.db.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "rolled_back")).one()
        actor, element, details = event.actor, event.element_id, event.details
    assert (actor, element) == ("owner", "basic")
    assert details["version"] == 3 and details["restored_version"] == 1
    assert details["files"] == ["basic.bpmn", "forms/note.schema.json", REGISTER]


def test_rollback_of_the_newest_content_is_a_conflict_and_stores_nothing(
        engine: Staffel) -> None:
    before = _stored(engine)
    with pytest.raises(Conflict):
        engine.definitions.rollback("basic", 1, actor="owner")
    assert _stored(engine) == before
    engine.definitions.deploy({"basic.bpmn": basic_v2()}, "owner")
    engine.definitions.rollback("basic", 1, actor="owner")  # v3 = v1's content
    before = _stored(engine)
    with pytest.raises(Conflict):  # v1 again: v3 has its content already
        engine.definitions.rollback("basic", 1, actor="owner")
    assert _stored(engine) == before


@pytest.mark.parametrize("version", [0, 2, 99, -1])
def test_rollback_to_an_unknown_version_is_not_found(engine: Staffel, version: int) -> None:
    before = _stored(engine)
    with pytest.raises(NotFound):
        engine.definitions.rollback("basic", version, actor="owner")
    with pytest.raises(NotFound):
        engine.definitions.rollback("no_such_process", 1, actor="owner")
    assert _stored(engine) == before


def test_rollback_restores_the_decision_table_the_version_used(engine: Staffel) -> None:
    old_dmn = _newest_file(engine, "route.dmn")
    changed = old_dmn.replace('label="Route by entry"', 'x').replace(
        '<text>"jc_leistung"</text>', '<text>"sozialamt"</text>')
    assert changed != old_dmn
    engine.definitions.deploy({"route.dmn": changed}, "owner")
    assert [i["version"] for i in engine.definitions.history("parent")] == [2, 1]
    engine.definitions.rollback("parent", 1, actor="owner")
    assert _newest_file(engine, "route.dmn") == old_dmn


@pytest.mark.parametrize("value", ["0", "-3", "00", "10000", "2.5"])
def test_sla_of_zero_or_less_is_refused_at_deploy(engine: Staffel, value: str) -> None:
    xml = (ENGINE_DIAGRAMS / "basic.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('name="sla_days" value="3"', f'name="sla_days" value="{value}"')
    before = _stored(engine)
    with pytest.raises(DeployError) as caught:
        engine.definitions.deploy({"basic.bpmn": xml}, "owner")
    sla = [p for p in caught.value.problems if "sla_days" in p.message]
    assert len(sla) == 1 and f"not '{value}'" in sla[0].message
    assert "from 1 to 9999" in sla[0].message and sla[0].element_id
    assert _stored(engine) == before
    xml_ok = xml.replace(f'name="sla_days" value="{value}"', 'name="sla_days" value="1"')
    assert engine.definitions.validate({"basic.bpmn": xml_ok}) == []
