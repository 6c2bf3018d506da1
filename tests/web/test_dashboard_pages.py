"""The dashboard pages: who may open them, numbers and their drill-down links, the overdue list
with bulk reassignment, the CSV export (no personal data), case lists and the diagram."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from adapters.csv_export import safe_text
from adapters.notify_console import ConsoleNotifier
from engine import Staffel
from tests.conftest import ENGINE_DIAGRAMS
from tests.web.conftest import PERSON, start_basic, start_jc
from tests.web.test_dashboard_api import setup_overdue
from tests.web.test_pages_support import HTML, login, post, text
from web import create_app
from web.pages.dashboard import overdue_csv

ROWS = re.compile(r'<tr id="overdue-([0-9a-f-]+)"')


def as_user(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, (path, response.status_code)
    return html.unescape(text(response))


def test_only_supervisors_and_admins_open_the_dashboard(client: FlaskClient) -> None:
    anonymous = client.get("/dashboard", headers=HTML)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(client, "cw_soz")
    assert client.get("/dashboard", headers=HTML).status_code == 403
    assert client.get("/dashboard/overdue.csv", headers=HTML).status_code == 403
    assert client.get("/dashboard/process/basic.bpmn", headers=HTML).status_code == 403
    assert 'href="/dashboard"' not in page(client, "/inbox")


def test_the_supervisor_sees_his_numbers_and_links_to_the_tasks(
        client: FlaskClient, api_engine: Staffel) -> None:
    setup_overdue(api_engine)
    login(client, "sup_soz")
    body = page(client, "/dashboard")
    assert 'href="/dashboard"' in body  # the navigation link
    assert re.search(r'data-testid="overdue-count">2<', body)
    assert 'href="/dashboard/overdue?team=sozialamt&bucket=3-5"' in body
    assert 'href="/dashboard/overdue?process=basic&task=Task_register&bucket=3-5"' in body
    assert 'href="/inbox?scope=team&type=Task_register"' in body  # heatmap table
    assert 'data-xml-url="/dashboard/process/basic.bpmn"' in body
    assert "Jobcenter" not in body.split('id="h-overdue"')[1].split("</section>")[0]
    assert 'href="/dashboard/cases?stage=S1"' in body
    assert 'id="dashboard-data"' in body and "chart.umd.min.js" in body
    one_team = page(client, "/dashboard?team=sozialamt")
    assert re.search(r'data-testid="overdue-count">2<', one_team)
    assert client.get("/dashboard?team=jc_leistung", headers=HTML).status_code == 403
    xml = client.get("/dashboard/process/basic.bpmn", headers=HTML)
    assert xml.status_code == 200 and b"Task_register" in xml.data
    assert client.get("/dashboard/process/nope.bpmn", headers=HTML).status_code == 404


def test_the_overdue_list_reassigns_in_bulk(app: Flask, client: FlaskClient,
                                            api_engine: Staffel) -> None:
    ids = setup_overdue(api_engine)
    login(client, "sup_soz")
    body = page(client, "/dashboard/overdue?team=sozialamt")
    assert sorted(ROWS.findall(body)) == sorted([ids["soz1"], ids["soz2"]])
    assert 'action="/inbox/assign"' in body and '<option value="cw_soz">' in body
    back = "/dashboard/overdue?team=sozialamt"
    done = post(client, "/inbox/assign", {"task_ids": [ids["soz1"], ids["soz2"]],
                                          "assignee": "cw_soz2", "next": back})
    assert done.status_code == 302 and done.headers["Location"] == back
    assert {api_engine.tasks.info(ids[k]).assignee for k in ("soz1", "soz2")} == {"cw_soz2"}
    after = page(client, back)
    assert after.count('<td class="assignee">cw_soz2</td>') == 2
    assert ROWS.findall(page(client, "/dashboard/overdue?bucket=1-2")) == []
    assert ROWS.findall(page(client, "/dashboard/overdue?min_days=4")) == []
    admin = as_user(app, "admin")
    assert len(ROWS.findall(page(admin, "/dashboard/overdue"))) == 3
    assert 'id="bulk-assign"' not in page(admin, "/dashboard/overdue")  # admins do not assign


def read_csv(data: bytes) -> list[list[str]]:
    """A download as a German spreadsheet reads it: UTF-8 with BOM, ``;``."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_csv_has_no_personal_data(app: Flask, client: FlaskClient,
                                      api_engine: Staffel) -> None:
    setup_overdue(api_engine)
    api_engine.tasks.claim(api_engine.supervision.overdue_tasks()[0].task_id, "cw_soz")
    login(client, "admin")
    response = client.get("/dashboard/overdue.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Language"] == "de"
    assert response.headers[
        "Content-Disposition"] == 'attachment; filename="overdue-2027-03-09.csv"'
    content = response.get_data(as_text=True)
    rows = read_csv(response.data)
    numbers = {c.case_number for c in api_engine.cases.list().items}
    assert rows[0] == ["Fallnummer", "Team", "Aufgabe", "Fällig am", "Tage überfällig"]
    assert all(len(r) == 5 for r in rows) and content.count("\r\n") == len(rows)
    assert {r[0] for r in rows[1:]} == numbers
    assert sorted((r[1], r[2], r[3], r[4]) for r in rows[1:]) == [
        ("Jobcenter Leistungssachbearbeitung", "Acknowledge handover", "08.03.2027", "1"),
        ("Sozialamt (AsylbLG)", "Register person", "04.03.2027", "3"),
        ("Sozialamt (AsylbLG)", "Register person", "04.03.2027", "3")]
    for secret in (PERSON["family_name"], PERSON["given_name"], "cw_soz", "8123456"):
        assert secret not in content
    only_jc = client.get("/dashboard/overdue.csv?team=jc_leistung").get_data(as_text=True)
    assert only_jc.count("\r\n") == 2
    supervisor = as_user(app, "sup_soz")
    assert supervisor.get("/dashboard/overdue.csv?team=jc_leistung").status_code == 403
    # the English page gives English headers, team names and ISO dates
    post(client, "/language", {"lang": "en", "next": "/dashboard"})
    english = client.get("/dashboard/overdue.csv")
    assert english.headers["Content-Language"] == "en"
    rows = read_csv(english.data)
    assert rows[0] == ["case_number", "team", "task", "due_on", "days_overdue"]
    assert ("Social welfare office (AsylbLG)", "Register person", "2027-03-04", "3") in {
        (r[1], r[2], r[3], r[4]) for r in rows[1:]}


