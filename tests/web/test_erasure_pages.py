"""The erasure pages: the team lead's request form on the case, the administrators' list of
pending requests (case numbers, never names) with approve / reject, in German; bad input gives
the field error and changes nothing."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.web.conftest import PASSWORD, snapshot, start_basic
from tests.web.test_erasure_api import ended_case
from tests.web.test_pages_support import HTML, login, post, text


def test_a_team_lead_requests_and_an_administrator_approves(
        client: FlaskClient, app: Flask, api_engine: Staffel) -> None:
    case_id = ended_case(api_engine)
    login(client, "sup_soz")
    case_page = text(client.get(f"/cases/{case_id}", headers=HTML))
    assert 'id="erasure-link"' in case_page
    assert "Löschung der personenbezogenen Daten beantragen" in case_page
    form = client.get(f"/cases/{case_id}/erasure", headers=HTML)
    assert form.status_code == 200 and 'id="erasure-request-form"' in text(form)
    sent = post(client, f"/cases/{case_id}/erasure", {"reason": "Antrag nach Art. 17"})
    assert sent.status_code == 302
    assert [r.reason for r in api_engine.erasure.pending()] == ["Antrag nach Art. 17"]

    client = app.test_client()  # another browser
    login(client, "admin")
    listing = client.get("/admin/erasure", headers=HTML)
    body = text(listing)
    assert listing.status_code == 200 and "Löschanträge" in body
    assert "Antrag nach Art. 17" in body and "sup_soz" in body
    assert "Haddad" not in body and "1990-04-12" not in body and "8000000-009" not in body
    request_id = api_engine.erasure.pending()[0].id
    done = post(client, f"/admin/erasure/{request_id}/approve", {"note": ""})
    assert done.status_code == 302
    assert api_engine.cases.get(case_id).person == {}
    after = text(client.get("/admin/erasure", headers=HTML))
    assert "Keine offenen Anträge." in after
    assert "die personenbezogenen Daten sind gelöscht" in after
    lead = app.test_client()
    login(lead, "sup_soz")
    erased = lead.get(f"/cases/{case_id}", headers=HTML)
    assert erased.status_code == 200 and "Haddad" not in text(erased)
    assert 'id="erased-note"' in text(erased) and 'id="erasure-link"' not in text(erased)
    assert "gelöscht am" in text(lead.get(f"/cases/{case_id}/erasure", headers=HTML))


def test_bad_reasons_show_the_field_error_and_change_nothing(
        client: FlaskClient, api_engine: Staffel) -> None:
    case_id = ended_case(api_engine)
    login(client, "sup_soz")
    for reason, message in (("", "Geben Sie einen Grund an."), ("x" * 600, "höchstens 500"),
                            ("Haddad möchte es", "darf weder Namen")):
        before = snapshot(api_engine)
        response = post(client, f"/cases/{case_id}/erasure", {"reason": reason})
        assert response.status_code == 422
        assert 'aria-invalid="true"' in text(response)
        assert message in text(response)
        assert snapshot(api_engine) == before and api_engine.erasure.pending() == []


def test_a_running_case_and_four_eyes_are_refused_in_german(
        client: FlaskClient, api_engine: Staffel) -> None:
    running = start_basic(api_engine, "8000000-011")
    api_engine.people.add("sup_admin", PASSWORD, ["supervisor", "admin"], ["sozialamt"])
    login(client, "sup_admin")
    refused = post(client, f"/cases/{running.id}/erasure", {"reason": "Grund"})
    assert refused.status_code == 409 and "der Fall läuft noch" in text(refused)
    case_id = ended_case(api_engine)
    assert post(client, f"/cases/{case_id}/erasure", {"reason": "Grund"}).status_code == 302
    request_id = api_engine.erasure.pending()[0].id
    before = snapshot(api_engine)
    own = post(client, f"/admin/erasure/{request_id}/approve", {"note": ""})
    assert own.status_code == 409 and "Vier-Augen-Prinzip" in text(own)
    assert snapshot(api_engine) == before and api_engine.cases.get(case_id).person


def test_who_may_see_the_pages(client: FlaskClient, app: Flask, api_engine: Staffel) -> None:
    case_id = ended_case(api_engine)
    login(client, "cw_soz")  # a caseworker of the case's team: no link, no form
    assert 'id="erasure-link"' not in text(client.get(f"/cases/{case_id}", headers=HTML))
    assert client.get(f"/cases/{case_id}/erasure", headers=HTML).status_code == 403
    assert client.get("/admin/erasure", headers=HTML).status_code == 404
    client = app.test_client()
    login(client, "sup_jc")  # a team lead of another team: the case does not exist for him
    assert client.get(f"/cases/{case_id}/erasure", headers=HTML).status_code == 404
    assert post(client, f"/cases/{case_id}/erasure", {"reason": "x"}).status_code == 404
    assert api_engine.erasure.pending() == []
