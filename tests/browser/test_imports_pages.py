"""The import pages in Chromium, keyboard only: upload a BAMF decision file, read the report,
and deliver the clarification to a waiting case from the Klärfälle page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import Live, live_server, sign_in
from tests.conftest import DATA, ENGINE_DIAGRAMS

DECISION = """<?xml version="1.0" encoding="UTF-8"?>
<bescheide xmlns="urn:staffel:import:decisions:1">
  <bescheid>
    <aktenzeichen>9999999-991</aktenzeichen>
    <familienname>Unbekannt</familienname>
    <vorname>Niemand</vorname>
    <geburtsdatum>1980-01-01</geburtsdatum>
    <entscheidung>fluechtlingseigenschaft</entscheidung>
    <bescheiddatum>2027-03-01</bescheiddatum>
    <zugestelltAm>2027-03-03</zugestelltAm>
  </bescheid>
</bescheide>
"""


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([ENGINE_DIAGRAMS, DATA / "web"]) as server:
        yield server


def test_upload_and_clarify_with_the_keyboard(page: Any, live: Live, tmp_path: Path) -> None:
    case = live.start("basic")
    live.engine.tasks.complete(case.open_tasks[0].id, {"interpreter_needed": False},
                              actor="tester")  # now it waits for bamf_decision
    upload = tmp_path / "bescheide.xml"
    upload.write_text(DECISION, encoding="utf-8")
    sign_in(page, live, "cw_eingangszone")
    page.goto(f"{live.url}/imports")
    page.focus("#import-kind")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # BAMF-Bescheide
    expect(page.locator("#import-kind")).to_have_value("decisions")
    page.set_input_files("#import-file", str(upload))
    page.focus("form.upload-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Importbericht")
    expect(page.locator("#line-3")).to_contain_text("Kein Fall gefunden")
    page.goto(f"{live.url}/inbox")
    page.get_by_role("link", name="1 Klärfall aus Importen ist offen").press("Enter")
    expect(page.locator("h1")).to_have_text("Klärfälle")
    field = page.get_by_label("Fallnummer")
    field.fill(case.case_number)
    field.press("Enter")
    expect(page.locator("#messages")).to_contain_text(f"Dem Fall {case.case_number} zugestellt")
    expect(page.get_by_text("Nichts zu klären.")).to_be_visible()
    assert page.problems == []
