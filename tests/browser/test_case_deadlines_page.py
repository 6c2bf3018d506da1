"""Issue 15, point 6 in the browser (German UI): the deadline table of a recognised refugee's
case on 2 April 2027 lists the passed dates (latest first, how long ago) under their own
heading and warns that SGB II began while the benefits still run under the AsylbLG; the
upcoming group is tested over HTTP in tests/web/test_case_deadlines.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from engine import Staffel
from tests.browser.conftest import watched_page
from tests.browser.live_server import Live, live_server, sign_in
from tests.lifecycle.helpers import BPMN_DIR, advance_to, recognised_refugee

CASE: dict[str, str] = {}


def on_2_april(eng: Staffel) -> None:
    CASE["id"] = recognised_refugee(eng)
    advance_to(eng, "2027-04-02")


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([BPMN_DIR], prepare=on_2_april) as server:
        yield server


def test_deadlines_past_upcoming_and_missed_step(browser: Any, live: Live) -> None:
    with watched_page(browser, german=True) as page:
        sign_in(page, live, "cw_sozialamt")
        page.goto(f"{live.url}/cases/{CASE['id']}")
        section = page.locator("section[aria-labelledby=deadlines]")
        expect(section.locator(".missed-step")).to_contain_text(
            "Beginn SGB II (01.04.2027) ist vorbei, aber die Leistungen laufen noch nach dem "
            "AsylbLG")
        passed = section.locator("tbody.passed")
        expect(passed.locator("th")).to_have_text("Vorbei")
        expect(section.locator("tbody.upcoming")).to_have_count(0)  # nothing is to come
        rows = passed.locator("tr:not(.group)")
        expect(rows.first).to_contain_text("Beginn SGB II")  # the latest passed date first
        expect(rows.first).to_contain_text("vor 1 Tag")
        expect(rows.first).to_contain_text("Schritt fehlt")
        expect(rows.last).to_contain_text("Bescheid zugestellt")
        expect(rows.last).to_contain_text("vor 21 Tagen")
        assert page.problems == []
