"""Issue 15, point 13 in Chromium with the German UI: the process editor speaks German. The
bpmnlint button says "Keine Probleme", its hints (in the list and on the diagram) are German,
the palette and the context pad are German, and a deploy the server refuses says so in a
status message (role=alert) with the problem in German; nothing is deployed then."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, watched_page
from tests.browser.live_server import Live, live_server, sign_in

BPMN = ROOT / "bpmn"
KEY = "refugee_lifecycle"


@pytest.fixture
def de_page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, width=1500, height=950, german=True,
                      watch_http=False) as pg:
        yield pg


def open_editor(page: Any, live: Live, key: str) -> None:
    sign_in(page, live, "owner")
    page.goto(f"{live.url}/editor/{key}")
    page.wait_for_selector('#editor-canvas[data-state="ready"]')


def label(entry: Any) -> str | None:
    """What a palette or context-pad entry says (bpmn-js 18: aria-label, older: title)."""
    return entry.get_attribute("aria-label") or entry.get_attribute("title")


def select(page: Any, element_id: str) -> None:
    page.evaluate("id => StaffelEditor.selectElement(id)", element_id)
    page.wait_for_function("id => document.getElementById('prop-element').textContent"
                           ".startsWith(id + ' ')", arg=element_id)


def test_lint_palette_and_context_pad_speak_german(de_page: Any) -> None:
    page = de_page
    with live_server([BPMN]) as live:
        open_editor(page, live, KEY)
        page.wait_for_selector('#editor-canvas[data-lint-count="0"]')
        expect(page.locator(".bjsl-button")).to_contain_text("Keine Probleme")
        assert "No Issues" not in page.inner_text("#editor-canvas")
        assert label(page.locator('.djs-palette .entry[data-action="create.task"]')) == \
            "Aufgabe anlegen"
        assert label(page.locator('.djs-palette .entry[data-action="hand-tool"]')) == \
            "Hand-Werkzeug aktivieren"

        # a task that leads nowhere: bpmnlint's hint in German, in the list and on the button
        select(page, "Task_register")
        expect(page.locator("#prop-apply")).to_have_text("Anwenden")  # "Übernehmen" = claim
        append = page.locator('.djs-context-pad .entry[data-action="append.append-task"]')
        assert label(append) == "Aufgabe anhängen"
        append.click()
        page.keyboard.press("Escape")
        page.wait_for_function("Number(document.getElementById('editor-canvas')"
                               ".getAttribute('data-lint-count')) > 0")
        hint = page.locator('#editor-lint li[data-rule="no-implicit-end"]')
        expect(hint).to_contain_text("Element ist ein implizites Ende")
        assert "is an implicit" not in hint.inner_text()
        expect(page.locator(".bjsl-button")).to_contain_text("Fehler")
        expect(page.locator(".bjsl-button")).to_contain_text("Warnungen")
        assert "Errors" not in page.inner_text(".bjsl-button")
        page.locator(".bjsl-overlay").first.hover()
        overlay_text = page.locator(".bjsl-overlay").first.inner_text()
        assert "Element ist ein implizites Ende" in overlay_text, overlay_text
        assert page.problems == [], page.problems


def test_a_refused_deploy_says_so_in_german(de_page: Any) -> None:
    page = de_page
    with live_server([BPMN]) as live:
        open_editor(page, live, KEY)
        select(page, "Task_register")
        page.fill("#prop-form", "fehlt.schema.json")
        page.click("#prop-apply")
        page.click("#editor-deploy")
        status = page.locator("#editor-status")
        expect(status).to_contain_text("Die Bereitstellung wurde abgelehnt: 1 Problem(e)")
        expect(status).to_contain_text("Es wurde nichts bereitgestellt.")
        assert status.get_attribute("role") == "alert"
        problem = page.locator('#editor-problems li[data-element="Task_register"]')
        expect(problem).to_contain_text("Formular „fehlt.schema.json“ nicht gefunden.")
        assert [v.version for v in live.engine.definitions.versions(KEY)] == [1]

        # the check alone says how many problems it found, also in German
        page.click("#editor-validate")
        page.wait_for_selector('#editor-canvas[data-validated="invalid"]')
        expect(status).to_contain_text("Die Prüfung hat 1 Problem(e) gefunden")
        assert all("422" in p for p in page.problems), page.problems  # the refused deploy