def test_csv_cells_are_never_formulas() -> None:
    assert [safe_text(v) for v in ("=1+1", "+x", "-2", "@a", "ST-1", None, 3)] == [
        "'=1+1", "'+x", "'-2", "'@a", "ST-1", "", "3"]
    assert overdue_csv([], "de") == (
        "\ufeffFallnummer;Team;Aufgabe;Fällig am;Tage überfällig\r\n".encode())
    assert overdue_csv([], "en") == "\ufeffcase_number;team;task;due_on;days_overdue\r\n".encode()


def test_case_lists_behind_stage_and_week_counts(app: Flask, client: FlaskClient,
                                                api_engine: Staffel) -> None:
    soz = start_basic(api_engine)
    job = start_jc(api_engine)
    login(client, "sup_soz")
    stage = page(client, "/dashboard/cases?stage=S1")
    assert soz.case_number in stage and job.case_number not in stage
    week = page(client, "/dashboard/cases?week=2027-03-01&kind=new")
    assert soz.case_number in week and job.case_number not in week  # not his team's case
    admin = as_user(app, "admin")
    assert job.case_number in page(admin, "/dashboard/cases?week=2027-03-01")
    assert client.get("/dashboard/cases", headers=HTML).status_code == 404


def test_the_app_factory_wires_the_notifier(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wired.db'}"
    app = create_app({"DATABASE_URL": url, "DEPLOY_ON_START": False, "SECRET_KEY": "x"})
    assert isinstance(app.extensions["staffel"].context.notifier, ConsoleNotifier)
    app = create_app({"DATABASE_URL": url, "DEPLOY_ON_START": False, "SECRET_KEY": "x",
                      "NOTIFIER": "none"})
    assert app.extensions["staffel"].context.notifier is None


def test_reminders_go_out_through_the_wired_notifier(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'wired.db'}", "CLOCK": "simulated",
                      "DEPLOY_ON_START": False, "SECRET_KEY": "x"})
    built: Staffel = app.extensions["staffel"]
    built.definitions.deploy_directory(ENGINE_DIAGRAMS)
    start_basic(built)
    built.clock.advance(to=built.clock.now() + timedelta(days=14))
    notifier = built.context.notifier
    assert isinstance(notifier, ConsoleNotifier)
    notifier.stream = io.StringIO()
    assert built.supervision.send_reminders().sent == 1
    assert "to team:sozialamt" in notifier.stream.getvalue()
