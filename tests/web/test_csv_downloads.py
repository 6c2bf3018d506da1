"""Every CSV download opens in a German spreadsheet: UTF-8 with BOM, ``;``, CRLF, German
headers, team names and dates on the German pages, English on the English pages and for API
callers that do not ask for German; a value that looks like a formula is never run."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient

from engine import Staffel
from tests.conftest import ENGINE_DIAGRAMS
from tests.web.conftest import Api, start_basic
from tests.web.test_dashboard_api import OVERDUE_AT
from tests.web.test_pages_support import login, post

FORMULA_TITLE = "=HYPERLINK(1) Register person"


def spreadsheet(data: bytes) -> list[list[str]]:
    """Read a download as Excel does: BOM first, ``;`` between cells, CRLF between lines."""
    assert data.startswith(b"\xef\xbb\xbf"), data[:10]
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def overdue_with_a_formula_title(engine: Staffel) -> None:
    """A process owner named a task like a formula; the case's task is overdue."""
    xml = (ENGINE_DIAGRAMS / "basic.bpmn").read_text(encoding="utf-8")
    engine.definitions.deploy({"basic.bpmn": xml.replace('name="Register person"',
                                                         f'name="{FORMULA_TITLE}"')})
    start_basic(engine)
    engine.clock.advance(to=OVERDUE_AT)


def test_overdue_csv_in_german_and_english(client: FlaskClient, api_engine: Staffel) -> None:
    overdue_with_a_formula_title(api_engine)
    login(client, "sup_soz")
    german = client.get("/dashboard/overdue.csv")
    assert german.status_code == 200
    assert german.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = spreadsheet(german.data)
    assert rows[0] == ["Fallnummer", "Team", "Aufgabe", "Fällig am", "Tage überfällig"]
    assert rows[1][1:] == ["Sozialamt (AsylbLG)", "'" + FORMULA_TITLE, "04.03.2027", "3"]
    post(client, "/language", {"lang": "en", "next": "/dashboard"})
    rows = spreadsheet(client.get("/dashboard/overdue.csv").data)
    assert rows[0] == ["case_number", "team", "task", "due_on", "days_overdue"]
    assert rows[1][1:] == ["Social welfare office (AsylbLG)", "'" + FORMULA_TITLE,
                           "2027-03-04", "3"]


def test_statistics_csv_page_and_api(client: FlaskClient, api: Api,
                                     api_engine: Staffel) -> None:
    overdue_with_a_formula_title(api_engine)
    login(client, "admin")
    page = spreadsheet(client.get("/dashboard/statistics.csv?min_count=1").data)
    assert page[0] == ["Kennzahl", "Zeitraum von", "Zeitraum bis", "Gruppe", "Anzahl",
                       "unterdrückt"]
    assert ["Überfällige Aufgaben je Team", "09.03.2027", "09.03.2027", "Sozialamt (AsylbLG)",
            "1", "0"] in page
    plain = api.get("/api/v1/statistics.csv?min_count=1")
    assert plain.headers["Content-Language"] == "en"
    rows = spreadsheet(plain.data)
    assert rows[0] == ["metric", "period_start", "period_end", "group", "count", "suppressed"]
    assert ["overdue_tasks", "2027-03-09", "2027-03-09", "Social welfare office (AsylbLG)",
            "1", "0"] in rows
    german = api.client.get("/api/v1/statistics.csv?min_count=1", headers={
        **api.headers("admin"), "Accept-Language": "de-DE,de;q=0.9"})
    assert spreadsheet(german.data) == page
    english_first = api.client.get("/api/v1/statistics.csv?min_count=1", headers={
        **api.headers("admin"), "Accept-Language": "en-GB,en;q=0.9,de;q=0.5"})
    assert spreadsheet(english_first.data) == rows


def test_the_english_page_gives_the_english_statistics(client: FlaskClient,
                                                       api_engine: Staffel) -> None:
    overdue_with_a_formula_title(api_engine)
    login(client, "admin")
    post(client, "/language", {"lang": "en", "next": "/dashboard"})
    response = client.get("/dashboard/statistics.csv?min_count=1")
    assert response.headers["Content-Language"] == "en"
    assert spreadsheet(response.data)[0][0] == "metric"
