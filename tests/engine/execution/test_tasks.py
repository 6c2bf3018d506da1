"""Human-task projection of engine.execution.tasks: due dates from ``sla_days`` in working days
of the case's Land (end of the Berlin day), the projection of READY user tasks, and the inbox
query ``query_tasks`` with every ``TaskQuery`` filter on real rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine import Staffel
from engine.errors import InvalidInput
from engine.execution.tasks import (
    TaskQuery,
    due_at_for,
    end_of_working_days,
    query_tasks,
    ready_task_elements,
    ready_user_tasks,
    task_properties,
)
from engine.model import CaseInfo, Page, TaskInfo
from tests.conftest import PERSON, START


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- due_at_for -------------------------------------------------------------------------------


@pytest.mark.parametrize(("created", "sla", "land", "due"), [
    pytest.param(utc(2027, 3, 5, 10), "1", "NW", utc(2027, 3, 8, 23), id="fri+1=mon"),
    pytest.param(utc(2027, 3, 6, 10), "1", "NW", utc(2027, 3, 8, 23), id="sat+1=mon"),
    pytest.param(utc(2027, 3, 5, 10), "1", "BE", utc(2027, 3, 9, 23), id="frauentag-be"),
    pytest.param(utc(2027, 3, 1, 8), "0", "NW", utc(2027, 3, 1, 23), id="zero=end-of-today"),
    pytest.param(utc(2027, 3, 6, 8), "0", "NW", utc(2027, 3, 8, 23), id="zero-on-saturday"),
    pytest.param(utc(2027, 3, 7, 23, 30), "1", "NW", utc(2027, 3, 9, 23), id="sunday-utc"),
    pytest.param(utc(2027, 12, 23, 9), "2", "NW", utc(2027, 12, 27, 23), id="xmas-weekend"),
    pytest.param(utc(2028, 12, 22, 9), "2", "NW", utc(2028, 12, 28, 23), id="xmas-mon-tue"),
    pytest.param(utc(2027, 10, 29, 9), "1", "BE", utc(2027, 11, 1, 23), id="dst-ends-be"),
    pytest.param(utc(2027, 10, 29, 9), "1", "NW", utc(2027, 11, 2, 23), id="allerheiligen-nw"),
    pytest.param(utc(2027, 6, 30, 9), 2, "NW", utc(2027, 7, 2, 22), id="int-sla-summer"),
])
def test_due_at_is_the_end_of_a_berlin_working_day(created: datetime, sla: str, land: str,
                                                   due: datetime) -> None:
    assert due_at_for(created, sla, land) == due


@pytest.mark.parametrize("sla", [None, ""])
def test_no_sla_means_no_due_date(sla: str | None) -> None:
    assert due_at_for(START, sla, "NW") is None


def test_due_at_keeps_the_time_zone_it_was_given() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    created = datetime(2027, 3, 1, 9, 0, tzinfo=berlin)
    due = due_at_for(created, "3", "NW")
    assert due is not None and due.tzinfo is berlin
    assert (due.year, due.month, due.day, due.hour) == (2027, 3, 5, 0)
    assert due == utc(2027, 3, 4, 23)


def test_end_of_working_days_is_what_an_sla_gives() -> None:
    assert end_of_working_days(START, 3, "NW") == due_at_for(START, "3", "NW")
    assert end_of_working_days(START, 3, "NW") == utc(2027, 3, 4, 23)
    assert end_of_working_days(utc(2027, 3, 5, 10), 1, "BE") == utc(2027, 3, 9, 23)
    with pytest.raises(InvalidInput, match="n must be a non-negative integer"):
        end_of_working_days(START, -1, "NW")
    with pytest.raises(InvalidInput, match="unknown Land"):
        end_of_working_days(START, 1, "XX")


# --- the projection ---------------------------------------------------------------------------


def test_ready_user_tasks_and_their_properties(engine: Staffel) -> None:
    case = engine.cases.start(PERSON, "NW", process_key="basic", actor="tester")
    (task,) = case.open_tasks
    with engine.unit("test") as uow:
        workflow = engine.context.runtime.load(uow, task.instance_id).workflow
        (ready,) = ready_user_tasks(workflow)
        assert task_properties(ready.task_spec) == {
            "formJsonSchemaFilename": "register.schema.json", "sla_days": "3"}
        assert ready_task_elements(workflow) == {task.id: "Task_register"}
    assert (task.team, task.form, task.title) == ("sozialamt", "register.schema.json",
                                                  "Register person")
    assert task.due_at == due_at_for(START, "3", "NW")


# --- query_tasks ------------------------------------------------------------------------------


@pytest.fixture
def inbox(engine: Staffel) -> dict[str, CaseInfo]:
    """a: sozialamt (NW, due Thu 4 March), b: jc_leistung (resettlement, S3e, due Mon 8 March),
    c: sozialamt (BE, created an hour later, due Thu 4 March, claimed by cw_1)."""
    a = engine.cases.start(PERSON, "NW", process_key="basic", actor="tester")
    b = engine.cases.start(PERSON, "NW", "resettlement", process_key="parent",
                           data={"decision_date": "2027-01-31"}, actor="tester")
    engine.clock.advance(by=timedelta(hours=1))
    c = engine.cases.start(PERSON, "BE", process_key="basic", actor="tester")
    engine.tasks.claim(c.open_tasks[0].id, "cw_1")
    return {"a": a, "b": b, "c": c}


def query(engine: Staffel, now: datetime | None = None, **filters: object) -> Page[TaskInfo]:
    with engine.db.read() as session:
        return query_tasks(session, TaskQuery(**filters),  # type: ignore[arg-type]
                           now or engine.clock.now())


def labels(page: Page[TaskInfo], inbox: dict[str, CaseInfo]) -> list[str]:
    by_case = {case.id: label for label, case in inbox.items()}
    return [by_case[t.case_id] for t in page.items]


def test_soonest_due_first_then_oldest(engine: Staffel, inbox: dict[str, CaseInfo]) -> None:
    page = query(engine)
    assert labels(page, inbox) == ["a", "c", "b"]
    assert page.total == 3
    assert [t.due_at for t in page.items] == [utc(2027, 3, 4, 23), utc(2027, 3, 4, 23),
                                             utc(2027, 3, 8, 23)]
    assert [t.case_number for t in page.items] == [inbox[x].case_number for x in "acb"]


def test_team_filter(engine: Staffel, inbox: dict[str, CaseInfo]) -> None:
    assert labels(query(engine, teams=["sozialamt"]), inbox) == ["a", "c"]
    assert labels(query(engine, teams=("jc_leistung", "kurstraeger")), inbox) == ["b"]
    assert query(engine, teams=[]).total == 0  # no teams see nothing
    assert query(engine, teams=None).total == 3  # None: no restriction


def test_assignee_filters(engine: Staffel, inbox: dict[str, CaseInfo]) -> None:
    assert labels(query(engine, assignee="cw_1"), inbox) == ["c"]
    assert query(engine, assignee="cw_2").total == 0
    assert labels(query(engine, unassigned_or_assignee="cw_1"), inbox) == ["a", "c", "b"]
    assert labels(query(engine, unassigned_or_assignee="cw_2"), inbox) == ["a", "b"]
    assert query(engine, assignee="cw_1").items[0].assignee == "cw_1"


def test_case_name_and_stage_filters(engine: Staffel, inbox: dict[str, CaseInfo]) -> None:
    assert labels(query(engine, case_id=inbox["b"].id), inbox) == ["b"]
    assert labels(query(engine, case_number=inbox["c"].case_number), inbox) == ["c"]
    assert query(engine, case_number="ST-0000-0000-0000").total == 0
    assert labels(query(engine, name="Task_ack"), inbox) == ["b"]
    assert labels(query(engine, name="Task_register"), inbox) == ["a", "c"]
    assert labels(query(engine, stage="S3e"), inbox) == ["b"]
    assert labels(query(engine, stage="S1"), inbox) == ["a", "c"]
    assert labels(query(engine, stage="S1", teams=["sozialamt"], assignee="cw_1"), inbox) == [
        "c"]


def test_overdue_filter_at_the_exact_instant(engine: Staffel,
                                             inbox: dict[str, CaseInfo]) -> None:
    due = utc(2027, 3, 4, 23)
    before = timedelta(microseconds=1)
    assert query(engine, now=due - before, overdue=True).total == 0
    assert labels(query(engine, now=due - before, overdue=False), inbox) == ["a", "c", "b"]
    late = query(engine, now=due, overdue=True)
    assert labels(late, inbox) == ["a", "c"]
    assert all(t.overdue for t in late.items)
    on_time = query(engine, now=due, overdue=False)
    assert labels(on_time, inbox) == ["b"] and not on_time.items[0].overdue
    assert [t.overdue for t in query(engine, now=due).items] == [True, True, False]


def test_state_filter(engine: Staffel, inbox: dict[str, CaseInfo]) -> None:
    task_id = inbox["a"].open_tasks[0].id
    engine.tasks.complete(task_id, {"interpreter_needed": True}, actor="cw_soz")
    assert labels(query(engine), inbox) == ["c", "b"]
    (done,) = query(engine, state="completed").items
    assert (done.id, done.completed_by, done.overdue) == (task_id, "cw_soz", False)
    assert query(engine, state="cancelled").total == 0
    assert query(engine, state=None).total == 3  # any state


def test_pages(engine: Staffel, inbox: dict[str, CaseInfo]) -> None:
    first = query(engine, per_page=2)
    second = query(engine, per_page=2, page=2)
    assert (labels(first, inbox), labels(second, inbox)) == (["a", "c"], ["b"])
    assert (second.total, second.page, second.per_page) == (3, 2, 2)
    assert query(engine, per_page=2, page=3).items == []


def test_tasks_without_a_due_date_come_last(engine: Staffel) -> None:
    a = engine.cases.start(PERSON, "NW", process_key="basic", actor="tester")
    engine.clock.advance(to=START + timedelta(days=10, minutes=1))  # the reminder (no SLA)
    b = engine.cases.start(PERSON, "NW", process_key="basic", actor="tester")
    page = query(engine)
    assert [(t.case_id, t.name) for t in page.items] == [
        (a.id, "Task_register"), (b.id, "Task_register"), (a.id, "Task_reminder")]
    assert page.items[-1].due_at is None and not page.items[-1].overdue
