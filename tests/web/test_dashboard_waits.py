"""The dashboard's panel "Warten auf Meldungen von außen": counts per message and age in
working days, each linking to the cases behind it (case numbers only, never names), and the
same data in the API (``summary.waits``, ``GET /api/v1/supervisor/waits``)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from engine import BERLIN, Staffel
from engine.execution.tasks import end_of_working_days
from tests.conftest import START
from tests.web.conftest import Api, assert_error, start_jc, start_waiting
from tests.web.test_pages_support import HTML, login, text

LATER = datetime(2027, 3, 16, 12, tzinfo=UTC)  # 11 working days of NW after Monday 1 March


def two_waiting(engine: Staffel) -> list[str]:
    """Two Sozialamt cases waiting for the BAMF since 1 March, a Jobcenter case not waiting;
    the clock on 16 March."""
    cases = [start_waiting(engine), start_waiting(engine, "8000000-002")]
    start_jc(engine)
    engine.clock.advance(to=LATER)
    return [c.id for c in cases]


def follow_up_day() -> str:
    """The day the BAMF wait of the cases is followed up, as the pages write it."""
    return end_of_working_days(START, 60, "NW").astimezone(BERLIN).strftime("%d.%m.%Y")


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, (path, response.status_code)
    return html.unescape(text(response))


def test_only_supervisors_and_admins_get_the_waits(api: Api, api_engine: Staffel) -> None:
    path = "/api/v1/supervisor/waits"
    assert_error(api.get(path, as_=None), 401)
    for user in ("cw_soz", "cw_multi", "owner"):
        assert_error(api.get(path, as_=user), 403, "forbidden")
    for user in ("sup_soz", "admin"):
        assert api.get(path, as_=user).status_code == 200
    assert_error(api.get(f"{path}?team=jc_leistung", as_="sup_soz"), 403)
    assert_error(api.get(f"{path}?bucket=1-2", as_="admin"), 422, fields={"bucket"})


def test_the_api_lists_and_counts_the_waits_of_my_teams(api: Api, api_engine: Staffel) -> None:
    ids = two_waiting(api_engine)
    body = api.get("/api/v1/supervisor/waits?team=sozialamt", as_="sup_soz").get_json()
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 50)
    assert {i["case_id"] for i in body["items"]} == set(ids)
    first = body["items"][0]
    assert set(first) == {"case_id", "case_number", "stage", "land", "message", "label",
                          "expected_team", "since", "since_on", "age_days", "bucket",
                          "follow_up_due", "follow_up_overdue"}  # no names, no birth dates
    assert (first["message"], first["label"], first["expected_team"]) == (
        "bamf_decision", "BAMF-Bescheid", "sozialamt")
    assert (first["since_on"], first["age_days"], first["bucket"]) == ("2027-03-01", 11,
                                                                       "11-20")
    assert first["follow_up_due"] == end_of_working_days(START, 60, "NW").isoformat()
    assert first["follow_up_overdue"] is False
    filtered = api.get("/api/v1/supervisor/waits?message=bamf_decision&bucket=11-20"
                       "&per_page=1&page=2", as_="admin").get_json()
    assert (filtered["total"], len(filtered["items"])) == (2, 1)
    assert api.get("/api/v1/supervisor/waits?bucket=0-10",
                   as_="admin").get_json()["total"] == 0
    assert api.get("/api/v1/supervisor/waits?follow_up_overdue=true",
                   as_="admin").get_json()["total"] == 0
    assert api.get("/api/v1/supervisor/waits", as_="sup_jc").get_json()["total"] == 0
    summary = api.get("/api/v1/supervisor/summary", as_="sup_soz").get_json()
    assert summary["waits"] == [{
        "message": "bamf_decision", "label": "BAMF-Bescheid", "expected_team": "sozialamt",
        "counts": {"0-10": 0, "11-20": 2, "21-30": 0, ">30": 0}, "total": 2,
        "follow_up_overdue": 0}]
    assert api.get("/api/v1/supervisor/summary", as_="sup_jc").get_json()["waits"] == []


def test_the_endpoint_is_in_the_openapi_spec(api: Api) -> None:
    spec = api.get("/api/openapi.json", as_=None).get_json()
    operation = spec["paths"]["/api/v1/supervisor/waits"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"team", "message", "bucket",
                                                             "follow_up_overdue", "page"}
    assert {"200", "401", "403"} <= set(operation["responses"])


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def test_the_panel_counts_by_message_and_age_and_links_to_the_cases(
        app: Flask, client: FlaskClient, api_engine: Staffel) -> None:
    two_waiting(api_engine)
    login(client, "sup_soz")
    body = page(client, "/dashboard")
    panel = body.split('id="h-waits"')[1].split("</section>")[0]
    assert "Warten auf Meldungen von außen</h2>" in body
    assert re.search(r'data-testid="waiting-count">2<', body)
    assert "BAMF-Entscheidung" in panel and "Sozialamt" in panel
    assert "11–20 Arbeitstage" in panel and "mehr als 30 Arbeitstage" in panel
    assert 'href="/dashboard/waits?message=bamf_decision&bucket=11-20"' in panel
    assert 'href="/dashboard/waits?message=bamf_decision"' in panel
    assert "Nachfrage überfällig" in panel
    one_team = page(client, "/dashboard?team=sozialamt")
    assert 'href="/dashboard/waits?team=sozialamt&message=bamf_decision&bucket=11-20"' in one_team
    other = signed_in(app, "sup_jc")
    assert "Kein Fall wartet auf eine Meldung von außen." in page(other, "/dashboard")


def test_the_list_shows_case_numbers_dates_and_ages_but_no_names(
        app: Flask, api_engine: Staffel) -> None:
    ids = two_waiting(api_engine)
    numbers = [api_engine.cases.get(i).case_number for i in ids]
    for user in ("sup_soz", "admin"):
        viewer = signed_in(app, user)
        body = page(viewer, "/dashboard/waits?message=bamf_decision&bucket=11-20")
        listing = body.split('id="waits-list"')[1].split("</table>")[0]
        for case_id, number in zip(ids, numbers, strict=True):
            assert f'href="/cases/{case_id}">{number}</a>' in listing
        assert listing.count("BAMF-Entscheidung") == 2 and listing.count("01.03.2027") == 2
        assert listing.count(">11<") == 2 and listing.count(follow_up_day()) == 2
        assert "S1 – " in listing and "Sozialamt" in listing
        assert "Haddad" not in body and "Rana" not in body and "1990" not in body
        assert "2 Fälle" in body and "11–20 Arbeitstage" in body
    other = signed_in(app, "sup_jc")
    assert "0 Fälle" in page(other, "/dashboard/waits")
    assert other.get("/dashboard/waits?team=sozialamt", headers=HTML).status_code == 403
    worker = signed_in(app, "cw_soz")
    assert worker.get("/dashboard/waits", headers=HTML).status_code == 403


def test_the_list_filters_by_bucket_and_late_follow_up(client: FlaskClient,
                                                      api_engine: Staffel) -> None:
    two_waiting(api_engine)
    login(client, "admin")
    assert "0 Fälle" in page(client, "/dashboard/waits?bucket=0-10")
    assert "0 Fälle" in page(client, "/dashboard/waits?overdue=1")
    assert "2 Fälle" in page(client, "/dashboard/waits?bucket=nonsense")  # ignored
    assert "0 Fälle" in page(client, "/dashboard/waits?message=permit_issued")
