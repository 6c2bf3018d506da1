"""The process editor in Debian's Chromium against a real Staffel server: the owner opens the
laid-out ``handover`` diagram in the bpmn-js Modeler (bpmnlint active), renames a task and
changes its SLA through the properties form, validates, deploys, and finds version 2 in the
history; the SpiffWorkflow properties survive the round trip.

``browser`` and ``page`` come from this directory's conftest.py.
"""

from __future__ import annotations

from typing import Any

from tests.browser.live_server import live_server, sign_in
from tests.conftest import DATA, ENGINE_DIAGRAMS


def test_owner_edits_validates_and_deploys_a_diagram(page: Any) -> None:
    with live_server([ENGINE_DIAGRAMS, DATA / "web"]) as live:
        sign_in(page, live, "owner")
        page.click('nav a[href="/editor"]')
        page.click('a[href="/editor/handover"]')
        page.wait_for_selector('#editor-canvas[data-state="ready"]')
        page.wait_for_selector(".bjs-powered-by")
        assert page.evaluate("typeof BpmnlintConfig") == "object"

        page.click('.djs-element[data-element-id="Task_prepare"]')
        page.wait_for_function("document.getElementById('prop-name').value !== ''")
        assert page.input_value("#prop-form") == "prepare.schema.json"
        assert page.input_value("#prop-sla") == "3"
        page.fill("#prop-name", "Übergabe gründlich vorbereiten")
        page.fill("#prop-sla", "5")
        page.click("#prop-apply")
        page.wait_for_selector('.djs-element[data-element-id="Task_prepare"] >> '
                               'text=gründlich')

        page.click("#editor-validate")
        page.wait_for_selector('#editor-canvas[data-validated="valid"]')
        assert page.locator("#editor-problems li").count() == 0
        page.click("#editor-deploy")
        page.wait_for_selector('#editor-canvas[data-deployed="2"]')
        assert "2" in page.inner_text("#editor-status")

        xml = live.engine.process_xml("handover", 2)
        assert 'name="Übergabe gründlich vorbereiten"' in xml
        assert 'name="formJsonSchemaFilename" value="prepare.schema.json"' in xml
        assert 'name="sla_days" value="5"' in xml
        newest = live.engine.process_versions("handover")[0]
        assert (newest.version, newest.deployed_by) == (2, "owner")

        page.click("#editor-history-link")
        page.wait_for_selector('#version-history tr[data-version="2"]')
        changed = page.inner_text(".diff-changed")
        assert "Task_prepare" in changed and "gründlich" in changed and "sla_days" in changed
        assert page.problems == []
