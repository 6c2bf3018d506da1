"""Issue 15, points 3–5 in Chromium with the German UI: the receiving team's "Übergabe
bestätigen" shows the sending team, the appointment, the data package and the note; a draft
saved with "Zwischenspeichern" is there again after a reload; a comment reaches a colleague of
the other team; the registration starts with the languages the case already knows;
completing a task a colleague claimed meanwhile says who has it (409)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from engine import Staffel
from tests.browser.conftest import shoot, watched_page
from tests.browser.live_server import Live, live_server, sign_in
from tests.lifecycle.helpers import (
    BPMN_DIR,
    REGISTRATION,
    advance_to,
    complete_open,
    find_open,
    proposal,
)

NOTE = "Frau Haddad bringt den Bescheid des BAMF mit."
CREATED: dict[str, str] = {}


def prepare(engine: Staffel) -> None:
    """A case whose Eingangszone proposed the handover to the Jobcenter (with a note), and a
    new case whose registration is open."""
    advance_to(engine, "2027-10-04")
    person = {"family_name": "Haddad", "given_name": "Rana", "birth_date": "1990-04-12",
              "languages": ["ar", "ku"], "interpreter_needed": True}
    case = engine.cases.start(person, "NW", "resettlement", actor="cw_eingangszone").id
    complete_open(engine, case, "Task_register", REGISTRATION)
    complete_open(engine, case, "Task_resettlement_arrival", {"arrival_date": "2027-10-04"})
    complete_open(engine, case, "Task_handover_propose",
                  {**proposal("2027-10-06T10:00:00+02:00", ["identity", "benefits"]),
                   "handover_note": NOTE})
    CREATED["case"] = case
    CREATED["ack"] = find_open(engine, case, "Task_handover_ack").id
    fresh = engine.cases.start(person, "NW", "resettlement", actor="cw_eingangszone").id
    CREATED["register"] = find_open(engine, fresh, "Task_register").id
    other = engine.cases.start(person, "NW", "resettlement", actor="cw_eingangszone").id
    CREATED["register2"] = find_open(engine, other, "Task_register").id


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([BPMN_DIR], prepare, CASE_PROCESS="refugee_lifecycle") as server:
        yield server


@pytest.fixture
def de_page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, german=True) as pg:
        yield pg


def test_the_ack_task_shows_the_handover(de_page: Any, live: Live) -> None:
    page = de_page
    sign_in(page, live, "cw_jc_leistung")
    page.goto(f"{live.url}/tasks/{CREATED['ack']}")
    summary = page.locator("#handover-summary")
    expect(summary.get_by_role("heading")).to_have_text("Die zu bestätigende Übergabe")
    expect(page.locator("#handover-from")).to_contain_text("Eingangszone")
    expect(page.locator("#handover-from")).to_contain_text("cw_eingangszone")
    expect(page.locator("#handover-appointment")).to_contain_text("6. Oktober 2027")
    expect(page.locator("#handover-appointment")).to_contain_text("10:00")
    expect(page.locator("#handover-appointment")).to_contain_text("Dolmetscher gebucht")
    expect(page.locator("#handover-legal-basis")).to_contain_text("§69 Abs. 1 Nr. 1 SGB X")
    fields = page.locator("#handover-fields li")
    expect(fields).to_contain_text(["Leistungen", "Geburtsdatum", "Familienname"])
    expect(page.locator("#handover-note")).to_have_text(NOTE)
    shoot(page, "task-handover-ack.png", full_page=True)
    assert page.problems == []


def test_a_draft_survives_a_reload(de_page: Any, live: Live) -> None:
    page = de_page
    sign_in(page, live, "cw_jc_leistung")
    page.goto(f"{live.url}/tasks/{CREATED['ack']}")
    page.fill("#f-handover_ack_note", "Termin telefonisch bestätigt, Bescheid fehlt noch")
    page.get_by_role("button", name="Zwischenspeichern").click()
    expect(page.locator(".flash, [role=status], .notice").first).to_be_visible()
    expect(page.get_by_text("Entwurf zwischengespeichert.")).to_be_visible()
    page.reload()
    expect(page.locator("#f-handover_ack_note")).to_have_value(
        "Termin telefonisch bestätigt, Bescheid fehlt noch")
    expect(page.locator("#draft-notice")).to_contain_text("Entwurf ist geladen")
    assert live.engine.tasks.info(CREATED["ack"]).state == "open"
    assert page.problems == []


def test_a_comment_reaches_the_other_team(browser: Any, live: Live) -> None:
    with watched_page(browser, german=True) as receiving:
        sign_in(receiving, live, "cw_jc_leistung")
        receiving.goto(f"{live.url}/tasks/{CREATED['ack']}")
        receiving.fill("#comment-text", "Bitte den Bescheid zum Termin mitbringen.")
        receiving.get_by_role("button", name="Kommentar hinzufügen").click()
        expect(receiving.get_by_text("Kommentar hinzugefügt.")).to_be_visible()
        expect(receiving.locator("#comment-list")).to_contain_text("cw_jc_leistung")
        assert receiving.problems == []
    with watched_page(browser, german=True) as sending:
        sign_in(sending, live, "cw_eingangszone")
        sending.goto(f"{live.url}/cases/{CREATED['case']}")
        sending.wait_for_load_state("networkidle")  # the case diagram has loaded
        ack_row = sending.locator("#open-tasks li").filter(has_text="Übergabe bestätigen")
        ack_row.get_by_role("link", name="Kommentare").click()
        expect(sending.locator("h1")).to_contain_text("Kommentare")
        comments = sending.locator("#comment-list")
        expect(comments).to_contain_text("Bitte den Bescheid zum Termin mitbringen.")
        expect(comments).to_contain_text("cw_jc_leistung")
        assert sending.problems == []


def test_the_registration_starts_with_the_known_languages(de_page: Any, live: Live) -> None:
    page = de_page
    sign_in(page, live, "cw_eingangszone")
    page.goto(f"{live.url}/tasks/{CREATED['register']}")
    expect(page.locator("#f-languages")).to_have_value("ar, ku")
    assert page.problems == []


def test_a_task_claimed_meanwhile_names_the_colleague(de_page: Any, live: Live) -> None:
    page = de_page
    sign_in(page, live, "cw_eingangszone")
    page.goto(f"{live.url}/tasks/{CREATED['register2']}")
    live.engine.tasks.claim(CREATED["register2"], "cw_kollegin")  # a colleague, a moment later
    page.locator("#task-form button[type=submit]").first.click()
    expect(page.locator("#task-conflict")).to_contain_text(
        "cw_kollegin hat die Aufgabe übernommen")
    assert live.engine.tasks.info(CREATED["register2"]).state == "open"
    assert [p for p in page.problems if "409" not in p] == []
