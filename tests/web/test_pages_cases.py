"""The case list with search and "Fall anlegen" (issue 12, part 4): search by number,
Aktenzeichen, name (umlaut-tolerant) and date of birth, scoped to the user's teams; admins by
number only and without names; registration with the API's validation, a duplicate warning,
then straight to the first task; bad input is 422 next to the field and writes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.web.conftest import snapshot
from tests.web.test_pages_support import HTML, login, post, text

SOZ_PERSON = {"family_name": "Özdemir", "given_name": "Gül", "birth_date": "1988-02-29",
              "nationality": "TR", "languages": ["tr"]}
FORM = {"family_name": "Haddad", "given_name": "Rana", "birth_date": "1990-04-12",
        "nationality": "SY", "languages": "ar, ku", "interpreter_needed": "true",
        "entry": "asylum", "land": "NW", "bamf_aktenzeichen": "8123456-423"}


def words(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def numbers(response: Any) -> list[str]:
    table = text(response).split('id="case-results"')[-1]
    return re.findall(r'class="mono">(ST-[^<]+)</a>', table)


@pytest.fixture
def cases(api_engine: Staffel) -> dict[str, Any]:
    """Three cases the Sozialamt works on (basic: its task is open) and one nobody of the
    Sozialamt has seen (process ``parent``: a Jobcenter task)."""
    eng = api_engine

    def tick() -> str:  # each case a minute after the one before: a stable order
        eng.clock.advance(by=timedelta(minutes=1))
        return "t"

    found = {
        "haddad": eng.cases.start({"family_name": "Haddad", "given_name": "Rana",
                                   "birth_date": "1990-04-12"}, "NW", "asylum", "8123456-423",
                                  process_key="basic", actor=tick()),
        "oezdemir": eng.cases.start(SOZ_PERSON, "BE", "asylum", "7000001-163",
                                    process_key="basic", actor=tick()),
        "mueller": eng.cases.start({"family_name": "Müller-Lüdenscheidt", "given_name": "Jörg",
                                    "birth_date": "1975-01-01"}, "BY", "asylum", None,
                                   process_key="basic", actor=tick()),
        "jc": eng.cases.start({"family_name": "Haddad", "given_name": "Omar",
                               "birth_date": "1990-04-12"}, "NW", "resettlement",
                              process_key="parent", data={"decision_date": "2027-01-31"},
                              actor=tick()),
    }
    return {k: v.case_number for k, v in found.items()}


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ["mueller", "oezdemir", "haddad"]),                 # newest first, own teams only
    ({"q": "oezdemir"}, ["oezdemir"]),                        # ö written as oe
    ({"q": "ÖZDEMİR gül"}, ["oezdemir"]),                     # case and accents do not matter
    ({"q": "Mueller Luedenscheidt"}, ["mueller"]),            # hyphen as blank, ü as ue
    ({"q": "joerg"}, ["mueller"]),                            # given name alone
    ({"q": "7000001-163"}, ["oezdemir"]),                     # the Aktenzeichen (whole)
    ({"q": "7000001"}, []),                                   # not a part: it is encrypted
    ({"q": "8123456 - 423"}, ["haddad"]),                     # blanks in the Az do not matter
    ({"born": "29.02.1988"}, ["oezdemir"]),                   # German date
    ({"born": "1990-04-12"}, ["haddad"]),                     # ISO date; Omar's case is the JC's
    ({"q": "haddad", "born": "12.04.1990"}, ["haddad"]),
    ({"q": "nobody"}, []),
], ids=lambda v: str(v))
def test_search_by_number_name_and_birth_date(client: FlaskClient, cases: dict[str, str],
                                              query: dict[str, str],
                                              expected: list[str]) -> None:
    login(client, "cw_soz")
    answer = client.get("/cases", query_string=query, headers=HTML)
    assert answer.status_code == 200
    assert numbers(answer) == [cases[k] for k in expected]


def test_the_number_search_finds_the_case_number(client: FlaskClient,
                                                 cases: dict[str, str]) -> None:
    login(client, "cw_soz")
    answer = client.get("/cases", query_string={"q": cases["haddad"].lower()}, headers=HTML)
    assert numbers(answer) == [cases["haddad"]]


def test_names_are_shown_to_the_team_and_never_to_admins(app: Flask, client: FlaskClient,
                                                         cases: dict[str, str]) -> None:
    login(client, "cw_soz")
    page = words(client.get("/cases", headers=HTML))
    assert "Özdemir, Gül" in page and "29.02.1988" in page
    client = app.test_client()
    login(client, "admin")
    answer = client.get("/cases", headers=HTML)
    assert sorted(numbers(answer)) == sorted(cases.values())  # all cases
    html = text(answer)
    for secret in ("Özdemir", "Haddad", "Rana", "1990", "29.02.1988", 'name="born"'):
        assert secret not in html
    # admins cannot search by name or Aktenzeichen either: those find nothing, a number does
    assert numbers(client.get("/cases", query_string={"q": "Haddad"}, headers=HTML)) == []
    assert numbers(client.get("/cases", query_string={"q": "7000001"}, headers=HTML)) == []
    assert numbers(client.get("/cases", query_string={"q": cases["oezdemir"]},
                              headers=HTML)) == [cases["oezdemir"]]


def test_a_bad_birth_date_is_named_and_roles_without_cases_get_403(
        app: Flask, client: FlaskClient, cases: dict[str, str]) -> None:
    login(client, "cw_soz")
    answer = client.get("/cases", query_string={"born": "31.02.1990"}, headers=HTML)
    assert answer.status_code == 200 and 'id="search-born-error"' in text(answer)
    client = app.test_client()
    login(client, "owner")
    assert client.get("/cases", headers=HTML).status_code == 403


def test_the_eingangszone_registers_a_case(client: FlaskClient, api_engine: Staffel) -> None:
    login(client, "cw_ez")
    form = client.get("/cases/new", headers=HTML)
    assert form.status_code == 200
    page = words(form)
    for label in ("Familienname", "Vorname", "Geburtsdatum", "Asyl", "Resettlement",
                  "Nordrhein-Westfalen", "BAMF-Aktenzeichen"):
        assert label in page, label
    done = post(client, "/cases/new", FORM)
    assert done.status_code == 302
    (case,) = api_engine.cases.list().items
    assert case.person == {"family_name": "Haddad", "given_name": "Rana",
                           "birth_date": "1990-04-12", "nationality": "SY",
                           "languages": ["ar", "ku"], "interpreter_needed": True}
    assert (case.land, case.entry, case.bamf_aktenzeichen) == ("NW", "asylum", "8123456-423")
    # basic's first task is the Sozialamt's: the Eingangszone is told where the case went
    assert done.location.endswith("/cases")
    assert f"Fall {case.case_number} angelegt. Die erste Aufgabe liegt bei: Sozialamt" in \
        words(client.get("/cases", headers=HTML))


def test_a_team_lead_goes_straight_to_the_first_task(client: FlaskClient,
                                                     api_engine: Staffel) -> None:
    login(client, "sup_soz")
    done = post(client, "/cases/new", FORM)
    (case,) = api_engine.cases.list().items
    assert done.location.endswith(f"/tasks/{case.open_tasks[0].id}")


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"family_name": ""}, "family_name", "Bitte füllen Sie dieses Feld aus."),
    ({"birth_date": "31.02.1990"}, "birth_date", "Bitte geben Sie ein gültiges Datum ein."),
    ({"land": "XX"}, "land", "Bitte wählen Sie eine der angebotenen Möglichkeiten."),
    ({"entry": ""}, "entry", "Bitte füllen Sie dieses Feld aus."),
    ({"bamf_aktenzeichen": "12"}, "bamf_aktenzeichen", "Bitte geben Sie 3 bis 40 Zeichen ein."),
    ({"given_name": "x" * 201}, "given_name", "Bitte geben Sie 1 bis 200 Zeichen ein."),
], ids=["no family name", "impossible date", "unknown Land", "no entry", "short Az",
        "long name"])
def test_bad_input_is_422_next_to_the_field_and_writes_nothing(
        client: FlaskClient, api_engine: Staffel, change: dict[str, str], field: str,
        reason: str) -> None:
    login(client, "cw_ez")
    before = snapshot(api_engine)
    answer = post(client, "/cases/new", {**FORM, **change})
    assert answer.status_code == 422
    html = text(answer)
    assert f'href="#f-{field}"' in html and reason in html
    assert f'id="f-{field}-error"' in html
    assert snapshot(api_engine) == before
    assert 'value="Rana"' in html or field == "given_name"  # what was typed stays


def test_a_possible_duplicate_is_shown_and_registered_only_when_confirmed(
        client: FlaskClient, api_engine: Staffel, cases: dict[str, str]) -> None:
    login(client, "sup_soz")
    before = snapshot(api_engine)
    same_person = {**FORM, "family_name": "HADDAD", "bamf_aktenzeichen": "9999999-999"}
    answer = post(client, "/cases/new", same_person)
    assert answer.status_code == 409
    page = words(answer)
    assert "Diese Person hat vielleicht schon einen Fall" in page
    assert cases["haddad"] in page and "Haddad, Rana" in page
    # Omar Haddad has the same birth date but another given name: no duplicate
    assert cases["jc"] not in page
    assert snapshot(api_engine) == before
    same_az = post(client, "/cases/new", {**FORM, "family_name": "Other",
                                          "bamf_aktenzeichen": "7000001 -163"})
    assert same_az.status_code == 409 and cases["oezdemir"] in words(same_az)
    assert snapshot(api_engine) == before
    done = post(client, "/cases/new", {**same_person, "confirm_duplicate": "yes"})
    assert done.status_code == 302
    assert api_engine.cases.list().total == len(cases) + 1


def test_the_same_aktenzeichen_is_a_duplicate_and_hides_names_of_other_teams(
        client: FlaskClient, api_engine: Staffel, cases: dict[str, str]) -> None:
    login(client, "cw_ez")  # the Eingangszone has no task on these basic cases
    answer = post(client, "/cases/new", {**FORM, "family_name": "Other",
                                         "bamf_aktenzeichen": "8123456-423"})
    assert answer.status_code == 409
    page = words(answer)
    assert cases["haddad"] in page and "Haddad" not in page.replace("Other", "")


def test_only_the_eingangszone_team_leads_and_admins_register(
        client: FlaskClient, api_engine: Staffel) -> None:
    login(client, "cw_soz")
    before = snapshot(api_engine)
    assert client.get("/cases/new", headers=HTML).status_code == 403
    assert post(client, "/cases/new", FORM).status_code == 403
    assert snapshot(api_engine) == before
