"""State columns: the enums of engine/states.py, the models' CHECK constraints and migration
0008 name the same values, and the database refuses any other value.

Rows are written with the ORM, not through the façade, so that these tests only need
``make_engine`` and ``.db``."""

from __future__ import annotations

import enum
import importlib.util
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from engine.persistence.db import MIGRATIONS_DIR, Database
from engine.persistence.import_rows import ImportClarification, ImportFile, ImportRow
from engine.persistence.inbound import InboundMessage
from engine.persistence.models import (
    Base,
    Case,
    Handover,
    HumanTask,
    ProcessInstance,
    ProcessVersion,
    Timer,
)
from engine.states import (
    ClarificationState,
    HandoverState,
    HumanTaskState,
    ImportFileStatus,
    ImportRowOutcome,
    InboundState,
    InstanceStatus,
    TimerStatus,
)
from tests.conftest import PERSON, START, migrate_down

# (table, column, enum): every state column
COLUMNS: list[tuple[str, str, type[enum.StrEnum]]] = [
    ("process_instances", "status", InstanceStatus),
    ("human_tasks", "state", HumanTaskState),
    ("timers", "status", TimerStatus),
    ("handovers", "state", HandoverState),
    ("import_files", "status", ImportFileStatus),
    ("import_rows", "outcome", ImportRowOutcome),
    ("import_clarifications", "state", ClarificationState),
    ("inbound_messages", "state", InboundState),
]
IDS = [f"{table}.{column}" for table, column, _ in COLUMNS]


def _migration(name: str):  # type: ignore[no-untyped-def]
    path = MIGRATIONS_DIR / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _migration_0008():  # type: ignore[no-untyped-def]
    return _migration("0008_state_check_constraints")


def _newest_lists() -> dict[tuple[str, str], tuple[str, ...]]:
    """The allowed values each state column got from the newest migration that set them."""
    lists = {(t, c): tuple(v) for t, c, v in _migration_0008().STATE_COLUMNS}
    inbound = _migration("0009_inbound_messages")
    lists[("import_rows", "outcome")] = inbound.OUTCOMES_AFTER
    lists[("inbound_messages", "state")] = inbound.INBOUND_STATES
    return lists


def _listed(sql: str) -> list[str]:
    """The quoted values of ``column IN ('a', 'b')``."""
    return re.findall(r"'([^']*)'", sql)


def _model_check(table: str, column: str) -> CheckConstraint:
    checks = [c for c in Base.metadata.tables[table].constraints
              if isinstance(c, CheckConstraint) and c.name == f"ck_{table}_{column}"]
    assert len(checks) == 1
    return checks[0]


def seed(db: Database) -> None:
    """One row in every table with a state column: a case with a running instance, an open
    task, a fired and a waiting timer, a proposed handover, an import with a clarification."""
    with db.write() as s:
        s.add(Case(id="c1", case_number="2027-000001", land="NW", entry="asylum", stage="S1",
                   person=PERSON, created_at=START))
        version = ProcessVersion(key="basic", version=1, name="Basic", content_hash="0" * 64,
                                 file_name="basic.bpmn", file_ids=[], spec={},
                                 serializer_version="1", deployed_at=START, deployed_by="t")
        s.add(version)
        s.flush()
        s.add(ProcessInstance(id="i1", case_id="c1", process_version_id=version.id,
                              status=InstanceStatus.RUNNING, state=b"",
                              serializer_version="1", created_at=START, updated_at=START))
        s.flush()
        s.add(HumanTask(id="t1", instance_id="i1", case_id="c1", process_key="basic",
                        element_id="Task_register", title="Register", team="sozialamt",
                        state=HumanTaskState.OPEN, created_at=START))
        for task_id, status in (("x1", TimerStatus.FIRED), ("x2", TimerStatus.WAITING)):
            s.add(Timer(instance_id="i1", case_id="c1", task_id=task_id, element_id="Timer",
                        due_at=START, status=status, attempts=0))
        s.add(Handover(case_id="c1", key="ez_to_jc", from_team="eingangszone",
                       to_team="jc_leistung", state=HandoverState.PROPOSED, legal_basis="§ 50",
                       purpose="test", consent=True, shared_fields=[], proposed_at=START,
                       proposed_by="tester"))
        file = ImportFile(kind="permits", file_name="p.csv", sha256="0" * 64, content=b"x",
                          file_format="csv", encoding="utf-8", separator=";",
                          uploaded_by="tester", uploaded_at=START,
                          status=ImportFileStatus.DONE, report={})
        s.add(file)
        s.flush()
        row = ImportRow(file_id=file.id, kind="permits", line=2, fingerprint="1" * 64,
                        outcome=ImportRowOutcome.CLARIFICATION)
        s.add(row)
        s.flush()
        s.add(ImportClarification(row_id=row.id, kind="permits", team="eingangszone",
                                  state=ClarificationState.OPEN, reason="no_case", fields={},
                                  message_name="permit_issued", payload={}, candidates=[],
                                  created_at=START))
        s.add(InboundMessage(case_id="c1", name="bamf_decision", state=InboundState.BUFFERED,
                             payload={}, fields=[], source="api", received_by="tester",
                             received_at=START))


