"""Issue 15, point 14 in Chromium with the German UI, on the real main diagram: the canvas is
large (at least 60 % of the window's height), the palette covers no element at the start zoom
(the diagram starts right of it), the keyboard shortcuts are listed in German, and an SLA of 0
or fewer days is refused with a message at the field, and by the server at deploy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, watched_page
from tests.browser.live_server import Live, live_server, sign_in

KEY = "refugee_lifecycle"
SIZES = [(1500, 950), (1280, 720)]

ELEMENT_BOXES = """() => {
  const registry = StaffelEditor.modeler.get('elementRegistry');
  return registry.filter(e => !e.waypoints && e.type !== 'label' && e.parent)
    .map(e => registry.getGraphics(e).getBoundingClientRect())
    .map(r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom}));
}"""


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([ROOT / "bpmn"]) as server:
        yield server


def open_editor(page: Any, live: Live) -> None:
    sign_in(page, live, "owner")
    page.goto(f"{live.url}/editor/{KEY}")
    page.wait_for_selector('#editor-canvas[data-state="ready"]')


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_canvas_is_large_and_the_palette_covers_nothing(browser: Any, live: Live, width: int,
                                                        height: int) -> None:
    with watched_page(browser, width=width, height=height, german=True) as page:
        open_editor(page, live)
        canvas = page.locator("#editor-canvas").bounding_box()
        assert canvas["height"] >= 0.6 * height - 1, (canvas, height)
        palette = page.locator("#editor-canvas .djs-palette").bounding_box()
        boxes = page.evaluate(ELEMENT_BOXES)
        assert len(boxes) > 20
        leftmost = min(b["left"] for b in boxes)
        assert leftmost > palette["x"] + palette["width"], (leftmost, palette)
        # and the whole diagram is inside the canvas at the start
        assert min(b["top"] for b in boxes) >= canvas["y"]
        assert max(b["right"] for b in boxes) <= canvas["x"] + canvas["width"] + 1
        assert max(b["bottom"] for b in boxes) <= canvas["y"] + canvas["height"] + 1
        # "Diagramm einpassen" brings the same view back after zooming in
        page.evaluate("() => StaffelEditor.modeler.get('canvas').zoom(2)")
        page.click("#editor-fit")
        assert min(b["left"] for b in page.evaluate(ELEMENT_BOXES)) > \
            palette["x"] + palette["width"]
        assert page.problems == [], page.problems


def test_shortcuts_are_listed_and_sla_zero_is_refused(browser: Any, live: Live) -> None:
    with watched_page(browser, width=1500, height=950, german=True,
                      watch_http=False) as page:
        open_editor(page, live)
        shortcuts = page.locator("#editor-shortcuts")
        expect(shortcuts.locator("summary")).to_have_text("Tastenkürzel")
        assert not page.is_visible("#editor-shortcuts dl")
        shortcuts.locator("summary").click()
        listed = shortcuts.inner_text()
        for line in ("Strg + Z", "Rückgängig", "Strg + F", "Im Diagramm suchen",
                     "Entf / Rücktaste", "Auswahl löschen", "Lasso-Werkzeug",
                     "Pfeiltasten", "Diagramm verschieben"):
            assert line in listed, line
        assert "Ctrl" not in listed and "Undo" not in listed

        # the panel refuses 0 and negative days at the field; the diagram keeps its SLA
        page.evaluate("id => StaffelEditor.selectElement(id)", "Task_register")
        page.wait_for_function("document.getElementById('prop-element').textContent"
                               ".startsWith('Task_register ')")
        for value in ("0", "-2"):
            page.fill("#prop-sla", value)
            page.click("#prop-apply")
            expect(page.locator("#prop-sla-error")).to_have_text(
                "Die Bearbeitungsfrist (SLA) muss eine ganze Zahl von Arbeitstagen zwischen "
                "1 und 9999 sein.")
            assert page.get_attribute("#prop-sla", "aria-invalid") == "true"
            assert page.get_attribute("#prop-sla", "aria-describedby") == "prop-sla-error"
        prop = ("StaffelEditor.modeler.get('elementRegistry').get('Task_register')"
                ".businessObject.extensionElements.values[0].properties"
                ".find(p => p.name === 'sla_days')")
        assert page.evaluate(f"() => {prop}.value") == "3"

        # written into the XML some other way, the server refuses it at deploy, in German
        page.evaluate(f"() => {{ {prop}.value = '0'; }}")
        page.click("#editor-deploy")
        status = page.locator("#editor-status[role=alert]")
        expect(status).to_contain_text("Die Bereitstellung wurde abgelehnt")
        expect(page.locator('#editor-problems li[data-element="Task_register"]')).to_contain_text(
            "Die Bearbeitungsfrist (SLA) der Benutzeraufgabe Task_register muss eine ganze "
            "Zahl von Arbeitstagen zwischen 1 und 9999 sein, nicht „0“.")
        assert [v.version for v in live.engine.definitions.versions(KEY)] == [1]
