"""Issue 12 in Debian's Chromium against a real Staffel server with the lifecycle of ``bpmn/``:
the Eingangszone registers a case ("Fall anlegen", with the duplicate warning) and lands on
its first task; the case list finds it by a name written without umlauts; the
Ausländerbehörde records a permit by hand and sees "Wartet auf" change; a wait that lasts is
counted on the dashboard and gets its follow-up task once the simulated clock moves.
Screenshots for the README with ``STAFFEL_SCREENSHOTS=1``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from engine import Staffel
from tests.browser.conftest import shoot, watched_page
from tests.browser.live_server import Live, live_server, sign_in
from tests.lifecycle.helpers import BPMN_DIR, PERMIT_PREPARE, advance_to, complete_open

PERSON = {"family_name": "Yılmaz-Öztürk", "given_name": "Ayşe", "birth_date": "1994-09-17"}
DECISION = {"outcome": "deportation_ban", "decision_date": "2027-03-10",
            "served_on": "2027-03-12"}
REGISTRATION = {"interpreter_needed": False, "languages": ["tr"],
                "identity_documents": "arrival_certificate", "consent_given": False}


@pytest.fixture
def live() -> Iterator[Live]:  # each test its own database: both start on 1 March 2027
    with live_server([BPMN_DIR], CASE_PROCESS="refugee_lifecycle") as server:
        yield server


@pytest.fixture
def de_page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, width=1400, height=900, german=True, watch_http=False) as pg:
        yield pg


def at_permit_task(eng: Staffel, case_id: str) -> None:
    """Registration done, the BAMF decision (deportation ban) final: the ABH's turn."""
    complete_open(eng, case_id, "Task_register", REGISTRATION)
    complete_open(eng, case_id, "Task_asylblg_grant", {"asylblg_from": "2027-03-01",
                                                        "accommodation": "shared"})
    complete_open(eng, case_id, "Task_gestattung", {"asylum_application_filed_on": "2027-03-01",
                                                     "gestattung_valid_until": "2027-09-01"})
    advance_to(eng, "2027-03-12")
    eng.messages.receive("bamf_decision", DECISION, case_id=case_id, actor="bamf")
    advance_to(eng, "2027-03-31")


def waits_text(page: Any) -> str:
    return " ".join(page.locator("#waits ~ *").first.inner_text().split())


def test_register_a_case_then_record_the_permit_by_hand(de_page: Any, live: Live) -> None:
    page, eng = de_page, live.engine
    sign_in(page, live, "cw_eingangszone")
    page.get_by_role("link", name="Fälle", exact=True).click()
    page.locator("#new-case").click()
    page.fill("#f-family_name", PERSON["family_name"])
    page.fill("#f-given_name", PERSON["given_name"])
    page.fill("#f-birth_date", PERSON["birth_date"])
    page.fill("#f-nationality", "TR")
    page.fill("#f-languages", "tr, ku")
    page.check("#f-entry")  # Asyl
    page.select_option("#f-land", "NW")
    page.fill("#f-bamf_aktenzeichen", "8765432-163")
    shoot(page, "case-new.png", full_page=True)
    page.get_by_role("button", name="Fall anlegen").click()
    # straight to the first task: the Eingangszone's registration
    expect(page.locator("h1")).to_have_text("Person registrieren, Einwilligung erfassen")
    expect(page.locator(".flash, [role=status]").first).to_contain_text("angelegt")
    (case,) = eng.cases.list().items

    # the same person again: the duplicate warning, nothing written
    page.goto(f"{live.url}/cases/new")
    page.fill("#f-family_name", "YILMAZ OEZTUERK")
    page.fill("#f-given_name", "Ayse")
    page.fill("#f-birth_date", PERSON["birth_date"])
    page.check("#f-entry")
    page.select_option("#f-land", "NW")
    page.get_by_role("button", name="Fall anlegen").click()
    expect(page.locator("#duplicate-warning")).to_contain_text(case.case_number)
    assert eng.cases.list().total == 1

    # the case list finds her without umlauts
    page.goto(f"{live.url}/cases?q=oeztuerk")
    expect(page.locator("#case-results")).to_contain_text(case.case_number)
    expect(page.locator("#case-results")).to_contain_text("Yılmaz-Öztürk, Ayşe")

    at_permit_task(eng, case.id)
    page.context.clear_cookies()  # signed out
    sign_in(page, live, "cw_auslaenderbehoerde")
    page.goto(f"{live.url}/cases/{case.id}")
    expect(page.locator("#waiting-for")).to_contain_text("Aufenthaltserlaubnis (Ausländerbehörde)")
    expect(page.locator("#waiting-for")).to_contain_text("Nachfrage am")
    page.get_by_role("link", name="Aufenthaltserlaubnis erteilt").click()
    page.select_option("#f-paragraph", "§25(3)")
    page.fill("#f-valid_until", "2030-03-30")
    page.get_by_role("button", name="Erfassen").click()
    expect(page.locator("main")).to_contain_text("„Aufenthaltserlaubnis erteilt“ erfasst")
    expect(page.locator("main")).not_to_contain_text("Aufenthaltserlaubnis vorbereiten –")
    assert "Aufenthaltserlaubnis (Ausländerbehörde)" not in page.locator("main").inner_text()
    expect(page.locator("main")).to_contain_text("per Hand erfasst von cw_auslaenderbehoerde")


def test_a_wait_that_lasts_gets_its_follow_up_task(de_page: Any, live: Live) -> None:
    page, eng = de_page, live.engine
    case = eng.cases.start({"family_name": "Karimi", "given_name": "Reza",
                            "birth_date": "1985-05-05"}, "NW", "asylum", "8111111-163",
                           actor="tester")
    at_permit_task(eng, case.id)
    complete_open(eng, case.id, "Task_permit_prepare", PERMIT_PREPARE)
    sign_in(page, live, "cw_auslaenderbehoerde")
    page.goto(f"{live.url}/cases/{case.id}")
    expect(page.locator("#waiting-for")).to_contain_text(
        "Aufenthaltserlaubnis (Ausländerbehörde) seit")
    shoot(page, "case-waits.png", full_page=True)
    due = eng.cases.get(case.id).waiting_for[0].watchdog_due
    assert due is not None

    # the team lead sees the wait counted on the dashboard, and the case behind the number
    page.context.clear_cookies()
    sign_in(page, live, "supervisor")
    page.goto(f"{live.url}/dashboard")
    row = page.locator("#waits-table tr", has_text="Aufenthaltserlaubnis")
    expect(row.locator("td.total")).to_have_text("1")
    row.locator("td.total a").click()
    expect(page.locator("main")).to_contain_text(case.case_number)
    expect(page.locator("main")).not_to_contain_text("Karimi")  # numbers only

    eng.clock.advance(to=due)  # 30 working days later: the follow-up task is there
    page.context.clear_cookies()
    sign_in(page, live, "cw_auslaenderbehoerde")
    expect(page.locator("main")).to_contain_text("Titel noch nicht gemeldet")
