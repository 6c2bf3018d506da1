"""Issue 15, point 15, in a German browser: the administrator creates a user, hands over the
one-time link, the user sets his password with it and signs in; the administrator moves the
simulated clock and reads the health page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shoot, watched_page
from tests.browser.live_server import Live, live_server, sign_in
from tests.conftest import ENGINE_DIAGRAMS

NEW_PASSWORD = "Fruehling im Rathaus 27"


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([ENGINE_DIAGRAMS]) as server:
        yield server


@pytest.fixture
def de_page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, german=True, watch_http=False) as pg:
        yield pg


def test_create_a_user_who_sets_his_password_by_link_and_signs_in(
        browser: Any, de_page: Any, live: Live) -> None:
    page = de_page
    sign_in(page, live, "admin")
    page.click("#nav-admin")
    expect(page.locator("h1")).to_have_text("Verwaltung")
    page.click("#admin-index >> text=Benutzer")
    expect(page.locator("#users-table")).to_contain_text("cw_sozialamt")
    shoot(page, "admin-users.png")
    page.click("#new-user")
    page.click("button[type=submit] >> text=Benutzer anlegen")  # nothing filled in
    expect(page.locator("#error-summary")).to_contain_text("Bitte korrigieren")
    expect(page.locator("#username-error")).to_contain_text("1 bis 100 Zeichen")
    expect(page.locator("#roles-error")).to_contain_text("mindestens eine Rolle")
    page.fill("#username", "m.yilmaz")
    page.check("#role-caseworker")
    page.check("#team-jc_leistung")
    page.fill("#email", "m.yilmaz@stadt.example")
    page.click("button[type=submit] >> text=Benutzer anlegen")
    expect(page.locator("#created-note")).to_have_text("Benutzer m.yilmaz angelegt.")
    first_link = page.input_value("#reset-url")
    page.click("#back-to-user")
    expect(page.locator("h1")).to_have_text("Benutzer m.yilmaz")
    page.click("#reset-link")  # a new link: the first one ends
    link = page.input_value("#reset-url")
    assert link != first_link and "/password/" in link

    with watched_page(browser, german=True, watch_http=False) as visitor:
        visitor.goto(first_link)
        expect(visitor.locator("#link-problem")).to_contain_text("gilt nicht mehr")
        visitor.goto(link)
        expect(visitor.locator("h1")).to_have_text("Passwort setzen")
        visitor.fill("#password", "kurz")
        visitor.fill("#password_repeat", "kurz")
        visitor.click("#set-password")
        expect(visitor.locator("#password-error")).to_contain_text("Mindestens 10 Zeichen")
        visitor.fill("#password", NEW_PASSWORD)
        visitor.fill("#password_repeat", NEW_PASSWORD)
        visitor.click("#set-password")
        visitor.wait_for_url(re.compile(r".*/login$"))
        expect(visitor.locator("main")).to_contain_text("Ihr Passwort ist gesetzt")
        visitor.fill("#username", "m.yilmaz")
        visitor.fill("#password", NEW_PASSWORD)
        visitor.press("#password", "Enter")
        visitor.wait_for_url(re.compile(r".*/inbox$"))
        expect(visitor.locator(".who")).to_contain_text("m.yilmaz")
        visitor.goto(link)
        expect(visitor.locator("#link-problem")).to_contain_text("bereits benutzt")

    page.goto(f"{live.url}/admin/users")
    expect(page.locator("#user-m\\.yilmaz")).not_to_contain_text("nicht bekannt")


def test_move_the_clock_and_read_the_health_page(de_page: Any, live: Live) -> None:
    page = de_page
    live.engine.cases.start({"family_name": "Haddad", "given_name": "Rana",
                             "birth_date": "1990-04-12"}, "NW", process_key="timers",
                            data={"review_on": "2027-03-10"}, actor="tester")
    before = live.engine.clock.now()
    sign_in(page, live, "admin")
    page.goto(f"{live.url}/admin")
    page.click("#admin-clock-link")
    expect(page.locator("h1")).to_have_text("Simulierte Uhr")
    page.fill("#amount", "-1")
    page.click("#advance")
    expect(page.locator("#amount-error")).to_contain_text("nur vorwärts")
    assert live.engine.clock.now() == before
    page.fill("#amount", "2")
    page.select_option("#unit", "weeks")
    page.click("#advance")
    expect(page.locator(".flash.success")).to_contain_text("Timer ausgelöst")
    assert (live.engine.clock.now() - before).days == 14
    fired = re.search(r"(\d+) Timer ausgelöst", page.locator(".flash.success").inner_text())
    assert fired and int(fired.group(1)) >= 1
    shoot(page, "admin-clock.png")

    page.click("#admin-nav >> text=Systemzustand")
    expect(page.locator("#db-state")).to_contain_text("Bereit: erreichbar, aktuell und "
                                                      "beschreibbar.")
    expect(page.locator("#db-dialect")).to_have_text("sqlite")
    expect(page.locator("#health-timers")).to_contain_text("Jetzt fällig")
    expect(page.locator("#health-processes")).to_contain_text("timers")
    shoot(page, "admin-health.png")
    page.click("#admin-nav >> text=Teams")
    expect(page.locator("#team-sozialamt")).to_contain_text("Sozialamt (AsylbLG)")
