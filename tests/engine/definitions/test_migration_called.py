"""Migrating cases of the real lifecycle (bpmn/) when only the main diagram changed, and when a
called process really changed: the dry run names a called process only when it did change.

Issue 15, point 12: restoring the new version's spec took its stored dict apart in place
(SpiffWorkflow's converters pop keys and put spec objects in), so the migration check compared
a torn-apart dict with an intact one and refused 4 of 6 cases with "the called process
asylum_procedure changed", although no called process had changed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine import Staffel
from engine.persistence.models import ProcessInstance, ProcessVersion
from tests.lifecycle.helpers import complete_open, new_engine
from tests.lifecycle.migration_cases import (
    ASYLUM_TASK_RENAME,
    MAIN_TASK_RENAME,
    STAGES,
    cases_at_stages,
    changed_copy,
)

CALLED_REASON = "the called process {} changed and is already running"


def _deploy(eng: Staffel, directory: Path) -> dict[str, int]:
    return {v.key: v.version for v in eng.definitions.deploy_directory(directory,
                                                                       actor="lead").new_versions}


def _by_label(report: list[dict[str, Any]], cases: dict[str, str]) -> dict[str, dict[str, Any]]:
    labels = {case_id: label for label, case_id in cases.items()}
    return {labels[entry["case_id"]]: entry for entry in report}


def _states(eng: Staffel) -> dict[str, tuple[bytes, int, int]]:
    with eng.db.read() as s:
        return {row.case_id: (row.state, row.lock_version, row.process_version_id)
                for row in s.scalars(select(ProcessInstance))}


def test_only_the_main_diagram_changed_every_case_can_move(make_engine: Any,
                                                           tmp_path: Path) -> None:
    eng = new_engine(make_engine)
    cases = cases_at_stages(eng)
    assert _deploy(eng, changed_copy(tmp_path, {"refugee_lifecycle.bpmn": MAIN_TASK_RENAME})) \
        == {"refugee_lifecycle": 2}
    before = _states(eng)
    first = _by_label(eng.migrations.dry_run("refugee_lifecycle", 1, 2), cases)
    assert _states(eng) == before  # a dry run changes nothing
    assert {label: entry["reasons"] for label, entry in first.items()} == \
        {label: [] for label, _called in STAGES}
    assert all(entry["migratable"] for entry in first.values())
    # the answer does not depend on which specs happen to be cached already
    again = _by_label(eng.migrations.dry_run("refugee_lifecycle", 1, 2), cases)
    assert again == first
    moved = _by_label(eng.migrations.migrate("refugee_lifecycle", 1, 2, actor="owner"), cases)
    assert {label: entry["migrated"] for label, entry in moved.items()} == \
        dict.fromkeys(cases, True)
    assert _versions(eng, cases) == {2}
    # a moved case goes on inside its called process on version 2
    complete_open(eng, cases["asylblg_grant"], "Task_asylblg_grant",
                  {"asylblg_from": "2027-03-01", "accommodation": "shared"})
    assert [t.name for t in eng.cases.get(cases["asylblg_grant"]).open_tasks] == \
        ["Task_gestattung"]


def test_a_changed_called_process_is_named_and_only_where_it_runs(make_engine: Any,
                                                                  tmp_path: Path) -> None:
    eng = new_engine(make_engine)
    cases = cases_at_stages(eng)
    assert _deploy(eng, changed_copy(tmp_path, {"refugee_lifecycle.bpmn": MAIN_TASK_RENAME})) \
        == {"refugee_lifecycle": 2}
    assert _deploy(eng, changed_copy(tmp_path, {"asylum_procedure.bpmn": ASYLUM_TASK_RENAME})) \
        == {"refugee_lifecycle": 3, "asylum_procedure": 2}
    before = _states(eng)
    for _run in range(2):  # the same answer with the specs cached or not
        report = _by_label(eng.migrations.dry_run("refugee_lifecycle", 1, 3), cases)
        reasons = {label: entry["reasons"] for label, entry in report.items()}
        assert reasons == {
            "register": [], "asylblg_grant": [CALLED_REASON.format("asylum_procedure")],
            "waits_for_bamf": [CALLED_REASON.format("asylum_procedure")],
            # asylum_procedure has finished there and every element it passed is still there
            "decision_served": [], "resettlement_arrival": [], "resettlement_handover": []}
        assert {label for label, entry in report.items() if entry["migratable"]} == \
            {"register", "decision_served", "resettlement_arrival", "resettlement_handover"}
    assert _states(eng) == before
    moved = _by_label(eng.migrations.migrate("refugee_lifecycle", 1, 3, actor="owner"), cases)
    assert {label for label, entry in moved.items() if entry["migrated"]} == \
        {"register", "decision_served", "resettlement_arrival", "resettlement_handover"}
    after = _states(eng)
    for label in ("asylblg_grant", "waits_for_bamf"):
        assert after[cases[label]] == before[cases[label]]  # refused: untouched
        assert moved[label]["reasons"] == [CALLED_REASON.format("asylum_procedure")]


def test_a_finished_called_process_that_lost_an_element_it_passed_blocks(
        make_engine: Any, tmp_path: Path) -> None:
    eng = new_engine(make_engine)
    cases = cases_at_stages(eng)
    # the decided case passed Task_gestattung in asylum_procedure; version 2 renames its id
    directory = changed_copy(tmp_path, {})
    path = directory / "asylum_procedure.bpmn"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"Task_gestattung"', '"Task_gestattung_record"')
                    .replace(">Task_gestattung<", ">Task_gestattung_record<"), encoding="utf-8")
    assert _deploy(eng, directory) == {"refugee_lifecycle": 2, "asylum_procedure": 2}
    report = _by_label(eng.migrations.dry_run("refugee_lifecycle", 1, 2), cases)
    reasons = report["decision_served"]["reasons"]
    assert "passed element asylum_procedure:Task_gestattung does not exist in version 2" \
        in reasons
    assert all(r.startswith("passed element asylum_procedure:") for r in reasons), reasons
    assert report["decision_served"]["migratable"] is False
    assert report["register"]["reasons"] == []


def test_restoring_a_spec_leaves_the_stored_dict_as_it_was(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    with eng.db.read() as s:
        row = s.scalars(select(ProcessVersion).where(
            ProcessVersion.key == "refugee_lifecycle")).one()
        stored = copy.deepcopy(row.spec)
        eng.context.specs.clear()
        eng.context.specs.get(s, row.id)  # restores from the row of this session
        assert row.spec == stored


def _versions(eng: Staffel, cases: dict[str, str]) -> set[int]:
    """The versions the cases' instances run on."""
    with eng.db.read() as s:
        return set(s.scalars(select(ProcessVersion.version).join(
            ProcessInstance, ProcessInstance.process_version_id == ProcessVersion.id).where(
            ProcessInstance.case_id.in_(list(cases.values())))))
