"""Drafts of process diagrams (engine/drafts.py, engine/api_drafts.py): save with an optimistic
revision, discard, deploy-from-the-editor removes the draft; the 0006 migration goes down and
up again; the dry run of a migration says where each case stands."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import inspect

from engine.api import Staffel
from engine.errors import Conflict, DeployError, InvalidInput, NotFound
from tests.conftest import PERSON, migrate_down
from tests.engine.definitions.test_versions import basic_without_wait


def xml(engine: Staffel, name: str = "Register the person") -> str:
    return engine.process_xml("basic", 1).replace('name="Register person"', f'name="{name}"')


def test_save_overwrites_with_the_current_revision_only(engine: Staffel) -> None:
    assert engine.process_draft("basic") is None
    first = engine.save_draft("basic", xml(engine), 1, 0, actor="anna")
    assert (first.revision, first.saved_by, first.base_version) == (1, "anna", 1)
    assert first.saved_at == engine.now()
    second = engine.save_draft("basic", xml(engine, "Second"), 1, 1, actor="ben")
    assert second.revision == 2 and 'name="Second"' in second.xml
    for stale in (0, 1, 3):
        with pytest.raises(Conflict) as err:
            engine.save_draft("basic", xml(engine, "Lost"), 1, stale, actor="anna")
        assert "ben" in err.value.message
    draft = engine.process_draft("basic")
    assert draft is not None and draft.revision == 2 and 'name="Second"' in draft.xml
    assert list(engine.process_drafts()) == ["basic"]


@pytest.mark.parametrize(("content", "base", "revision", "field"), [
    ("", 1, 0, "xml"),
    ("<bpmn:definitions", 1, 0, "xml"),
    ("<definitions/>", 1, 0, "xml"),
    (None, 0, 0, "base_version"),
    (None, 2, 0, "base_version"),
    (None, True, 0, "base_version"),
    (None, 1, -1, "revision"),
    (None, 1, "1", "revision"),
    (None, 1, None, "revision"),
])
def test_bad_input_names_the_field_and_stores_nothing(
        engine: Staffel, content: str | None, base: object, revision: object,
        field: str) -> None:
    before = len(engine.audit_events())
    with pytest.raises(InvalidInput) as err:
        engine.save_draft("basic", xml(engine) if content is None else content, base, revision,
                          actor="anna")
    assert [e["field"] for e in err.value.errors] == [field]
    assert engine.process_draft("basic") is None and len(engine.audit_events()) == before
    with pytest.raises(NotFound):
        engine.save_draft("nope", xml(engine), 1, 0, actor="anna")


def test_discard_and_deploy_from_the_editor(engine: Staffel) -> None:
    engine.save_draft("basic", xml(engine), 1, 0, actor="anna")
    with pytest.raises(Conflict):
        engine.discard_draft("basic", 0, actor="anna")
    engine.discard_draft("basic", 1, actor="anna")
    with pytest.raises(NotFound):
        engine.discard_draft("basic", 1, actor="anna")

    engine.save_draft("basic", xml(engine), 1, 0, actor="anna")
    broken = xml(engine).replace('value="register.schema.json"', 'value="missing.schema.json"')
    with pytest.raises(DeployError):
        engine.deploy_edited("basic", broken, actor="anna")
    assert engine.process_draft("basic") is not None  # a rejected deploy keeps the draft
    result = engine.deploy_edited("basic", xml(engine), actor="anna")
    assert [(v.key, v.version) for v in result.new_versions] == [("basic", 2)]
    assert result.new_versions[0].file_name == "basic.bpmn"
    assert engine.process_draft("basic") is None
    trail = [(e.action, e.element_id, e.details.get("reason")) for e in engine.audit_events()]
    assert trail[-5:] == [("draft_saved", "basic", None),
                          ("draft_discarded", "basic", "discarded"),
                          ("draft_saved", "basic", None), ("deployed", "basic", None),
                          ("draft_discarded", "basic", "deployed")]
    assert engine.verify_audit().ok
    with pytest.raises(NotFound):
        engine.deploy_edited("nope", xml(engine), actor="anna")


def test_the_drafts_migration_goes_down_and_up(make_engine: Callable[..., Staffel]) -> None:
    engine = make_engine()
    migrate_down(engine, "0005_imports")
    assert "process_drafts" not in inspect(engine.db.engine).get_table_names()
    engine.db.migrate()
    assert "process_drafts" in inspect(engine.db.engine).get_table_names()


def test_the_dry_run_says_where_each_case_stands(engine: Staffel) -> None:
    at_task = engine.start_case(PERSON, "NW", "asylum", "8000000-001", process_key="basic")
    waiting = engine.start_case(PERSON, "NW", "asylum", "8000000-002", process_key="basic")
    engine.complete_task(waiting.open_tasks[0].id, {"interpreter_needed": False}, actor="t")
    engine.deploy({"basic.bpmn": basic_without_wait()})
    report = {i["case_id"]: i for i in engine.dry_run_migration("basic", 1, 2)}
    assert report[at_task.id]["position"] == ["Register person (Task_register)"]
    assert report[waiting.id]["position"] == ["Decision received (Wait_decision)"]
    assert report[at_task.id]["migratable"] and not report[waiting.id]["migratable"]
