"""A change undone becomes the newest version (as in Camunda): deploying the content of an older
version again creates a new version that new cases start on; the same content as the newest
version creates nothing; the 0007 migration goes down and up again."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import inspect, select

from engine import Staffel
from engine.definitions.deploy import current_sources
from engine.persistence.models import ProcessInstance, ProcessVersion
from tests.conftest import PERSON, migrate_down


def _version_of_case(engine: Staffel, case_id: str) -> int:
    with engine.db.read() as session:
        return int(session.scalar(
            select(ProcessVersion.version).join(
                ProcessInstance, ProcessInstance.process_version_id == ProcessVersion.id)
            .where(ProcessInstance.case_id == case_id)))


def test_undoing_a_change_deploys_a_new_newest_version(engine: Staffel) -> None:
    original = engine.definitions.xml("basic", 1)
    changed = original.replace('name="Register person"', 'name="Register the person"')
    assert changed != original
    changed_result = engine.definitions.deploy({"basic.bpmn": changed})
    assert [v.version for v in changed_result.new_versions] == [2]

    result = engine.definitions.deploy({"basic.bpmn": original}, actor="owner")

    assert [v.version for v in result.new_versions] == [3]
    assert engine.definitions.xml("basic", 3) == original
    with engine.db.read() as session:
        assert current_sources(session)["basic.bpmn"].content == original
    case = engine.cases.start(PERSON, "NW", "asylum", process_key="basic", actor="tester")
    assert _version_of_case(engine, case.id) == 3
    # the same content as the newest version again: nothing new
    assert engine.definitions.deploy({"basic.bpmn": original}).new_versions == []
    assert [v.version for v in engine.definitions.versions("basic")][:1] == [3]


def test_the_0007_migration_goes_down_and_up(make_engine: Callable[..., Staffel]) -> None:
    engine = make_engine()
    migrate_down(engine.db, "0006_drafts")
    indexes = {i["name"] for i in inspect(engine.db.engine).get_indexes("audit_events")}
    assert "ix_audit_events_action_at" not in indexes
    engine.db.migrate()
    indexes = {i["name"] for i in inspect(engine.db.engine).get_indexes("audit_events")}
    assert "ix_audit_events_action_at" in indexes
