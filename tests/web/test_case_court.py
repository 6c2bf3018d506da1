"""Issue 13 item 4: a case names its Verwaltungsgericht when it is created — API field
``court``, the page's select, the CLI's ``--court`` — validated against the table and the
case's Land, the Land's default court when none is given; shown on the case page and in the
API's case answer. A bad court is a 422 (exit 2) naming the field, and nothing is written."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.conftest import ENGINE_DIAGRAMS
from tests.web.conftest import NEW_CASE, Api, assert_error, snapshot
from tests.web.test_pages_cases import FORM
from tests.web.test_pages_support import HTML, login, post, text
from web.cli import main
from web.cli_common import open_engine


def body(**changes: Any) -> dict[str, Any]:
    found = copy.deepcopy(NEW_CASE)
    found.update(changes)
    return found


# --- API --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "court", "name"), [
    ({}, "VG_DUESSELDORF", "VG Düsseldorf"),                          # NW's default
    ({"court": None}, "VG_DUESSELDORF", "VG Düsseldorf"),
    ({"court": "VG_GELSENKIRCHEN"}, "VG_GELSENKIRCHEN", "VG Gelsenkirchen"),
    ({"land": "BY", "court": "VG_AUGSBURG"}, "VG_AUGSBURG", "VG Augsburg"),
    ({"land": "BY"}, "VG_ANSBACH", "VG Ansbach"),                     # BY's default
], ids=["no court", "null", "NW court", "Augsburg", "BY default"])
def test_api_creates_the_case_with_its_court(api: Api, api_engine: Staffel,
                                             changes: dict[str, Any], court: str,
                                             name: str) -> None:
    response = api.post("/api/v1/cases", body(**changes), as_="cw_ez")
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert (case["court"], case["court_name"]) == (court, name)
    assert api_engine.cases.get(case["id"]).court == court
    # the answer of GET has it too
    got = api.get(f"/api/v1/cases/{case['id']}", as_="cw_soz").get_json()
    assert (got["court"], got["court_name"]) == (court, name)


@pytest.mark.parametrize("changes", [
    {"court": "VG_ATLANTIS"},                  # not in the table
    {"court": "vg_augsburg"},                  # keys are exact in the API
    {"court": "VG_MUENCHEN"},                  # a Bavarian court for a case in NW
    {"court": 7},
], ids=["unknown", "lower case", "other Land", "not a string"])
def test_api_bad_court_is_422_naming_the_field_and_writes_nothing(
        api: Api, api_engine: Staffel, changes: dict[str, Any]) -> None:
    before = snapshot(api_engine)
    error = assert_error(api.post("/api/v1/cases", body(**changes), as_="cw_ez"), 422,
                         "invalid_input", {"court"})
    if changes["court"] == "VG_MUENCHEN":
        assert "VG München is in BY" in str(error)
    assert snapshot(api_engine) == before


def test_the_engine_checks_the_court_as_well(api_engine: Staffel) -> None:
    from engine import InvalidInput

    before = snapshot(api_engine)
    with pytest.raises(InvalidInput) as found:
        api_engine.cases.start(NEW_CASE["person"], "NW", "asylum", None, process_key="basic",
                               court="VG_AUGSBURG")
    assert [e["field"] for e in found.value.errors] == ["court"]
    assert snapshot(api_engine) == before


# --- page -------------------------------------------------------------------------------------


def test_the_page_offers_the_courts_and_stores_the_chosen_one(app: Flask, client: FlaskClient,
                                                              api_engine: Staffel) -> None:
    login(client, "cw_ez")
    form = text(client.get("/cases/new", headers=HTML))
    assert 'name="court"' in form and "Verwaltungsgericht" in form
    assert '<option value="VG_AUGSBURG" >VG Augsburg (Bayern)</option>' in form
    assert post(client, "/cases/new", {**FORM, "land": "BY", "court": "VG_AUGSBURG"}
                ).status_code == 302
    (case,) = api_engine.cases.list().items
    assert (case.land, case.court) == ("BY", "VG_AUGSBURG")
    soz = app.test_client()
    login(soz, "cw_soz")  # the Sozialamt has the first task of "basic"
    page = text(soz.get(f"/cases/{case.id}", headers=HTML))
    assert re.search(r"Verwaltungsgericht</dt><dd id=\"case-court\">VG Augsburg</dd>", page)


def test_the_page_without_a_court_takes_the_lands_default(client: FlaskClient,
                                                          api_engine: Staffel) -> None:
    login(client, "cw_ez")
    assert post(client, "/cases/new", {**FORM, "court": ""}).status_code == 302
    (case,) = api_engine.cases.list().items
    assert case.court == "VG_DUESSELDORF"


@pytest.mark.parametrize(("court", "reason"), [
    ("VG_ATLANTIS", "Bitte wählen Sie eine der angebotenen Möglichkeiten."),
    ("VG_MUENCHEN", "Dieses Gericht liegt nicht im gewählten Land."),
], ids=["unknown", "other Land"])
def test_the_page_names_a_bad_court_and_writes_nothing(client: FlaskClient,
                                                       api_engine: Staffel, court: str,
                                                       reason: str) -> None:
    login(client, "cw_ez")
    before = snapshot(api_engine)
    answer = post(client, "/cases/new", {**FORM, "court": court})
    assert answer.status_code == 422
    html = text(answer)
    assert 'href="#f-court"' in html and 'id="f-court-error"' in html and reason in html
    assert snapshot(api_engine) == before


# --- CLI --------------------------------------------------------------------------------------


@pytest.fixture
def cli(database_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, [*args, "--database-url", database_url],
                             catch_exceptions=False)

    run("init-db", "--clock", "simulated")
    run("deploy", str(ENGINE_DIAGRAMS))
    return run


START = ("start-case", "--family-name", "Haddad", "--given-name", "Rana", "--birth-date",
         "1990-04-12", "--process", "basic")


@pytest.mark.parametrize(("args", "court"), [
    (("--land", "BY"), "VG_ANSBACH"),
    (("--land", "BY", "--court", "VG_AUGSBURG"), "VG_AUGSBURG"),
    (("--land", "by", "--court", " vg_muenchen "), "VG_MUENCHEN"),  # any case, blanks
    (("--land", "NW", "--court", ""), "VG_DUESSELDORF"),
], ids=["default", "Augsburg", "lower case", "empty"])
def test_cli_start_case_with_and_without_court(cli, database_url, args,  # type: ignore[no-untyped-def]
                                               court) -> None:
    result = cli(*START, *args)
    assert result.exit_code == 0, result.output
    assert f"court {court}" in result.output
    case_id = re.search(r"case \S+ \((\S+)\)", result.output).group(1)  # type: ignore[union-attr]
    assert open_engine(database_url).cases.get(case_id).court == court


@pytest.mark.parametrize(("court", "needle"), [
    ("VG_ATLANTIS", "'VG_ATLANTIS' is no Verwaltungsgericht"),
    ("VG_MUENCHEN", "VG München is in BY, the case's Land is NW"),
])
def test_cli_bad_court_exits_2_naming_it(cli, database_url, court,  # type: ignore[no-untyped-def]
                                         needle) -> None:
    result = cli(*START, "--land", "NW", "--court", court)
    assert result.exit_code == 2, result.output
    assert "court: " in result.output and needle in result.output
    assert open_engine(database_url).cases.list().total == 0
