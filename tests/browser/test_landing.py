"""Issue 15, point 11: each role lands where its work is. A process owner signs in and is on
the list of his diagrams (German UI), not on an empty inbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import watched_page
from tests.browser.live_server import Live, live_server
from tests.conftest import ENGINE_DIAGRAMS
from web.demo import DEMO_PASSWORD


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([ENGINE_DIAGRAMS]) as server:
        yield server


@pytest.fixture
def de_page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, german=True) as pg:
        yield pg


def test_the_process_owner_lands_on_his_diagrams(de_page: Any, live: Live) -> None:
    page = de_page
    page.goto(f"{live.url}/login")
    page.fill("#username", "owner")
    page.fill("#password", DEMO_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{live.url}/editor")
    expect(page.locator("h1")).to_contain_text("Prozess")
    assert "Posteingang" not in page.locator("main").inner_text()
    page.goto(f"{live.url}/")
    page.wait_for_url(f"{live.url}/editor")
