"""Issue 15, point 10 in the browser (German UI): on the main diagram at fit zoom the badges
keep a readable size, the work inside called processes sits on the call activities that run
it, and a click on such a badge opens the called process's map; the screenshot
``docs/screenshots/heatmap-main.png`` (with STAFFEL_SCREENSHOTS=1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from engine import Staffel
from tests.browser.conftest import shoot, watched_page
from tests.browser.live_server import Live, live_server, sign_in
from tests.lifecycle.helpers import (
    BPMN_DIR,
    REGISTRATION,
    advance_to,
    complete_open,
    recognised_refugee,
    start_asylum,
)


def cases(eng: Staffel) -> None:
    """A recognised refugee (work in residence_permit and, inside benefit_transfer, in
    warm_handover), a new case and a registered one (asylum_procedure)."""
    recognised_refugee(eng, "8000001-423")  # work in residence_permit and warm_handover
    advance_to(eng, "2027-03-31")
    start_asylum(eng, "8000002-423")
    half = start_asylum(eng, "8000003-423")
    complete_open(eng, half.id, "Task_register", REGISTRATION)


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([BPMN_DIR], prepare=cases) as server:
        yield server


def test_main_diagram_heatmap(browser: Any, live: Live) -> None:
    with watched_page(browser, german=True) as page:
        sign_in(page, live, "supervisor")
        page.goto(f"{live.url}/dashboard#h-heatmap")
        heatmap = page.locator("#heatmap")
        expect(heatmap).to_have_attribute("data-state", "ready")
        expect(page.locator("#heat-process")).to_have_value("refugee_lifecycle")
        calls = page.locator("#heatmap a.heat-badge.heat-call")
        assert calls.count() >= 2
        box = heatmap.bounding_box()
        for badge in page.locator("#heatmap a.heat-badge").all():
            rect = badge.bounding_box()
            assert rect is not None and box is not None
            assert rect["height"] >= 16, rect  # readable at fit zoom, not scaled down
            assert box["x"] <= rect["x"] and rect["x"] + rect["width"] <= box["x"] + box["width"]
        label = calls.first.get_attribute("aria-label") or ""
        assert "im aufgerufenen Prozess" in label
        shoot(page.locator("#heatmap"), "heatmap-main.png")
        target = calls.first.get_attribute("href") or ""
        calls.first.click()
        page.wait_for_url(f"**{target.split('#')[0]}*")
        expect(page.locator("#heatmap")).to_have_attribute("data-state", "ready")
        expect(page.locator("#heatmap a.heat-badge").first).to_be_visible()
        assert page.problems == []
