"""Issue 15, points 7 and 8 in the browser (German UI): the inbox sorts by a click on a
column header, filters by due range and by who holds a task, saves the filters under a name
and brings them back; at 375 px the page never scrolls sideways (the table scrolls inside its
own box, the filter fields fit)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from engine import Staffel
from tests.browser.conftest import watched_page
from tests.browser.live_server import Live, live_server, sign_in
from tests.conftest import ENGINE_DIAGRAMS, PERSON

NUMBERS: list[str] = []


def three_cases(engine: Staffel) -> None:
    """Sozialamt tasks due on 4, 5 and 8 March 2027; the second one held by cw_sozialamt."""
    NUMBERS.clear()
    for n in range(3):
        case = engine.cases.start(PERSON, "NW", "asylum", f"810000{n}-423",
                                  process_key="basic", actor="tester")
        NUMBERS.append(case.case_number)
        if n == 1:
            engine.tasks.claim(case.open_tasks[0].id, "cw_sozialamt")
        engine.clock.advance(by=timedelta(days=1))


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([ENGINE_DIAGRAMS], prepare=three_cases) as server:
        yield server


@pytest.fixture
def de_page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, german=True) as pg:
        yield pg


def case_column(page: Any) -> list[str]:
    return [cell.strip() for cell in page.locator("#inbox-results tbody tr td:nth-child(4)")
            .all_inner_texts()]


def test_sort_filter_and_save(de_page: Any, live: Live) -> None:
    page = de_page
    sign_in(page, live, "supervisor")
    expect(page.locator("#result-count")).to_contain_text("Aufgaben 1–3 von 3")
    assert case_column(page) == NUMBERS  # soonest due first
    due = page.locator("th", has_text="Fällig").first
    expect(due).to_have_attribute("aria-sort", "ascending")
    due.locator("a").click()  # htmx swaps the list, the address follows
    expect(page.locator("th", has_text="Fällig").first).to_have_attribute("aria-sort",
                                                                          "descending")
    assert case_column(page) == NUMBERS[::-1]
    assert "desc=1" in page.url
    page.select_option("#filter-assignee", label="Noch niemand")
    expect(page.locator("#result-count")).to_contain_text("von 2")
    assert case_column(page) == [NUMBERS[2], NUMBERS[0]]  # still newest first
    page.fill("#filter-due-from", "2027-03-05")
    page.locator("#filter-due-from").dispatch_event("change")
    expect(page.locator("#result-count")).to_contain_text("Aufgaben 1–1 von 1")
    assert case_column(page) == [NUMBERS[2]]
    page.get_by_text("Aktuelle Filter speichern").click()
    page.fill("#saved-filter-name", "Offen ab 5. März")
    page.get_by_role("button", name="Filter speichern").click()
    expect(page.locator(".flash.success")).to_contain_text(
        "Filter „Offen ab 5. März“ gespeichert.")
    page.goto(f"{live.url}/inbox")
    expect(page.locator("#result-count")).to_contain_text("von 3")
    page.get_by_role("link", name="Offen ab 5. März").click()
    expect(page.locator("#result-count")).to_contain_text("Aufgaben 1–1 von 1")
    expect(page.locator("#filter-assignee")).to_have_value("-")
    expect(page.locator("#filter-due-from")).to_have_value("2027-03-05")
    page.get_by_role("button", name="Gespeicherten Filter Offen ab 5. März löschen").click()
    expect(page.get_by_role("link", name="Offen ab 5. März")).to_have_count(0)
    assert page.problems == []


def test_narrow_screen(browser: Any, live: Live) -> None:
    with watched_page(browser, german=True, width=375, height=740) as page:
        sign_in(page, live, "supervisor")
        expect(page.locator("#result-count")).to_contain_text("von 3")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the inbox scrolls sideways: {width} px"
        box = page.locator("#inbox-results .table-scroll")  # reflows, or scrolls inside
        assert box.evaluate("e => e.getBoundingClientRect().right") <= 375
        page.screenshot(path="/tmp/inbox375.png", full_page=True)
        for select in page.locator("form.filters select, form.filters input").all():
            if select.is_visible():
                right = select.evaluate("e => e.getBoundingClientRect().right")
                assert right <= 375, select.get_attribute("id")
        assert page.problems == []
