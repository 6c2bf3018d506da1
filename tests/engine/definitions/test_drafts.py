"""Drafts of process diagrams (engine/definitions/drafts.py, engine/services/drafts.py): save
with an optimistic revision, discard, deploy-from-the-editor removes the draft; the 0006
migration goes down and up again; the dry run of a migration says where each case stands."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import inspect

from engine import Staffel
from engine.errors import Conflict, DeployError, InvalidInput, NotFound
from tests.conftest import PERSON, migrate_down
from tests.engine.definitions.test_versions import basic_without_wait


def xml(engine: Staffel, name: str = "Register the person") -> str:
    return engine.definitions.xml("basic", 1).replace('name="Register person"', f'name="{name}"')


def test_save_overwrites_with_the_current_revision_only(engine: Staffel) -> None:
    assert engine.drafts.get("basic") is None
    first = engine.drafts.save("basic", xml(engine), 1, 0, actor="anna")
    assert (first.revision, first.saved_by, first.base_version) == (1, "anna", 1)
    assert first.saved_at == engine.clock.now()
    second = engine.drafts.save("basic", xml(engine, "Second"), 1, 1, actor="ben")
    assert second.revision == 2 and 'name="Second"' in second.xml
    for stale in (0, 1, 3):
        with pytest.raises(Conflict, match=re.escape(
                "the draft was saved meanwhile by ben (revision 2); reload the editor")) as err:
            engine.drafts.save("basic", xml(engine, "Lost"), 1, stale, actor="anna")
        assert "ben" in err.value.message
    draft = engine.drafts.get("basic")
    assert draft is not None and draft.revision == 2 and 'name="Second"' in draft.xml
    assert list(engine.drafts.all()) == ["basic"]


@pytest.mark.parametrize(("content", "base", "revision", "field", "message"), [
    ("", 1, 0, "xml", "xml file is empty"),
    ("<bpmn:definitions", 1, 0, "xml", "xml not well-formed XML: "),
    ("<definitions/>", 1, 0, "xml", "xml is not a BPMN document (bpmn:definitions expected)"),
    (None, 0, 0, "base_version", "base_version must be a version of 'basic' (1 to 1)"),
    (None, 2, 0, "base_version", "base_version must be a version of 'basic' (1 to 1)"),
    (None, True, 0, "base_version", "base_version must be a version of 'basic' (1 to 1)"),
    (None, 1, -1, "revision", "revision must be a whole number from 0"),
    (None, 1, "1", "revision", "revision must be a whole number from 0"),
    (None, 1, None, "revision", "revision must be a whole number from 0"),
])
def test_bad_input_names_the_field_and_stores_nothing(
        engine: Staffel, content: str | None, base: object, revision: object,
        field: str, message: str) -> None:
    before = len(engine.audit.events())
    with pytest.raises(InvalidInput, match=f"^{re.escape(message)}") as err:
        engine.drafts.save("basic", xml(engine) if content is None else content, base, revision,
                          actor="anna")
    assert [e["field"] for e in err.value.errors] == [field]
    assert engine.drafts.get("basic") is None and len(engine.audit.events()) == before
    with pytest.raises(NotFound, match=r"^process 'nope' is not deployed$"):
        engine.drafts.save("nope", xml(engine), 1, 0, actor="anna")


def test_discard_and_deploy_from_the_editor(engine: Staffel) -> None:
    engine.drafts.save("basic", xml(engine), 1, 0, actor="anna")
    with pytest.raises(Conflict, match=re.escape("saved meanwhile by anna (revision 1)")):
        engine.drafts.discard("basic", 0, actor="anna")
    engine.drafts.discard("basic", 1, actor="anna")
    with pytest.raises(NotFound, match=r"^process 'basic' has no draft$"):
        engine.drafts.discard("basic", 1, actor="anna")

    engine.drafts.save("basic", xml(engine), 1, 0, actor="anna")
    broken = xml(engine).replace('value="register.schema.json"', 'value="missing.schema.json"')
    with pytest.raises(DeployError, match=re.escape("form 'missing.schema.json' not found")):
        engine.drafts.deploy("basic", broken, actor="anna")
    assert engine.drafts.get("basic") is not None  # a rejected deploy keeps the draft
    result = engine.drafts.deploy("basic", xml(engine), actor="anna")
    assert [(v.key, v.version) for v in result.new_versions] == [("basic", 2)]
    assert result.new_versions[0].file_name == "basic.bpmn"
    assert engine.drafts.get("basic") is None
    trail = [(e.action, e.element_id, e.details.get("reason")) for e in engine.audit.events()]
    assert trail[-5:] == [("draft_saved", "basic", None),
                          ("draft_discarded", "basic", "discarded"),
                          ("draft_saved", "basic", None), ("deployed", "basic", None),
                          ("draft_discarded", "basic", "deployed")]
    assert engine.audit.verify().ok
    with pytest.raises(NotFound, match=r"^process 'nope' is not deployed$"):
        engine.drafts.deploy("nope", xml(engine), actor="anna")


def test_the_drafts_migration_goes_down_and_up(make_engine: Callable[..., Staffel]) -> None:
    engine = make_engine()
    migrate_down(engine.db, "0005_imports")
    assert "process_drafts" not in inspect(engine.db.engine).get_table_names()
    engine.db.migrate()
    assert "process_drafts" in inspect(engine.db.engine).get_table_names()


def test_the_dry_run_says_where_each_case_stands(engine: Staffel) -> None:
    at_task = engine.cases.start(PERSON, "NW", "asylum", "8000000-001", process_key="basic")
    waiting = engine.cases.start(PERSON, "NW", "asylum", "8000000-002", process_key="basic")
    engine.tasks.complete(waiting.open_tasks[0].id, {"interpreter_needed": False}, actor="t")
    engine.definitions.deploy({"basic.bpmn": basic_without_wait()})
    report = {i["case_id"]: i for i in engine.migrations.dry_run("basic", 1, 2)}
    assert report[at_task.id]["position"] == ["Register person (Task_register)"]
    assert report[waiting.id]["position"] == ["Decision or follow-up? (Gw_decision_wait)"]
    assert report[at_task.id]["migratable"] and not report[waiting.id]["migratable"]