@pytest.fixture
def db(make_engine: Callable[..., Any]) -> Database:
    """The database of an engine (migrated, empty)."""
    database: Database = make_engine().db
    return database


def _one_of_each(db: Database, skip: set[str] | None = None
                 ) -> dict[str, tuple[str, object]]:
    """{table: (state, primary key)} of one row of each table."""
    found = {}
    with db.read() as s:
        for table, column, _ in COLUMNS:
            if table in (skip or set()):
                continue
            t = Base.metadata.tables[table]
            pk = t.primary_key.columns.values()[0]
            key, value = s.execute(select(pk, t.c[column]).order_by(pk).limit(1)).one()
            found[table] = (value, key)
    return found


# -- (a) the database refuses a value outside the list -----------------------------------------
@pytest.mark.parametrize(("table", "column", "states"), COLUMNS, ids=IDS)
def test_the_constraint_refuses_an_unknown_state(db: Database, table: str, column: str,
                                                 states: type[enum.StrEnum]) -> None:
    seed(db)
    value, key = _one_of_each(db)[table]
    assert isinstance(value, states)  # read back as a member, not a plain string
    pk = Base.metadata.tables[table].primary_key.columns.values()[0].name
    # around the enum type, as any other client of the database would write
    update = text(f"UPDATE {table} SET {column} = :bad WHERE {pk} = :key")
    with pytest.raises(IntegrityError, match=f"ck_{table}_{column}"), db.write() as s:
        s.execute(update, {"bad": "bogus", "key": key})
    # a value of another state column is refused just the same
    other = "resolved" if states is not ClarificationState else "fired"
    with pytest.raises(IntegrityError, match=f"ck_{table}_{column}"), db.write() as s:
        s.execute(update, {"bad": other, "key": key})
    # every member is accepted, as its plain string
    for member in states:
        with db.write() as s:
            s.execute(update, {"bad": member.value, "key": key})
    with db.read() as s:
        stored = s.execute(text(f"SELECT {column} FROM {table} WHERE {pk} = :key"),
                           {"key": key}).scalar_one()
    assert type(stored) is str and stored == list(states)[-1].value


def test_an_insert_with_an_unknown_state_is_refused(db: Database) -> None:
    seed(db)
    insert = text("INSERT INTO human_tasks (id, instance_id, case_id, process_key, element_id, "
                  "title, team, state, created_at) VALUES (:id, 'i1', 'c1', 'basic', 'Task_x', "
                  "'x', 'sozialamt', :state, :at)")
    with pytest.raises(IntegrityError, match="ck_human_tasks_state"), db.write() as s:
        s.execute(insert, {"id": "t-bad", "state": "done", "at": START})
    with db.write() as s:
        s.execute(insert, {"id": "t-good", "state": "open", "at": START})


def test_the_orm_refuses_an_unknown_state_before_the_database(db: Database) -> None:
    seed(db)
    with pytest.raises(StatementError, match="not among the defined enum values"), \
            db.write() as s:
        task = s.get_one(HumanTask, "t1")
        task.state = "closed"  # type: ignore[assignment]
        s.flush()
    with db.read() as s:  # comparing with a plain string still works
        assert s.scalars(select(HumanTask.id).where(HumanTask.state == "open")).all() == ["t1"]


def test_states_are_stored_as_their_plain_strings(db: Database) -> None:
    seed(db)
    with db.read() as s:
        raw = {table: set(s.execute(text(f"SELECT DISTINCT {column} FROM {table}")).scalars())
               for table, column, _ in COLUMNS}
        status = s.scalars(select(ProcessInstance.status)).one()
        waiting = s.scalars(select(Timer.task_id).where(Timer.status == "waiting")).all()
    assert raw == {"process_instances": {"running"}, "human_tasks": {"open"},
                   "timers": {"fired", "waiting"}, "handovers": {"proposed"},
                   "import_files": {"done"}, "import_rows": {"clarification"},
                   "import_clarifications": {"open"}, "inbound_messages": {"buffered"}}
    assert status is InstanceStatus.RUNNING and status == "running" and waiting == ["x2"]


# -- (b) migration 0008 goes down and up, with rows in every table ------------------------------
def _check_names(db: Database, table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_check_constraints(table)}


