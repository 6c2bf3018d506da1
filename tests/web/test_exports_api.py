"""Outbound over HTTP and the CLI: the handover package (JSON and printable page), the .ics
invitation, the statistics CSV; who may fetch what (404 for other teams), bad input, and the
links on the case view and the dashboard."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from engine import Staffel
from tests.adapters.handover_cases import course_handover, resettlement_handover
from tests.lifecycle.helpers import BPMN_DIR, REGISTRATION_NO_CONSENT
from tests.web.conftest import FAST_HASHER, PASSWORD, Api, assert_error, snapshot
from tests.web.test_pages_support import HTML, login, text
from web import create_app
from web.cli import main

USERS: dict[str, tuple[list[str], list[str]]] = {
    "cw_eingangszone": (["caseworker"], ["eingangszone"]),  # sends the handover
    "cw_jc_leistung": (["caseworker"], ["jc_leistung"]),  # receives it
    "cw_sozialamt": (["caseworker"], ["sozialamt"]),  # another team
    "sup_jc": (["supervisor"], ["jc_leistung"]),
    "sup_soz": (["supervisor"], ["sozialamt"]),
    "owner": (["process_owner"], []),
    "admin": (["admin"], []),
    "cw_jc_vermittlung": (["caseworker"], ["jc_vermittlung"]),  # sends to the course provider
}
ALLOWED = ("cw_eingangszone", "cw_jc_leistung", "sup_jc")
HIDDEN = ("cw_sozialamt", "sup_soz", "admin")  # admins see no person's data


@pytest.fixture
def life(make_engine: Callable[..., Staffel]) -> Staffel:
    eng = make_engine()
    eng.context.password_hasher = FAST_HASHER
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    for username, (roles, teams) in USERS.items():
        eng.people.add(username, PASSWORD, roles, teams)
    eng.people.set_email("cw_eingangszone", "ez@stadt.example")
    eng.people.set_email("cw_jc_leistung", "jc@jobcenter.example")
    return eng


@pytest.fixture
def life_app(life: Staffel) -> Flask:
    return create_app({"ENGINE": life, "DEPLOY_ON_START": False, "TESTING": True,
                       "SECRET_KEY": "test", "INTERPRETER_EMAIL": "dolmetscher@stadt.example"})


@pytest.fixture
def life_api(life_app: Flask, life: Staffel) -> Api:
    tokens = {name: life.people.issue_token(name).token for name in USERS}
    return Api(life_app.test_client(), tokens)


def shared_events(eng: Staffel, case_id: str) -> list[Any]:
    return [e for e in eng.audit.events(case_id) if e.action == "handover_package_shared"]


def test_package_authz_matrix_and_audit(life_api: Api, life: Staffel) -> None:
    case_id, hid = resettlement_handover(life)
    path = f"/api/v1/handovers/{hid}/package"
    for user in ALLOWED:
        response = life_api.get(path, as_=user)
        assert response.status_code == 200, (user, response.get_data(as_text=True))
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_json()
        assert body["data"]["identity"]["family_name"] == "Haddad"
        assert body["handover"]["id"] == hid and body["shared"] is True
    events = shared_events(life, case_id)
    assert [e.actor for e in events] == list(ALLOWED)
    assert all(e.details["to_team"] == "jc_leistung" and "family_name" in e.details["fields"]
               for e in events)
    assert "Haddad" not in str([e.details for e in events])
    before = snapshot(life)
    for user in HIDDEN:
        assert_error(life_api.get(path, as_=user), 404, "not_found")
    assert_error(life_api.get(path, as_="owner"), 403, "forbidden")
    assert_error(life_api.get(path, as_=None), 401)
    assert snapshot(life) == before  # nothing recorded for refused requests


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "424242", "99999999999999999999", "1.5",
                                 "%00"])
def test_bad_handover_ids_are_404_and_change_nothing(life_api: Api, life: Staffel,
                                                     bad: str) -> None:
    resettlement_handover(life)
    before = snapshot(life)
    assert_error(life_api.get(f"/api/v1/handovers/{bad}/package", as_="admin"), 404)
    assert_error(life_api.get(f"/api/v1/handovers/{bad}/appointment.ics", as_="admin"), 404)
    assert snapshot(life) == before


def test_bad_format_is_422_and_changes_nothing(life_api: Api, life: Staffel) -> None:
    _case, hid = resettlement_handover(life)
    before = snapshot(life)
    assert_error(life_api.get(f"/api/v1/handovers/{hid}/package?format=pdf",
                              as_="cw_jc_leistung"), 422, "invalid_input", fields={"format"})
    assert snapshot(life) == before


def test_printable_package_and_the_consent_rule(life_api: Api, life: Staffel) -> None:
    case_id, hid = course_handover(life, registration=REGISTRATION_NO_CONSENT)
    first = life.handovers.record(hid)
    assert first.handover.to_team == "kurstraeger"
    response = life_api.get(f"/api/v1/handovers/{hid}/package?format=html",
                            as_="cw_jc_vermittlung")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = text(response)
    assert "Übergabepaket" in page and "Es werden keine Daten übermittelt." in page
    assert "Art. 6 Abs. 1 lit. a DSGVO" in page and "Haddad" not in page
    assert "keine Einwilligung für diese Stelle erfasst" in page
    body = life_api.get(f"/api/v1/handovers/{hid}/package",
                        as_="cw_jc_vermittlung").get_json()
    assert body["shared"] is False and body["reason"] == "no_consent" and body["fields"] == []
    formats = [(e.details["format"], e.details["fields"]) for e in shared_events(life, case_id)]
    assert formats == [("html", []), ("json", [])]


def test_the_ics_invitation_over_the_api(life_api: Api, life: Staffel) -> None:
    _case, hid = resettlement_handover(life)
    for user in ALLOWED:
        response = life_api.get(f"/api/v1/handovers/{hid}/appointment.ics", as_=user)
        assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    attendees = [str(a).removeprefix("mailto:") for a in event["ATTENDEE"]]
    assert attendees == ["ez@stadt.example", "jc@jobcenter.example",
                         "dolmetscher@stadt.example"]
    assert "Haddad" not in response.get_data(as_text=True)
    for user in HIDDEN:
        assert_error(life_api.get(f"/api/v1/handovers/{hid}/appointment.ics", as_=user), 404)


def spreadsheet(data: bytes) -> list[dict[str, str]]:
    """A CSV download read as a German spreadsheet does: UTF-8 with BOM, ``;``."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                               delimiter=";"))


