"""POST /api/v1/process-definitions/{key}/migrations on the real diagrams of bpmn/ (issue 15,
point 12): after a change of the main diagram only, the dry run answers every case movable with
no reason about a called process; after a change of asylum_procedure, it names that process
for exactly the cases inside it. A case whose state cannot be re-built is reported, not a 500,
and stays as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine import Staffel
from engine.definitions import versions
from engine.persistence.models import ProcessInstance
from tests.lifecycle.helpers import BPMN_DIR
from tests.lifecycle.migration_cases import (
    ASYLUM_TASK_RENAME,
    MAIN_TASK_RENAME,
    cases_at_stages,
    changed_copy,
)
from tests.web.conftest import Api

PATH = "/api/v1/process-definitions/refugee_lifecycle/migrations"


def _labelled(items: list[dict[str, Any]], cases: dict[str, str]) -> dict[str, dict[str, Any]]:
    labels = {case_id: label for label, case_id in cases.items()}
    return {labels[item["case_id"]]: item for item in items}


def _states(eng: Staffel) -> dict[str, tuple[bytes, int, int]]:
    with eng.db.read() as s:
        return {row.case_id: (row.state, row.lock_version, row.process_version_id)
                for row in s.scalars(select(ProcessInstance))}


def test_dry_run_names_a_called_process_only_when_it_changed(
        api: Api, api_engine: Staffel, tmp_path: Path) -> None:
    api_engine.definitions.deploy_directory(BPMN_DIR, actor="lead")
    cases = cases_at_stages(api_engine)
    api_engine.definitions.deploy_directory(
        changed_copy(tmp_path, {"refugee_lifecycle.bpmn": MAIN_TASK_RENAME}), actor="lead")
    before = _states(api_engine)
    answer = api.post(PATH, {"from": 1, "to": 2, "dry_run": True}, as_="owner")
    assert answer.status_code == 200
    items = _labelled(answer.get_json()["items"], cases)
    assert {label: (i["migratable"], i["reasons"]) for label, i in items.items()} == \
        dict.fromkeys(cases, (True, []))
    api_engine.definitions.deploy_directory(
        changed_copy(tmp_path, {"asylum_procedure.bpmn": ASYLUM_TASK_RENAME}), actor="lead")
    items = _labelled(api.post(PATH, {"from": 1, "to": 3, "dry_run": True},
                               as_="owner").get_json()["items"], cases)
    refused = {label: i["reasons"] for label, i in items.items() if not i["migratable"]}
    reason = "the called process asylum_procedure changed and is already running"
    assert refused == {"asylblg_grant": [reason], "waits_for_bamf": [reason]}
    assert _states(api_engine) == before


def test_a_state_that_cannot_be_rebuilt_is_reported_and_untouched(
        api: Api, api_engine: Staffel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api_engine.definitions.deploy_directory(BPMN_DIR, actor="lead")
    cases = cases_at_stages(api_engine)
    api_engine.definitions.deploy_directory(
        changed_copy(tmp_path, {"refugee_lifecycle.bpmn": MAIN_TASK_RENAME}), actor="lead")
    before = _states(api_engine)

    def broken(*_args: Any) -> Any:
        raise KeyError("Task_gone")

    monkeypatch.setattr(versions, "retarget", broken)
    answer = api.post(PATH, {"from": 1, "to": 2, "dry_run": False, "case_ids": [
        cases["register"]]}, as_="owner")
    assert answer.status_code == 200
    [item] = answer.get_json()["items"]
    assert (item["migrated"], item["reasons"]) == (
        False, ["the state cannot be moved: 'Task_gone'"])
    assert _states(api_engine) == before
    assert "instance_migrated" not in [e.action for e in
                                       api_engine.audit.events(cases["register"])]
