"""Migration 0019 (issue 16): the indexes for a Land's volume go down and come up again; the
rows stay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import inspect, text

from engine.persistence.db import Database
from tests.conftest import migrate_down
from tests.engine.test_states import seed


def _indexes(db: Database, table: str) -> set[str]:
    return {i["name"] for i in inspect(db.engine).get_indexes(table) if i["name"]}


def test_the_0019_migration_goes_down_and_up(make_engine: Callable[..., Any]) -> None:
    db: Database = make_engine().db
    seed(db)
    assert "ix_timers_case_id" in _indexes(db, "timers")
    assert {"ix_human_tasks_team_due", "ix_human_tasks_assignee_team_due",
            "ix_human_tasks_unassigned_team_due"} <= _indexes(db, "human_tasks")
    assert not {"ix_human_tasks_inbox", "ix_human_tasks_assignee"} & _indexes(db, "human_tasks")
    assert "ix_person_name_tokens_token_case" in _indexes(db, "person_name_tokens")
    migrate_down(db, "0018_lean_state")
    assert _indexes(db, "person_name_tokens") >= {"ix_person_name_tokens_token"}
    assert "ix_timers_case_id" not in _indexes(db, "timers")
    assert {"ix_human_tasks_inbox", "ix_human_tasks_assignee"} <= _indexes(db, "human_tasks")
    assert not {"ix_human_tasks_team_due", "ix_human_tasks_unassigned_team_due"} & _indexes(
        db, "human_tasks")
    db.migrate()
    assert "ix_timers_case_id" in _indexes(db, "timers")
    assert "ix_human_tasks_team_due" in _indexes(db, "human_tasks")
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM human_tasks")).scalar_one() == 1
