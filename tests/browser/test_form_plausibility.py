"""Issue 15, points 1 and 2 in the browser (German UI, simulated clock on 01.03.2027): a
Gestattung valid until before the application date is shown next to the field while typing
and, after posting, by the server in German; the language "arabisch" gets the ISO 639-1 hint;
an optional field says it is required once the condition holds; the task stays open."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import watched_page
from tests.browser.live_server import Live, live_server, sign_in
from tests.form_plausibility import deploy_plausibility, start_plausibility

USER = "cw_sozialamt"


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([], prepare=deploy_plausibility, CASE_PROCESS="plausibility") as server:
        yield server


@pytest.fixture
def de_page(browser: Any) -> Iterator[Any]:
    # the refused completion answers 422 on purpose: only console and page errors count
    with watched_page(browser, german=True, watch_http=False) as pg:
        yield pg


def test_a_gestattung_valid_until_before_the_application(de_page: Any, live: Live) -> None:
    page = de_page
    task_id = start_plausibility(live.engine, "8100000-001")["Task_gestattung"]
    sign_in(page, live, USER)
    page.goto(f"{live.url}/tasks/{task_id}")
    filed, valid = page.locator("#f-asylum_application_filed_on"), page.locator(
        "#f-gestattung_valid_until")
    expect(filed).to_have_attribute("max", "2027-03-01")  # not after the engine's day
    filed.fill("2027-02-01")
    expect(valid).to_have_attribute("min", "2027-02-01")  # follows the other field
    valid.fill("2027-01-15")
    valid.dispatch_event("change")
    message = "Das Datum darf nicht vor „Asylantrag gestellt am“ (01.02.2027) liegen."
    expect(page.locator("#f-gestattung_valid_until-client-error")).to_have_text(message)
    page.get_by_role("button", name="Aufgabe abschließen").click()
    expect(page.locator("#f-gestattung_valid_until-error")).to_contain_text(message)
    expect(page.locator("#error-summary")).to_contain_text("Gestattung gültig bis")
    expect(valid).to_have_value("2027-01-15")  # what was entered is kept
    assert live.engine.tasks.info(task_id).state == "open"
    assert [p for p in page.problems if "status of 422" not in p] == []


def test_a_language_arabisch_gets_the_iso_hint(de_page: Any, live: Live) -> None:
    page = de_page
    task_id = start_plausibility(live.engine, "8100000-002")["Task_register"]
    sign_in(page, live, USER)
    page.goto(f"{live.url}/tasks/{task_id}")
    consent_date = page.locator("#f-consent_date-group .req")
    expect(consent_date).to_have_text("(freiwillig)")
    page.locator("#f-consent_given").check()  # "Ja": the consent fields become required
    expect(consent_date).to_have_text("(Pflichtfeld)")
    page.locator("#f-interpreter_needed").check()
    page.locator("#f-languages").fill("arabisch")
    page.get_by_role("button", name="Aufgabe abschließen").click()
    languages = page.locator("#f-languages-error")
    expect(languages).to_contain_text("„arabisch“ passt nicht. Erwartet: zweistelliger "
                                      "Sprachcode nach ISO 639-1")
    expect(languages).to_contain_text("z. B. ar für Arabisch")
    expect(page.locator("#f-consent_date-error")).to_contain_text(
        "Pflichtangabe, weil bei „Einwilligung zur Datenweitergabe erteilt“ „Ja“ gewählt ist.")
    assert live.engine.tasks.info(task_id).state == "open"
    assert [p for p in page.problems if "status of 422" not in p] == []
