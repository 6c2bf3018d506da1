"""Issue 15, point 13 in Chromium with the German UI: the case view's audit trail and handover
rows name codes in words: "Zugang: Asylverfahren" (not "entry: asylum"), the Land and the
teams by name, the data shared by its German field names (not "weitergegeben: identity")."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import watched_page
from tests.browser.live_server import live_server, sign_in
from tests.conftest import DATA, ENGINE_DIAGRAMS


def test_audit_details_and_handover_rows_in_german(browser: Any) -> None:
    with live_server([ENGINE_DIAGRAMS, DATA / "web"]) as live, \
            watched_page(browser, german=True) as page:
        case = live.start("handover")
        sign_in(page, live, "cw_sozialamt")
        page.goto(f"{live.url}/cases/{case.id}")
        audit = page.locator("table.audit").inner_text()
        assert "Zugang: Asylverfahren" in audit
        assert "Land: Nordrhein-Westfalen" in audit
        assert "von Team: Sozialamt (AsylbLG)" in audit
        assert not re.search(r"\b(entry|land|from_team|to_team|legal_basis|shared_fields|"
                             r"fields): ", audit), audit
        shared = re.findall(r"weitergegeben: (.+)", page.locator("main").inner_text())
        assert shared and all("Familienname" in s for s in shared), shared
        assert not any(re.search(r"\b(identity|family_name|given_name)\b", s) for s in shared)
        assert page.problems == [], page.problems
