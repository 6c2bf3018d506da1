"""The supervisor dashboard in Debian's Chromium against a real Staffel server: eight weeks of
simulated work (cases started, tasks done or left lying, escalations, handovers, deadlines),
then the overdue count, charts, the heatmap on the diagram, the click through to the task and
its reassignment; and the screenshots ``docs/screenshots/dashboard.png`` and ``heatmap.png``.

``browser`` and ``page`` come from this directory's conftest.py.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from engine import Staffel
from engine.execution.tasks import TaskQuery
from tests.browser.conftest import shoot
from tests.browser.live_server import Live, live_server, sign_in
from tests.conftest import DATA, ENGINE_DIAGRAMS, START

PEOPLE = [
    {"family_name": "Haddad", "given_name": "Rana", "birth_date": "1990-04-12"},
    {"family_name": "Tesfay", "given_name": "Yonas", "birth_date": "1996-11-02"},
    {"family_name": "Rahimi", "given_name": "Zahra", "birth_date": "1988-01-30"},
    {"family_name": "Kovalenko", "given_name": "Olena", "birth_date": "1979-07-21"},
]
WEEKS = 8
FINAL = START + timedelta(weeks=WEEKS, days=2, hours=1)  # Wednesday 28 April 2027, 11:00
DONE_CHANCE = {"Task_register": 0.6, "Task_ack": 0.45, "Task_benefits": 0.5, "Esc_ack": 0.4,
               "Task_reminder": 0.7}
FORM_DATA: dict[tuple[str, str], dict[str, Any]] = {
    ("basic", "Task_register"): {"interpreter_needed": False}}


def simulate(engine: Staffel) -> None:
    """Eight weeks of work: new cases every week, some tasks done, others left to age."""
    rng = random.Random(2027)
    final_day = FINAL.date()
    for week in range(WEEKS + 1):
        engine.clock.advance(to=max(engine.clock.now(), START + timedelta(weeks=week)))
        for _ in range(2 + week % 3):
            lawsuit = final_day + timedelta(days=rng.randint(-4, 20))
            permit = final_day + timedelta(days=rng.randint(0, 30))
            engine.cases.start(
                rng.choice(PEOPLE) | {"nationality": "SY", "languages": ["ar"]}, "NW",
                "asylum", process_key="intake_flow", actor="eingangszone",
                data={"stage": rng.choice(["S1", "S2", "S2", "S3b", "S3c", "S5"]),
                      "lawsuit_on": lawsuit.isoformat() if rng.random() < 0.5 else None,
                      "permit_reminder_on": permit.isoformat() if rng.random() < 0.3 else None})
        if week % 2 == 0:
            engine.cases.start(PEOPLE[0], "NW", "asylum", process_key="basic", actor="tester")
        engine.cases.start(PEOPLE[1], "NW", "resettlement", process_key="parent",
                          data={"decision_date": "2027-01-31"}, actor="tester")
        if week == WEEKS:
            break
        engine.clock.advance(by=timedelta(days=2, hours=3))
        for task in engine.tasks.list(TaskQuery(per_page=1000)).items:
            if rng.random() < DONE_CHANCE.get(task.name, 0.5):
                engine.tasks.complete(task.id, FORM_DATA.get((task.process_key, task.name), {}),
                                     actor="tester")
    engine.clock.advance(to=FINAL)


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([ENGINE_DIAGRAMS, DATA / "dashboard"], simulate, NOTIFIER="none") as server:
        yield server


def test_the_dashboard_leads_from_the_overdue_count_to_a_reassigned_task(
        page: Any, live: Live) -> None:
    engine = live.engine
    overdue = engine.supervision.overdue_tasks()
    assert len(overdue) >= 10 and {t.bucket for t in overdue} >= {"1-2", "3-5", "6-10", ">10"}
    sign_in(page, live, "supervisor")
    page.locator('.site-header nav a[href="/dashboard"]').click()
    page.wait_for_url(f"{live.url}/dashboard")
    assert page.locator('.site-header nav a[aria-current="page"]').get_attribute(
        "href") == "/dashboard"
    count = int(page.locator('[data-testid="overdue-count"]').inner_text())
    assert count == len(overdue)

    for chart in ("chart-age", "chart-trend", "chart-stages", "chart-weeks"):
        page.wait_for_selector(f"#{chart}[data-ready=true]")
    page.wait_for_selector("#heatmap[data-state=ready]")
    heat = {c.element_id: c for c in engine.supervision.summary().heatmap
            if c.process_key == "intake_flow"}
    assert int(page.locator("#heatmap").get_attribute("data-overlays")) == len(heat)
    badge = page.locator('#heatmap a.heat-badge[data-element="Task_ack"]')
    expected = f"{heat['Task_ack'].open} | {heat['Task_ack'].overdue} !"
    assert badge.inner_text() == expected
    cell = heat["Task_ack"]
    level = 0 if not cell.overdue else (2 if cell.overdue * 2 >= cell.open else 1)
    assert badge.get_attribute("class") == f"heat-badge sev-{level}"
    assert level > 0
    assert page.locator(".bjs-powered-by").count() == 1  # bpmn.io watermark kept
    shoot(page, "dashboard.png", full_page=True)
    shoot(page.locator('section[aria-labelledby="h-heatmap"]'), "heatmap.png")

    # the heatmap badge opens the overdue tasks waiting at that step
    badge.click()
    page.wait_for_url(f"{live.url}/dashboard/overdue?process=intake_flow&task=Task_ack")
    assert page.locator("tbody tr").count() == heat["Task_ack"].overdue
    page.go_back()

    # the team's total opens its overdue list; the first task is the most overdue one
    jc_total = sum(1 for t in overdue if t.team == "jc_leistung")
    team_total = page.locator(
        '#h-overdue ~ .dash-grid a[href="/dashboard/overdue?team=jc_leistung"]')
    assert team_total.inner_text() == str(jc_total)
    team_total.click()
    page.wait_for_url(f"{live.url}/dashboard/overdue?team=jc_leistung")
    rows = page.locator("tbody tr")
    assert rows.count() == jc_total
    target = next(t for t in overdue if t.team == "jc_leistung")
    first = page.locator(f"#overdue-{target.task_id}")
    assert first.locator(".overdue").inner_text() == str(target.days_overdue)
    first.get_by_role("link", name=target.title).click()
    page.wait_for_url(f"{live.url}/tasks/{target.task_id}")
    assert target.case_number in page.locator("main").inner_text()
    page.go_back()
    page.wait_for_url(f"{live.url}/dashboard/overdue?team=jc_leistung")

    page.locator(f"#sel-{target.task_id}").check()
    page.select_option("#assignee", "cw_jc_leistung")
    page.locator('#bulk-assign button[type="submit"]').click()
    page.wait_for_url(f"{live.url}/dashboard/overdue?team=jc_leistung")
    assert page.locator("#messages .flash.success").count() == 1
    assert page.locator(f"#overdue-{target.task_id} .assignee").inner_text() == "cw_jc_leistung"
    assert engine.tasks.info(target.task_id).assignee == "cw_jc_leistung"
    assert page.problems == []


def test_the_dashboard_is_for_supervisors_only(page: Any, live: Live) -> None:
    sign_in(page, live, "cw_jc_leistung")
    assert page.locator('a[href="/dashboard"]').count() == 0
    response = page.goto(f"{live.url}/dashboard")
    assert response.status == 403
