"""The German migration page in Debian's Chromium on the real diagrams of ``bpmn/`` (issue 15,
point 12): six cases at different stages, then a deploy that changes only the main diagram
``refugee_lifecycle`` (version 2) and one that changes the called process ``asylum_procedure``
(version 3). The owner's dry run 1 → 2 shows every case movable and no reason about a called
process; the dry run 1 → 3 refuses exactly the two cases inside ``asylum_procedure`` and names
it. Moving the movable cases to version 2 works from the page.

``browser`` comes from this directory's conftest.py.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import Staffel
from tests.browser.conftest import watched_page
from tests.browser.live_server import Live, live_server
from tests.lifecycle.helpers import BPMN_DIR
from tests.lifecycle.migration_cases import (
    ASYLUM_TASK_RENAME,
    MAIN_TASK_RENAME,
    cases_at_stages,
    changed_copy,
)
from web.demo import DEMO_PASSWORD

CALLED = "Der aufgerufene Prozess"
ASYLUM_CHANGED = "Der aufgerufene Prozess asylum_procedure wurde geändert und läuft bereits."
CASES: dict[str, str] = {}


def _prepare(engine: Staffel) -> None:
    """Six cases on version 1, then version 2 (main diagram) and 3 (asylum_procedure)."""
    CASES.clear()
    CASES.update(cases_at_stages(engine))
    with tempfile.TemporaryDirectory() as tmp:
        main = changed_copy(Path(tmp), {"refugee_lifecycle.bpmn": MAIN_TASK_RENAME})
        engine.definitions.deploy_directory(main, actor="owner")
        called = changed_copy(Path(tmp), {"asylum_procedure.bpmn": ASYLUM_TASK_RENAME})
        engine.definitions.deploy_directory(called, actor="owner")


@pytest.fixture
def live() -> Iterator[Live]:
    with live_server([BPMN_DIR], prepare=_prepare, CASE_PROCESS="refugee_lifecycle") as server:
        yield server


@pytest.fixture
def de_page(browser: Any) -> Iterator[Any]:
    """A German page collecting console errors and failed requests."""
    with watched_page(browser, width=1400, height=900, german=True) as pg:
        yield pg


def _sign_in_as_owner(page: Any, live: Live) -> None:
    page.goto(f"{live.url}/login")
    page.fill("#username", "owner")
    page.fill("#password", DEMO_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def _dry_run(page: Any, live: Live, a: int, b: int) -> dict[str, tuple[str, str]]:
    """Choose the versions on the page, run the dry run; case number -> (row class, reasons)."""
    page.goto(f"{live.url}/editor/refugee_lifecycle/migrate")
    page.select_option("#mig-from", str(a))
    page.select_option("#mig-to", str(b))
    page.get_by_role("button", name="Probelauf").click()
    page.wait_for_url(lambda url: f"from={a}" in url and f"to={b}" in url)
    rows = page.locator("#migrate-dry-run tbody tr")
    return {rows.nth(i).get_attribute("data-case"): (
        rows.nth(i).get_attribute("class"), rows.nth(i).locator("td").nth(4).inner_text())
        for i in range(rows.count())}


def test_dry_run_names_only_a_called_process_that_changed(live: Live, de_page: Any) -> None:
    numbers = {live.engine.cases.get(case_id).case_number: label
               for label, case_id in CASES.items()}
    _sign_in_as_owner(de_page, live)

    main_only = _dry_run(de_page, live, 1, 2)
    assert set(main_only) == set(numbers)
    assert {numbers[n]: row for n, row in main_only.items()} == dict.fromkeys(
        CASES.keys(), ("movable", "–"))
    table = de_page.locator("#migrate-dry-run").inner_text()
    assert CALLED not in table and "wurde geändert" not in table
    assert de_page.locator("#migrate-dry-run input[name=case]:checked").count() == 6

    called_too = {numbers[n]: row for n, row in _dry_run(de_page, live, 1, 3).items()}
    blocked = {label for label, (kind, _reasons) in called_too.items() if kind == "blocked"}
    assert blocked == {"asylblg_grant", "waits_for_bamf"}
    for label in blocked:
        assert called_too[label][1].strip() == ASYLUM_CHANGED
    assert all(called_too[label] == ("movable", "–") for label in set(CASES) - blocked)

    # the movable cases move to version 2 from the page
    _dry_run(de_page, live, 1, 2)
    de_page.locator("#mig-run").click()
    summary = de_page.locator("#migrate-summary")
    summary.wait_for()
    assert summary.inner_text() == "6 Fälle wurden umgestellt."
    running = {i["version"]: i["running_cases"]
               for i in live.engine.definitions.history("refugee_lifecycle")}
    assert running == {1: 0, 2: 6, 3: 0}
    assert de_page.problems == []