def test_statistics_csv_for_supervisors_and_admins(life_api: Api, life: Staffel) -> None:
    case_id, _hid = resettlement_handover(life, acknowledge=False)
    for user in ("sup_jc", "admin"):
        response = life_api.get("/api/v1/statistics.csv?min_count=1", as_=user)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        table = spreadsheet(response.data)  # no Accept-Language: English, stable for programs
        by_key = {(r["metric"], r["group"]): r["count"] for r in table}
        assert by_key[("cases_per_stage", "S3e")] == "1"
    assert {r["group"] for r in table if r["metric"] == "overdue_tasks"} >= {
        "Social welfare office (AsylbLG)"}
    german = life_api.client.get("/api/v1/statistics.csv?min_count=1", headers={
        **life_api.headers("admin"), "Accept-Language": "de-DE,de;q=0.9,en;q=0.8"})
    assert german.headers["Content-Language"] == "de"
    assert {r["Gruppe"] for r in spreadsheet(german.data)
            if r["Kennzahl"] == "Überfällige Aufgaben je Team"} >= {"Sozialamt (AsylbLG)"}
    supervisor = life_api.get("/api/v1/statistics.csv", as_="sup_jc").get_data(as_text=True)
    assert "Social welfare" not in supervisor  # his teams only
    assert "Haddad" not in supervisor and life.cases.get(case_id).case_number not in supervisor
    assert_error(life_api.get("/api/v1/statistics.csv", as_="cw_jc_leistung"), 403)
    assert_error(life_api.get("/api/v1/statistics.csv", as_="owner"), 403)
    before = snapshot(life)
    assert_error(life_api.get("/api/v1/statistics.csv?weeks=0", as_="admin"), 422,
                 fields={"weeks"})
    assert_error(life_api.get("/api/v1/statistics.csv?min_count=abc", as_="admin"), 422,
                 fields={"min_count"})
    assert snapshot(life) == before


