"""The pages in Debian's Chromium against a real Staffel server (werkzeug in a thread, fresh
SQLite database, simulated clock, the test diagrams of ``tests/data/engine`` and
``tests/data/web``): sign in, claim, complete with a validation error then fixed, the
Jobcenter's inbox, 404 for another team's task, keyboard-only use, htmx without reloads, the
diagram with the open task marked, and the screenshots of ``docs/screenshots``.

``browser`` and ``page`` come from this directory's conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shoot, watched_page
from tests.browser.live_server import Live, live_server, sign_in
from tests.conftest import DATA, ENGINE_DIAGRAMS
from web.demo import DEMO_PASSWORD

PEOPLE = [
    {"family_name": "Tesfay", "given_name": "Yonas", "birth_date": "1996-11-02"},
    {"family_name": "Rahimi", "given_name": "Zahra", "birth_date": "1988-01-30"},
    {"family_name": "Kovalenko", "given_name": "Olena", "birth_date": "1979-07-21"},
]


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([ENGINE_DIAGRAMS, DATA / "web"]) as server:
        yield server


@pytest.fixture
def de_page(browser: Any) -> Iterator[Any]:
    """A page of a German browser (date inputs show TT.MM.JJJJ), for the screenshots."""
    with watched_page(browser, width=1400, height=900, german=True, watch_http=False) as pg:
        yield pg


def row(page: Any, task_id: str) -> Any:
    """The inbox row of a task."""
    return page.locator(f"#task-{task_id}")


def test_sozialamt_claims_and_completes_then_jobcenter_gets_its_task(
        de_page: Any, live: Live) -> None:
    page = de_page
    live.start("basic", person=PEOPLE[0])
    basic = live.start("basic")
    live.engine.clock.advance(by=timedelta(days=4))  # the first two are overdue now
    for person in PEOPLE[1:]:  # more rows for a realistic inbox
        live.start("basic", person=person)
    handover = live.start("handover")
    task_id = basic.open_tasks[0].id
    sign_in(page, live, "cw_sozialamt")
    assert page.locator("h1").inner_text() == "Posteingang"
    assert page.locator(".result-count").inner_text().strip() == "Aufgaben 1–5 von 5"
    assert row(page, task_id).locator(".overdue").inner_text() == "Überfällig: 04.03.2027"

    page.evaluate("window.__noReload = true")
    row(page, task_id).get_by_role("button", name="Übernehmen").click()
    expect(page.locator("#messages")).to_contain_text("übernommen")
    assert page.evaluate("window.__noReload") is True  # htmx swapped, no full reload
    assert row(page, task_id).locator(".tag.mine").inner_text() == "Sie"
    shoot(page, "inbox.png", full_page=True)

    row(page, task_id).get_by_role("link", name="Bearbeiten").click()
    page.wait_for_url(f"{live.url}/tasks/{task_id}")
    page.select_option("#f-language", "fa")
    page.get_by_role("button", name="Aufgabe abschließen").click()
    error = page.locator("#f-interpreter_needed-error")
    assert "Bitte füllen Sie dieses Feld aus." in error.inner_text()
    assert page.locator("#f-interpreter_needed").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-language").input_value() == "fa"  # kept
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.get_by_label("Ja").check()
    page.get_by_role("button", name="Aufgabe abschließen").click()
    page.wait_for_url(f"{live.url}/inbox")
    assert "ist abgeschlossen" in page.locator("#messages").inner_text()
    assert row(page, task_id).count() == 0
    assert live.engine.tasks.info(task_id).state == "completed"

    # the warm handover: Sozialamt prepares it, the Jobcenter's inbox gets the next task
    prepare_id = handover.open_tasks[0].id
    page.goto(f"{live.url}/tasks/{prepare_id}")
    page.fill("#f-note", "Termin mit Dolmetscherin")
    page.get_by_role("button", name="Aufgabe abschließen").click()
    assert page.locator("#f-appointment_date-error").is_visible()
    assert page.locator("#f-note").input_value() == "Termin mit Dolmetscherin"
    shoot(page, "task-form.png", full_page=True)
    page.fill("#f-appointment_date", "2027-03-10")
    page.get_by_label("Nein").check()
    page.get_by_role("button", name="Aufgabe abschließen").click()
    page.wait_for_url(f"{live.url}/inbox")
    accept = live.engine.cases.get(handover.id).open_tasks[0]
    assert accept.team == "jc_leistung"

    jobcenter = page.context.browser.new_context()
    jc_page = jobcenter.new_page()
    sign_in(jc_page, live, "cw_jc_leistung")
    link = row(jc_page, accept.id).get_by_role("link", name="Übergabe bestätigen", exact=True)
    assert link.is_visible()
    jobcenter.close()


def test_sozialamt_cannot_open_the_jobcenter_task(page: Any, live: Live) -> None:
    case = live.start("parent", entry="resettlement", decision_date="2027-01-31")
    ack = case.open_tasks[0]
    assert (ack.name, ack.team) == ("Task_ack", "jc_leistung")
    sign_in(page, live, "cw_jc_leistung")
    assert row(page, ack.id).is_visible()
    page.context.clear_cookies()
    sign_in(page, live, "cw_sozialamt")
    assert row(page, ack.id).count() == 0
    response = page.goto(f"{live.url}/tasks/{ack.id}")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Seite nicht gefunden"
    assert "Traceback" not in page.content()
    assert page.goto(f"{live.url}/cases/{case.id}").status == 404


def test_keyboard_only_login_and_task_form(page: Any, live: Live) -> None:
    task_id = live.start("basic").open_tasks[0].id
    page.goto(f"{live.url}/login")
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    page.keyboard.type("cw_sozialamt")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/inbox")

    page.goto(f"{live.url}/tasks/{task_id}")
    page.keyboard.press("Tab")  # the skip link comes first and is visible when focused
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    background = page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert outline != "none" or background != "rgba(0, 0, 0, 0)"  # visible focus
    for _ in range(40):  # Tab on to the first radio of the required field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-interpreter_needed":
            break
    else:
        pytest.fail("the form field is not reachable with Tab")
    page.keyboard.press("Space")  # choose "Ja"
    while page.evaluate("document.activeElement.type") != "submit":
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Aufgabe abschließen"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/inbox")
    assert live.engine.tasks.info(task_id).state == "completed"


def test_case_view_marks_the_open_task_in_the_diagram(de_page: Any, live: Live) -> None:
    page = de_page
    case = live.start("handover", person=PEOPLE[1])
    sign_in(page, live, "cw_sozialamt")
    page.goto(f"{live.url}/cases/{case.id}")
    page.wait_for_selector("#diagram[data-state=ready]")
    marked = page.locator('#diagram [data-element-id="Task_prepare"].open-task')
    assert marked.count() == 1
    # the path walked is filled lightly; the open task keeps its red frame, not both
    assert page.locator('#diagram [data-element-id="Start_h"].done').count() == 1
    assert page.locator('#diagram [data-element-id="Script_propose"].done').count() == 1
    assert page.locator('#diagram .open-task.done').count() == 0
    fill = page.locator('#diagram [data-element-id="Start_h"] .djs-visual > :first-child')
    assert fill.evaluate("e => getComputedStyle(e).fill") == "rgb(220, 235, 221)"
    assert page.locator(".timeline li.current .code").inner_text() == "S3b"
    assert page.locator(".bjs-powered-by").count() == 1  # bpmn.io watermark kept
    shoot(page, "case-view.png", full_page=True)
    assert page.problems == []


def test_diagram_without_layout_shows_a_message(page: Any, live: Live) -> None:
    case = live.start("basic")
    sign_in(page, live, "cw_sozialamt")
    page.goto(f"{live.url}/cases/{case.id}")
    page.wait_for_selector("#diagram[data-state=error]")
    assert "keine Layout-Angaben" in page.locator("#diagram").inner_text()
    assert "Haddad" in page.locator("#person ~ dl").inner_text()


def test_everything_works_without_javascript(browser: Any, live: Live) -> None:
    task_id = live.start("basic").open_tasks[0].id
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live, "cw_sozialamt")
        page.goto(f"{live.url}/inbox?scope=open")
        row(page, task_id).get_by_role("button", name="Übernehmen").click()
        page.wait_for_url(f"{live.url}/inbox?scope=open")
        assert "übernommen" in page.locator("#messages").inner_text()
        page.select_option("#filter-scope", "mine")
        page.get_by_role("button", name="Filter anwenden").click()
        page.wait_for_url("**/inbox?scope=mine*")
        assert row(page, task_id).is_visible()
        assert live.engine.tasks.info(task_id).assignee == "cw_sozialamt"
    finally:
        context.close()


def test_supervisor_reassigns_with_htmx_and_switches_language(page: Any, live: Live) -> None:
    ids = [live.start("basic", person=p).open_tasks[0].id for p in PEOPLE[:2]]
    sign_in(page, live, "supervisor")
    for task_id in ids:
        row(page, task_id).locator("input[type=checkbox]").check()
    page.select_option("#assignee", "cw_sozialamt")
    page.get_by_role("button", name="Ausgewählte Aufgaben zuweisen").click()
    expect(page.locator("#messages")).to_contain_text("2 Aufgaben an cw_sozialamt zugewiesen.")
    assert [live.engine.tasks.info(i).assignee for i in ids] == ["cw_sozialamt"] * 2
    page.evaluate("window.__noReload = true")
    page.select_option("#filter-stage", "S6")  # htmx filters on change, and keeps the URL
    page.wait_for_url("**/inbox?*stage=S6*")
    expect(page.locator(".result-count")).to_contain_text("Keine passenden Aufgaben")
    assert page.evaluate("window.__noReload") is True
    page.locator("button[name=lang][value=en]").click()
    page.wait_for_selector("h1:text('Inbox')")
    assert page.locator("html").get_attribute("lang") == "en"
