"""Issue 15, point 10: the heatmap rolls the work inside called processes up onto the call
activity that calls them, at any depth, so the main diagram shows where all work waits; a
call activity's number links to the called process's map. Checked against counts computed
here from the open tasks and where each case actually is (``cases.pending``)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import TEAM_KEYS, Staffel, TaskQuery
from tests.lifecycle.helpers import (
    REGISTRATION,
    advance_to,
    complete_open,
    recognised_refugee,
    start_asylum,
)
from tests.web.conftest import app_of, bpmn_engine
from tests.web.test_pages_support import HTML, login, text

TOP = "refugee_lifecycle"


@pytest.fixture
def web(make_engine: Callable[..., Staffel]) -> tuple[Staffel, FlaskClient]:
    eng = bpmn_engine(make_engine, {"lead": (["supervisor"], sorted(TEAM_KEYS))})
    recognised_refugee(eng, "8000001-423")  # work in residence_permit and warm_handover
    advance_to(eng, "2027-03-31")
    start_asylum(eng, "8000002-423")  # registration waiting
    half = start_asylum(eng, "8000003-423")
    complete_open(eng, half.id, "Task_register", REGISTRATION)  # AsylbLG grant waiting
    return eng, app_of(eng).test_client()


def top_call(eng: Staffel, case_id: str, process: str) -> str | None:
    """The call activity of the main process under which a task of ``process`` runs, found
    from the case's position (each running call activity names the process it runs)."""
    running = {p.called: p for p in eng.timers.pending(case_id).pending if p.kind == "call"}
    while process != TOP:
        call = running.get(process)
        if call is None:
            return None
        if call.process_key == TOP:
            return call.element_id
        process = call.process_key
    return None


def heat_of(page: Any) -> list[dict[str, Any]]:
    match = re.search(r'id="dashboard-data">(.*?)</script>', text(page), re.S)
    assert match is not None
    return list(json.loads(match.group(1))["heat"])


def test_the_main_diagram_carries_all_work(web: tuple[Staffel, FlaskClient]) -> None:
    eng, client = web
    tasks = eng.tasks.list(TaskQuery(teams=sorted(TEAM_KEYS), per_page=500)).items
    per_process = Counter(t.process_key for t in tasks)
    assert len(per_process) >= 3  # work waits in several called processes
    expected = Counter(top_call(eng, t.case_id, t.process_key) for t in tasks
                       if t.process_key != TOP)
    assert None not in expected and len(expected) >= 2
    login(client, "lead")
    page = client.get("/dashboard", headers=HTML)
    heat = heat_of(page)
    assert 'id="heatmap"' in text(page) and "refugee_lifecycle.bpmn" in text(page)
    calls = {cell["id"]: cell for cell in heat if cell["call"]}
    assert {k: c["open"] for k, c in calls.items()} == dict(expected)
    direct = sum(c["open"] for c in heat if not c["call"])
    assert direct == per_process[TOP] and direct + sum(expected.values()) == len(tasks)
    running = {p.element_id: p.called for t in tasks for p in eng.timers.pending(t.case_id).pending
               if p.kind == "call" and p.process_key == TOP}
    some = next(c for c in calls.values() if per_process[running[c["id"]]])
    called = str(running[some["id"]])
    assert some["href"] == f"/dashboard?process={called}#h-heatmap"
    assert "Aufgerufener Prozess:" in text(page)
    inner = client.get(some["href"].split("#")[0], headers=HTML)
    inner_cells = heat_of(inner)
    assert sum(c["open"] for c in inner_cells if not c["call"]) == per_process[called]
    assert 'selected>' in text(inner) and f'/dashboard/process/{called}.bpmn' in text(inner)


def test_nested_calls_roll_up_one_level_at_a_time(web: tuple[Staffel, FlaskClient]) -> None:
    eng, client = web
    tasks = eng.tasks.list(TaskQuery(teams=sorted(TEAM_KEYS), per_page=500)).items
    handover = [t for t in tasks if t.process_key == "warm_handover"]
    assert handover  # the recognised refugee's warm handover inside the benefit transfer
    login(client, "lead")
    middle = heat_of(client.get("/dashboard?process=benefit_transfer", headers=HTML))
    rolled = [c for c in middle if c["call"] and "process=warm_handover" in c["href"]]
    assert [c["open"] for c in rolled] == [len(handover)]
    inner = heat_of(client.get("/dashboard?process=warm_handover", headers=HTML))
    assert {c["id"]: c["open"] for c in inner} == dict(Counter(t.name for t in handover))
