"""Test run panel and decision-table editor in Debian's Chromium against a real Staffel server
with the real lifecycle (bpmn/) deployed:

* the owner opens the main diagram, starts a test run (outcome ``refugee``), sees the steps and
  deadlines and the walked path marked on the diagram; ``rejected`` walks through the Duldung
  call instead; nothing real changes. With ``STAFFEL_SCREENSHOTS=1`` it writes
  ``docs/screenshots/test-run.png``.
* the owner opens a DMN table from the editor list, edits a cell, validates, deploys and sees
  the new revision; the calling process got a new version.

``browser`` and ``page`` come from this directory's conftest.py.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import func, select

from engine import Staffel
from engine.persistence.models import AuditEvent, Case, ProcessInstance
from tests.browser.conftest import shoot
from tests.browser.live_server import live_server, sign_in
from tests.lifecycle.helpers import BPMN_DIR, PERSON

# dmn-js' production bundle ships Inferno's development build, which says so on load.
INFERNO_NOTICE = "minified copy of the development build of Inferno"


def rows(engine: Staffel) -> tuple[Any, ...]:
    with engine.db.read() as session:
        return tuple(session.scalar(select(func.count()).select_from(m))
                     for m in (Case, ProcessInstance, AuditEvent))


def marked(page: Any, element_id: str) -> bool:
    selector = f'#editor-canvas .djs-element[data-element-id="{element_id}"]'
    return bool(page.eval_on_selector(selector, "e => e.classList.contains('testrun-walked')"))


def test_owner_test_runs_the_main_diagram(page: Any) -> None:
    def prepare(engine: Staffel) -> None:
        engine.cases.start(PERSON, "NW", "asylum", "8123456-423", actor="tester")

    with live_server([BPMN_DIR], prepare, CASE_PROCESS="refugee_lifecycle") as live:
        before = rows(live.engine)
        sign_in(page, live, "owner")
        page.goto(f"{live.url}/editor/refugee_lifecycle")
        page.wait_for_selector('#editor-canvas[data-state="ready"]')
        assert page.input_value("#testrun-outcome") == "refugee"
        page.focus("#testrun-start")
        page.keyboard.press("Enter")
        page.wait_for_selector('#testrun-summary[data-stop="completed"]')
        assert "S6" in page.inner_text("#testrun-summary")
        steps = page.locator("#testrun-steps tbody tr")
        assert steps.count() > 15
        assert page.locator('#testrun-steps tr[data-element="Task_register"]').count() == 1
        assert "§74" in page.inner_text("#testrun-deadlines")
        assert marked(page, "Task_register") and marked(page, "Call_transfer_recognition")
        assert not marked(page, "Call_duldung")
        page.locator('#testrun-steps tr[data-element="Task_register"] button').click()
        page.wait_for_selector('.djs-element.selected[data-element-id="Task_register"]')
        if os.environ.get("STAFFEL_SCREENSHOTS") == "1":
            page.evaluate("() => document.getElementById('h-testrun').scrollIntoView()")
            shoot(page.locator("#testrun"), "test-run.png")

        page.select_option("#testrun-outcome", "rejected")
        page.click("#testrun-start")
        page.wait_for_function(
            "() => document.querySelector('#testrun-summary') && "
            "document.querySelector('#testrun-steps').textContent.includes('Duldung')")
        assert marked(page, "Call_duldung") and not marked(page, "Call_transfer_recognition")
        assert rows(live.engine) == before
        assert page.problems == []


def test_owner_edits_a_decision_table_cell_and_deploys(page: Any) -> None:
    with live_server([BPMN_DIR], CASE_PROCESS="refugee_lifecycle") as live:
        callers = live.engine.definitions.versions("residence_permit")[0].version
        sign_in(page, live, "owner")
        page.click('nav a[href="/editor"]')
        page.click("#decisions-link a")
        page.click('a[href="/decisions/permit_rules.dmn"]')
        page.wait_for_selector('#dmn-canvas[data-ready="true"]')
        cell = page.locator("#dmn-canvas td.output-cell", has_text="False").first
        cell.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("True")
        page.locator("#dmn-canvas h2, #dmn-canvas .decision-table-name").first.click()

        page.click("#dmn-validate")
        page.wait_for_selector("#dmn-status.ok")
        assert page.locator("#dmn-problems li").count() == 0
        page.click("#dmn-deploy")
        page.wait_for_function(  # a function, not an expression: the CSP forbids eval
            "() => document.getElementById('dmn-status').textContent.includes('Stand 2')")
        assert "residence_permit" in page.inner_text("#dmn-status")
        assert live.engine.definitions.versions("residence_permit")[0].version == callers + 1
        source = live.engine.definitions.decision_source("permit_rules.dmn")
        assert source.count("<text>True</text>") == \
            (BPMN_DIR / "permit_rules.dmn").read_text().count("<text>True</text>") + 1

        page.goto(f"{live.url}/decisions")
        row = page.locator('#dmn-files tr[data-file="permit_rules.dmn"]')
        assert row.locator("td.num").inner_text() == "2"
        assert [p for p in page.problems if INFERNO_NOTICE not in p] == []