def test_case_view_links_and_the_printable_page(life_app: Flask, life: Staffel) -> None:
    case_id, hid = resettlement_handover(life)
    client: FlaskClient = life_app.test_client()
    login(client, "cw_jc_leistung")
    page = text(client.get(f"/cases/{case_id}", headers=HTML))
    assert f'href="/handovers/{hid}/package"' in page
    assert f'href="/handovers/{hid}/appointment.ics"' in page
    assert "Übergabepaket (Druckansicht)" in page
    printable = client.get(f"/handovers/{hid}/package", headers=HTML)
    assert printable.status_code == 200
    body = text(printable)
    assert "Haddad" in body and "§69 Abs. 1 Nr. 1 SGB X" in body
    assert "Nicht in diesem Paket" in body and "Zurück zum Fall" in body
    assert "handover-package.css" in body
    ics = client.get(f"/handovers/{hid}/appointment.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert [e.actor for e in shared_events(life, case_id)] == ["cw_jc_leistung"]
    other: FlaskClient = life_app.test_client()
    login(other, "cw_eingangszone")
    assert other.get(f"/handovers/{hid}/package", headers=HTML).status_code == 200
    stranger: FlaskClient = life_app.test_client()
    login(stranger, "sup_soz")
    assert stranger.get(f"/handovers/{hid}/package", headers=HTML).status_code == 404
    assert stranger.get(f"/handovers/{hid}/appointment.ics").status_code == 404
    assert stranger.get("/handovers/abc/package", headers=HTML).status_code == 404


def test_dashboard_link_and_download(life_app: Flask, life: Staffel) -> None:
    resettlement_handover(life)
    client: FlaskClient = life_app.test_client()
    login(client, "sup_jc")
    page = text(client.get("/dashboard", headers=HTML))
    assert 'href="/dashboard/statistics.csv"' in page
    assert "Statistik ohne personenbezogene Daten herunterladen (CSV)" in page
    download = client.get("/dashboard/statistics.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.data.startswith("\ufeffKennzahl;Zeitraum von;".encode())
    assert "Fälle je Phase" in {r["Kennzahl"] for r in spreadsheet(download.data)}
    bad = client.get("/dashboard/statistics.csv?weeks=500", headers=HTML)
    assert bad.status_code == 422 and "weeks" in text(bad)
    assert client.get("/dashboard/statistics.csv?min_count=x", headers=HTML).status_code == 422
    worker: FlaskClient = life_app.test_client()
    login(worker, "cw_jc_leistung")
    assert worker.get("/dashboard/statistics.csv", headers=HTML).status_code == 403


def test_cli_export_statistics(life: Staffel, database_url: str, tmp_path: Path) -> None:
    resettlement_handover(life)
    runner = CliRunner()
    out = tmp_path / "stats.csv"
    result = runner.invoke(main, ["export", "statistics", "--database-url", database_url,
                                  "--out", str(out), "--min-count", "1"])
    assert result.exit_code == 0, result.output
    assert "statistics written to" in result.output
    content = out.read_bytes().decode("utf-8")
    assert content.startswith(
        "\ufeffKennzahl;Zeitraum von;Zeitraum bis;Gruppe;Anzahl;unterdrückt\r\n")
    assert "Fälle je Phase" in content and "Haddad" not in content
    stdout = runner.invoke(main, ["export", "statistics", "--database-url", database_url,
                                  "--team", "jc_leistung", "--lang", "en"])
    assert stdout.exit_code == 0 and "overdue_tasks;" in stdout.output
    assert stdout.output.startswith("\ufeffmetric;period_start;period_end;group;count;")
    for args, needle in ((["--weeks", "0"], "weeks"), (["--min-count", "0"], "min_count"),
                         (["--team", "nope"], "unknown team"), (["--lang", "fr"], "--lang"),
                         (["--out", str(tmp_path / "missing" / "x.csv")], "does not exist")):
        bad = runner.invoke(main, ["export", "statistics", "--database-url", database_url,
                                   *args])
        assert bad.exit_code == 2 and needle in bad.output, (args, bad.output)
    assert not (tmp_path / "missing").exists()
