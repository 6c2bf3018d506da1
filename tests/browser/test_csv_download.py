"""The overdue list downloaded from the German dashboard in Debian's Chromium: the file a German
spreadsheet opens as it is (UTF-8 with BOM, ``;``, German headers, team names and dates).

``browser`` comes from this directory's conftest.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine import Staffel
from tests.browser.conftest import watched_page
from tests.browser.live_server import Live, live_server, sign_in
from tests.conftest import ENGINE_DIAGRAMS


def overdue_work(engine: Staffel) -> None:
    """A ``basic`` case whose Sozialamt task is overdue twelve days later."""
    engine.cases.start({"family_name": "Haddad", "given_name": "Rana",
                        "birth_date": "1990-04-12"}, "NW", "asylum", process_key="basic",
                       actor="tester")
    engine.clock.advance(by=timedelta(days=12))


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([ENGINE_DIAGRAMS], overdue_work, NOTIFIER="none") as server:
        yield server


def test_the_german_dashboard_downloads_the_overdue_list_for_excel(browser: Any,
                                                                   live: Live) -> None:
    task = live.engine.supervision.overdue_tasks()[0]
    with watched_page(browser, german=True) as page:
        sign_in(page, live, "supervisor")
        page.goto(f"{live.url}/dashboard")
        link = page.locator('a[href^="/dashboard/overdue.csv"]').first
        assert "CSV" in link.inner_text()
        with page.expect_download() as info:
            link.click()
        download = info.value
        assert download.suggested_filename.startswith("overdue-")
        data = Path(download.path()).read_bytes()
        assert page.problems == []
    assert data.startswith(b"\xef\xbb\xbfFallnummer;Team;Aufgabe;F\xc3\xa4llig am;")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Fallnummer", "Team", "Aufgabe", "Fällig am", "Tage überfällig"]
    assert rows[1] == [task.case_number, "Sozialamt (AsylbLG)", task.title,
                       task.due_on.strftime("%d.%m.%Y"), str(task.days_overdue)]
    assert b"\r\n" in data and b"Haddad" not in data  # no personal data
