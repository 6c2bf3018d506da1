"""The personal-data operations of a case over HTTP (issue 14): consent withdrawal (API and
case page form), the access report (JSON and printable page), the read log (API and the case
page section for supervisors). Refusals in the one error shape, nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine import BERLIN, Staffel
from engine.persistence.privacy_models import ConsentWithdrawal, PersonRead
from tests.web.conftest import Api, assert_error, snapshot, start_basic
from tests.web.test_pages_support import HTML, login, post


def today(eng: Staffel) -> Any:
    return eng.clock.now().astimezone(BERLIN).date()


def withdrawals(eng: Staffel) -> int:
    with eng.db.read() as s:
        return s.scalar(select(func.count()).select_from(ConsentWithdrawal)) or 0


def read_rows(eng: Staffel) -> list[tuple[str, str, str]]:
    with eng.db.read() as s:
        return [(r.actor, r.subject, r.channel)
                for r in s.scalars(select(PersonRead).order_by(PersonRead.id))]


def test_withdrawal_through_the_api_then_the_report_shows_it(api: Api,
                                                             api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    day = today(api_engine).isoformat()
    response = api.post(f"/api/v1/cases/{case.id}/consent-withdrawal", {"withdrawn_on": day},
                        as_="cw_soz")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["withdrawn_on"] == day and body["withdrawal_recorded_by"] == "cw_soz"
    assert body["given"] is None  # the basic process records no consent
    events = [e.action for e in api_engine.audit.events(case.id, limit=100)]
    assert events.count("consent_withdrawn") == 1
    again = api.post(f"/api/v1/cases/{case.id}/consent-withdrawal", {}, as_="cw_soz")
    assert_error(again, 409)
    report = api.get(f"/api/v1/cases/{case.id}/access-report", as_="cw_soz")
    assert report.status_code == 200 and report.headers["Cache-Control"] == "no-store"
    data = report.get_json()
    assert data["consent"]["withdrawn_on"] == day
    assert data["person"]["family_name"] == "Haddad"
    assert data["case"]["case_number"] == case.case_number
    assert {"team": "sozialamt", "kind": "tasks"}.items() <= data["recipients"][0].items()
    assert data["reads"][0] == {**data["reads"][0], "actor": "cw_soz",
                                "subject": "access_report", "channel": "api"}
    assert data["retention"]["days_after_closing"] == api_engine.erasure.periods.case_days
    assert data["purposes"][0]["purpose"] == "case_work"


@pytest.mark.parametrize("day", ["tomorrow", "before-case", "not-a-date", "2026-02-30", 5,
                                 "2026-13-01"])
def test_bad_days_are_422_and_nothing_is_written(api: Api, api_engine: Staffel,
                                                 day: Any) -> None:
    case = start_basic(api_engine)
    if day == "tomorrow":
        day = (today(api_engine) + timedelta(days=1)).isoformat()
    elif day == "before-case":
        day = (case.created_at.astimezone(BERLIN).date() - timedelta(days=1)).isoformat()
    before = snapshot(api_engine), withdrawals(api_engine)
    response = api.post(f"/api/v1/cases/{case.id}/consent-withdrawal", {"withdrawn_on": day},
                        as_="cw_soz")
    assert_error(response, 422, fields={"withdrawn_on"})
    assert (snapshot(api_engine), withdrawals(api_engine)) == before


@pytest.mark.parametrize(("user", "status"), [("admin", 404), ("cw_jc", 404), ("owner", 403),
                                              ("sup_jc", 404)])
def test_who_may_not_see_the_person_may_not_withdraw_or_read(
        api: Api, api_engine: Staffel, user: str, status: int) -> None:
    case = start_basic(api_engine)
    before = snapshot(api_engine), withdrawals(api_engine), read_rows(api_engine)
    assert_error(api.post(f"/api/v1/cases/{case.id}/consent-withdrawal", {}, as_=user), status)
    assert_error(api.get(f"/api/v1/cases/{case.id}/access-report", as_=user), status)
    assert_error(api.get(f"/api/v1/cases/{case.id}/reads", as_=user), status)
    assert (snapshot(api_engine), withdrawals(api_engine), read_rows(api_engine)) == before


def test_the_read_log_is_the_supervisors(api: Api, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    assert api.get(f"/api/v1/cases/{case.id}", as_="cw_soz").status_code == 200
    assert api.get(f"/api/v1/cases/{case.id}", as_="admin").status_code == 200  # no person
    assert_error(api.get(f"/api/v1/cases/{case.id}/reads", as_="cw_soz"), 403)
    response = api.get(f"/api/v1/cases/{case.id}/reads", as_="sup_soz")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [(i["actor"], i["subject"], i["channel"]) for i in items] == [
        ("cw_soz", "case", "api")]
    assert_error(api.get(f"/api/v1/cases/{case.id}/reads?limit=0", as_="sup_soz"), 422)


def test_the_case_page_section_and_form(app: Flask, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    supervisor = app.test_client()
    login(supervisor, "sup_soz")
    worker = app.test_client()
    login(worker, "cw_soz")
    worker.get(f"/cases/{case.id}", headers=HTML)
    page = supervisor.get(f"/cases/{case.id}", headers=HTML).get_data(as_text=True)
    assert "Zugriffe auf die personenbezogenen Daten" in page and 'id="reads-table"' in page
    assert "cw_soz" in page and "consent-withdrawal-form" in page
    own = worker.get(f"/cases/{case.id}", headers=HTML).get_data(as_text=True)
    assert "consent-withdrawal-form" in own and 'id="reads-table"' not in own
    assert "access-report-link" in own

    before = snapshot(api_engine), withdrawals(api_engine)
    future = (today(api_engine) + timedelta(days=3)).isoformat()
    bad = post(worker, f"/cases/{case.id}/consent-withdrawal", {"withdrawn_on": future})
    assert bad.status_code == 422
    assert "Der Tag liegt in der Zukunft." in bad.get_data(as_text=True)
    assert (snapshot(api_engine), withdrawals(api_engine)) == before

    good = post(worker, f"/cases/{case.id}/consent-withdrawal", {"withdrawn_on": ""})
    assert good.status_code == 302 and good.headers["Location"].endswith("#privacy")
    shown = worker.get(f"/cases/{case.id}", headers=HTML).get_data(as_text=True)
    assert "Einwilligung widerrufen am" in shown and "consent-withdrawal-form" not in shown
    assert withdrawals(api_engine) == 1
    twice = post(worker, f"/cases/{case.id}/consent-withdrawal", {"withdrawn_on": ""})
    assert twice.status_code == 409 and withdrawals(api_engine) == 1


def test_the_printable_access_report(app: Flask, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    worker = app.test_client()
    login(worker, "cw_soz")
    response = worker.get(f"/cases/{case.id}/access-report", headers=HTML)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Auskunft" in page and "Haddad" in page and "handover-package.css" in page
    assert "<nav" not in page and 'class="no-print package-tools"' in page
    assert "Empfänger" in page and "Zwecke und Speicherdauer" in page
    admin = app.test_client()
    login(admin, "admin")
    assert admin.get(f"/cases/{case.id}/access-report", headers=HTML).status_code == 404
    assert admin.post(f"/cases/{case.id}/consent-withdrawal").status_code in (400, 404)
    assert ("cw_soz", "access_report", "page") in read_rows(api_engine)
    assert all(actor != "admin" for actor, _s, _c in read_rows(api_engine))
