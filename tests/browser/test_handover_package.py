"""The printable handover package in Debian's Chromium: opened from the case view by keyboard,
the print button appears with JavaScript, the print layout hides the tools."""

from __future__ import annotations

from typing import Any

from engine import Staffel
from tests.adapters.handover_cases import resettlement_handover
from tests.browser.live_server import live_server, sign_in
from tests.lifecycle.helpers import BPMN_DIR

CREATED: dict[str, Any] = {}


def prepare(engine: Staffel) -> None:
    CREATED["case"], CREATED["handover"] = resettlement_handover(engine)


def test_package_opens_from_the_case_view_and_prints_clean(page: Any) -> None:
    with live_server([BPMN_DIR], prepare, CASE_PROCESS="refugee_lifecycle") as live:
        sign_in(page, live, "cw_jc_leistung")
        page.goto(f"{live.url}/cases/{CREATED['case']}")
        link = page.get_by_role("link", name="Übergabepaket (Druckansicht)")
        link.focus()
        with page.context.expect_page() as opened:
            page.keyboard.press("Enter")
        package = opened.value
        package.wait_for_load_state()
        assert package.url.endswith(f"/handovers/{CREATED['handover']}/package")
        assert package.get_by_role("heading", level=1).inner_text().startswith("Übergabepaket")
        assert package.get_by_text("Haddad").is_visible()
        button = package.get_by_role("button", name="Drucken")
        assert button.is_visible()
        package.emulate_media(media="print")
        assert not button.is_visible()
        assert not package.get_by_role("link", name="Zurück zum Fall").is_visible()
        assert package.get_by_role("heading", name="Nicht in diesem Paket").is_visible()
        package.close()
        ics = page.get_by_role("link", name="Termin für den Kalender (.ics)")
        with page.expect_download() as download:
            ics.click()
        assert download.value.suggested_filename.endswith("-resettlement_to_sgb2.ics")
    assert page.problems == []