NEWER_THAN_0008 = {"inbound_messages", "login_failures", "web_sessions", "person_name_tokens",
                   "person_reads", "erasure_requests", "consent_withdrawals",  # 0009 to 0014
                   "task_drafts", "task_comments", "password_resets", "scheduler_beats",
                   "saved_filters"}  # 0015 to 0017


def _counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {t: s.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                for t in Base.metadata.tables if t not in NEWER_THAN_0008}


def test_the_0008_migration_goes_down_and_up(db: Database) -> None:
    seed(db)
    with db.write() as s:  # rows of later migrations cannot survive the way down to 0007
        s.execute(text("DELETE FROM inbound_messages"))
    before, counts = _one_of_each(db, skip=NEWER_THAN_0008), _counts(db)
    migrate_down(db, "0007_reverts")
    for table, column, _ in COLUMNS:
        if table not in NEWER_THAN_0008:
            assert f"ck_{table}_{column}" not in _check_names(db, table)
    assert _counts(db) == counts
    with db.write() as s:  # without the constraints an unknown value goes in
        s.execute(text("UPDATE handovers SET state = 'bogus'"))
    with pytest.raises(RuntimeError, match=r"handovers\.state: 'bogus'"):
        db.migrate()
    assert "ck_handovers_state" not in _check_names(db, "handovers")
    with db.write() as s:
        s.execute(text("UPDATE handovers SET state = 'proposed'"))
    db.migrate()
    for table, column, _ in COLUMNS:
        assert f"ck_{table}_{column}" in _check_names(db, table)
    assert _one_of_each(db, skip=NEWER_THAN_0008) == before and _counts(db) == counts
    if db.is_sqlite:  # foreign keys are enforced again on the pooled connections
        with db.read() as s:
            assert s.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert s.execute(text("PRAGMA foreign_key_check")).all() == []
    with pytest.raises(IntegrityError, match="ck_timers_status"), db.write() as s:
        s.execute(text("UPDATE timers SET status = 'bogus'"))


# -- (c) one list of values -----------------------------------------------------------------------
@pytest.mark.parametrize(("table", "column", "states"), COLUMNS, ids=IDS)
def test_enum_model_and_migration_list_the_same_values(table: str, column: str,
                                                       states: type[enum.StrEnum]) -> None:
    values = [m.value for m in states]
    check = _model_check(table, column)
    assert str(check.sqltext).startswith(f"{column} IN (")
    assert _listed(str(check.sqltext)) == values
    assert list(_newest_lists()[(table, column)]) == values
    model_column = Base.metadata.tables[table].c[column]
    assert list(model_column.type.enums) == values  # type: ignore[attr-defined]
    assert model_column.type.length >= max(map(len, values))  # type: ignore[attr-defined]


def test_every_state_column_is_listed() -> None:
    migration = set(_newest_lists())
    typed = {(t.name, c.name) for t in Base.metadata.tables.values()
             for c in t.columns if hasattr(c.type, "enums")}
    assert typed == migration == {(t, c) for t, c, _ in COLUMNS}


def test_the_database_lists_the_same_values(db: Database) -> None:
    for table, column, states in COLUMNS:
        (found,) = [c for c in inspect(db.engine).get_check_constraints(table)
                    if c["name"] == f"ck_{table}_{column}"]
        assert _listed(found["sqltext"]) == [m.value for m in states]


def test_members_equal_their_strings() -> None:
    assert HumanTaskState.OPEN == "open" and f"{TimerStatus.FIRED}" == "fired"
    assert str(ImportRowOutcome.DUPLICATE) == "duplicate"
    assert "running" in {InstanceStatus.RUNNING} and InstanceStatus("completed").name == "COMPLETED"


def test_the_0009_migration_goes_down_and_up(db: Database) -> None:
    seed(db)
    with db.write() as s:
        s.execute(text("UPDATE cases SET buffered_messages = 1"))
        s.execute(text("UPDATE import_rows SET outcome = 'buffered'"))
    with pytest.raises(RuntimeError, match="import rows are 'buffered'"):
        migrate_down(db, "0008_state_checks")
    assert "inbound_messages" in inspect(db.engine).get_table_names()
    with db.write() as s:
        s.execute(text("UPDATE import_rows SET outcome = 'clarification'"))
    migrate_down(db, "0008_state_checks")
    assert "inbound_messages" not in inspect(db.engine).get_table_names()
    assert "buffered_messages" not in {c["name"] for c in inspect(db.engine).get_columns("cases")}
    with pytest.raises(IntegrityError, match="ck_import_rows_outcome"), db.write() as s:
        s.execute(text("UPDATE import_rows SET outcome = 'buffered'"))
    db.migrate()
    with db.write() as s:
        s.execute(text("UPDATE import_rows SET outcome = 'buffered'"))
        assert s.execute(text("SELECT buffered_messages FROM cases")).scalar_one() == 0
