"""Migration 0017 (issue 15): saved inbox filters and the call path of each task go down and
come up again; an open task keeps its row (the call path is only lost on the way down)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import inspect, text

from engine.persistence.db import Database
from tests.conftest import migrate_down
from tests.engine.test_states import seed


def test_the_0017_migration_goes_down_and_up(make_engine: Callable[..., Any]) -> None:
    db: Database = make_engine().db
    seed(db)
    with db.write() as s:
        s.execute(text("UPDATE human_tasks SET call_path = 'refugee_lifecycle.Call_x'"))
    migrate_down(db, "0016_admin_users")
    names = inspect(db.engine).get_table_names()
    assert "saved_filters" not in names
    assert "call_path" not in {c["name"] for c in inspect(db.engine).get_columns("human_tasks")}
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM human_tasks")).scalar_one() == 1
    db.migrate()
    assert "saved_filters" in inspect(db.engine).get_table_names()
    with db.read() as s:
        assert s.execute(text("SELECT call_path FROM human_tasks")).scalar_one() is None
