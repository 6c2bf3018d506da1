"""``/api/v1/imports`` and ``/api/v1/clarifications``: agency files machine to machine, with
the same reports, rejections, Klärfälle and 404s as the import pages."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask

from engine import Staffel
from tests.adapters.imports_world import (
    DATA,
    counts,
    new_engine,
    read,
    waiting_for_course,
    waits,
    world,
)
from tests.web.conftest import FAST_HASHER, PASSWORD, Api, assert_error, snapshot, start_waiting
from tests.web.test_pages_imports import DECISIONS, decisions
from tests.web.test_pages_support import login
from web import create_app

LIFE_USERS = {"cw_ez": (["caseworker"], ["eingangszone"]),
              "cw_jc": (["caseworker"], ["jc_leistung"]),
              "admin": (["admin"], [])}


def upload(api: Api, kind: str | None, name: str, body: bytes | None,
           as_: str | None = "cw_ez") -> Any:
    """POST /api/v1/imports as multipart/form-data (``None`` leaves a part out)."""
    data: dict[str, Any] = {}
    if kind is not None:
        data["kind"] = kind
    if body is not None:
        data["file"] = (io.BytesIO(body), name)
    return api.client.post("/api/v1/imports", data=data, headers=api.headers(as_),
                           content_type="multipart/form-data")


def state(eng: Staffel) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was (cases, messages, imports)."""
    return snapshot(eng), counts(eng)


@pytest.fixture
def life(make_engine: Callable[..., Staffel]) -> tuple[Staffel, Api, Flask]:
    """The real lifecycle (bpmn/) behind the app, with an Eingangszone caseworker."""
    eng = new_engine(make_engine)
    eng.context.password_hasher = FAST_HASHER
    for username, (roles, teams) in LIFE_USERS.items():
        eng.people.add(username, PASSWORD, roles, teams)
    app = create_app({"ENGINE": eng, "DEPLOY_ON_START": False, "TESTING": True,
                      "SECRET_KEY": "test"})
    tokens = {name: eng.people.issue_token(name).token for name in LIFE_USERS}
    return eng, Api(app.test_client(), tokens), app


# kind, file, the cases it needs, the counts its report must show
KINDS = [
    ("permits", "permits_mixed.csv", "world",
     {"rows": 10, "correlated": 1, "buffered": 1, "clarification": 3, "invalid": 5,
      "duplicate": 0}),
    ("decisions", "decisions.xml", "world",
     {"rows": 3, "correlated": 1, "buffered": 0, "clarification": 1, "invalid": 1,
      "duplicate": 0}),
    ("courses", "courses.csv", "course",
     {"rows": 4, "correlated": 1, "buffered": 0, "clarification": 1, "invalid": 2,
      "duplicate": 0}),
]


@pytest.mark.parametrize(("kind", "name", "scene", "expected"), KINDS,
                         ids=[k[0] for k in KINDS])
def test_each_kind_is_imported_with_the_report_of_the_page(
        life: tuple[Staffel, Api, Flask], kind: str, name: str, scene: str,
        expected: dict[str, int]) -> None:
    eng, api, app = life
    if scene == "world":
        w = world(eng)
        moved, message = {"permits": w.haddad, "decisions": w.karimi}[kind], (
            "permit_issued" if kind == "permits" else "bamf_decision")
    else:
        moved, message = waiting_for_course(eng), "course_started"
    assert message in waits(eng, moved)
    response = upload(api, kind, name, read(name))
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    file_id = report["file_id"]
    assert response.headers["Location"].endswith(f"/api/v1/imports/{file_id}")
    assert (report["kind"], report["file_name"], report["status"]) == (kind, name, "done")
    assert report["counts"] == expected and report["already_imported"] is False
    assert report["uploaded_by"] == "cw_ez" and len(report["lines"]) == expected["rows"]
    assert message not in waits(eng, moved)
    assert api.get(f"/api/v1/imports/{file_id}").get_json() == report
    # the same report as the page's report.json and report.csv
    page = app.test_client()
    login(page, "cw_ez")
    page_report = json.loads(page.get(f"/imports/{file_id}/report.json").data)
    assert page_report["counts"] == report["counts"]
    assert page_report["lines"] == [{k: v for k, v in line.items() if v is not None}
                                    for line in report["lines"]]
    csv = api.get(f"/api/v1/imports/{file_id}/report.csv", as_="cw_ez")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.data.startswith("\ufeffline;outcome;case_number".encode())  # English by default
    german = api.client.get(f"/api/v1/imports/{file_id}/report.csv",
                            headers={**api.headers("cw_ez"), "Accept-Language": "de"})
    assert german.data == page.get(f"/imports/{file_id}/report.csv").data
    assert german.data.startswith("\ufeffZeile;Ergebnis;Fallnummer".encode())
    assert f"import-{file_id}-report.csv" in csv.headers["Content-Disposition"]


def test_the_same_file_twice_answers_200_with_the_earlier_report(
        life: tuple[Staffel, Api, Flask]) -> None:
    eng, api, _app = life
    world(eng)
    first = upload(api, "permits", "permits_mixed.csv", read("permits_mixed.csv"))
    assert first.status_code == 201
    before = state(eng)
    again = upload(api, "permits", "Kopie.csv", read("permits_mixed.csv"), as_="admin")
    assert again.status_code == 200
    body = again.get_json()
    assert body["already_imported"] is True and body["file_id"] == first.get_json()["file_id"]
    assert body["file_name"] == "permits_mixed.csv" and body["counts"] == first.get_json()[
        "counts"]
    assert state(eng) == before
    assert eng.imports.files().total == 1


@pytest.mark.parametrize(("kind", "name", "needle"), [
    ("permits", "permits_xxe.xml", "document type declarations"),
    ("permits", "permits_wrong_header.csv", "wrong header"),
    ("permits", "permits_not_csv.xlsx", "not a text file"),
    ("decisions", "decisions_invalid_outcome.xml", "decisions.xsd"),
    ("decisions", "permits_semicolon.csv", "wrong header"),
    ("decisions", "waiting.xml", "decisions.xsd"),  # a decision for the waiting case
])
def test_a_rejected_file_is_422_with_field_and_reason_and_writes_nothing(
        api: Api, api_engine: Staffel, kind: str, name: str, needle: str) -> None:
    case = start_waiting(api_engine, "8000000-001")
    body = (DECISIONS.format(az="8000000-001", family="Haddad")
            .replace("fluechtlingseigenschaft", "anerkannt").encode() if name == "waiting.xml"
            else (DATA / name).read_bytes())
    before = state(api_engine)
    error = assert_error(upload(api, kind, name, body), 422, "import_rejected", {"file"})
    assert needle in error["errors"][0]["message"] and "file rejected" in error["message"]
    assert state(api_engine) == before
    assert api_engine.imports.files().total == 0
    assert "bamf_decision" in waits(api_engine, case.id)


@pytest.mark.parametrize(("kind", "file", "fields"), [
    ("visa", b"x", {"kind"}),
    ("", b"x", {"kind"}),
    (None, b"x", {"kind"}),
    ("permits", None, {"file"}),
    (None, None, {"kind", "file"}),
    ("permits", b"", {"file"}),
])
def test_a_bad_kind_or_a_missing_or_empty_file_is_422(
        api: Api, api_engine: Staffel, kind: str | None, file: bytes | None,
        fields: set[str]) -> None:
    before = state(api_engine)
    assert_error(upload(api, kind, "abh.csv", file), 422, "invalid_input", fields)
    assert state(api_engine) == before


def test_other_bodies_and_a_too_large_file_are_422(api: Api, api_engine: Staffel,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    before = state(api_engine)
    assert_error(api.post("/api/v1/imports", {"kind": "permits", "file": "x"}, as_="cw_ez"),
                 422, "invalid_input", {"kind", "file"})
    as_field = api.client.post("/api/v1/imports", data={"kind": "permits", "file": "a;b"},
                               headers=api.headers("cw_ez"),
                               content_type="multipart/form-data")
    assert_error(as_field, 422, "invalid_input", {"file"})  # a form field is no file part
    monkeypatch.setattr("web.api.imports.MAX_IMPORT_BYTES", 2**20)
    big = upload(api, "permits", "big.csv", b"x" * (2**20 + 1))
    assert "larger than 1 MiB" in assert_error(big, 422, "invalid_input",
                                               {"file"})["errors"][0]["message"]
    assert state(api_engine) == before


def test_unknown_ids_are_404_and_change_nothing(api: Api, api_engine: Staffel) -> None:
    upload(api, "decisions", "a.xml", decisions("9999999-991", "Unbekannt"))
    before = state(api_engine)
    for path in ("/api/v1/imports/999", "/api/v1/imports/0", "/api/v1/imports/99999999999",
                 "/api/v1/imports/999/report.csv", "/api/v1/imports/abc",
                 "/api/v1/clarifications/999", "/api/v1/clarifications/99999999999"):
        assert_error(api.get(path, as_="cw_ez"), 404)
    assert_error(api.post("/api/v1/clarifications/999/resolve", {"case_number": "ST-1"},
                          as_="cw_ez"), 404)
    assert_error(api.post("/api/v1/clarifications/999/discard", {"reason": "weg"},
                          as_="cw_ez"), 404)
    assert state(api_engine) == before


def test_the_list_of_imports_is_paged_newest_first(api: Api, api_engine: Staffel) -> None:
    first = upload(api, "decisions", "a.xml", decisions("9999999-991")).get_json()
    second = upload(api, "decisions", "b.xml", decisions("9999999-992")).get_json()
    page = api.get("/api/v1/imports?per_page=1", as_="cw_ez").get_json()
    assert (page["total"], page["page"], page["per_page"]) == (2, 1, 1)
    (item,) = page["items"]
    assert item["file_id"] == second["file_id"] and item["counts"]["clarification"] == 1
    assert "lines" not in item
    assert api.get("/api/v1/imports?page=2&per_page=1").get_json()["items"][0][
        "file_id"] == first["file_id"]
    assert_error(api.get("/api/v1/imports?per_page=0"), 422, "invalid_input", {"per_page"})


def test_clarifications_list_resolve_and_discard(api: Api, api_engine: Staffel,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "staffel")
    waiting = start_waiting(api_engine, "8000000-001")
    upload(api, "decisions", "a.xml", decisions("9999999-991", "Unbekannt"))
    upload(api, "decisions", "b.xml", decisions("9999999-992", "Niemand"))
    listed = api.get("/api/v1/clarifications", as_="cw_ez").get_json()
    assert listed["total"] == 2
    first, second = listed["items"]
    assert (first["state"], first["reason"], first["line"]) == ("open", "no_match", 3)
    assert first["fields"]["family_name"] == "Unbekannt" and first["candidates"] == []
    assert first["message_name"] == "bamf_decision"
    assert api.get(f"/api/v1/clarifications/{first['id']}", as_="cw_ez").get_json() == first
    resolve, discard = (f"/api/v1/clarifications/{first['id']}/resolve",
                        f"/api/v1/clarifications/{second['id']}/discard")
    before = state(api_engine)
    for body in ({"case_number": ""}, {"case_number": "   "}, {"case_number": "ST-NOPE"}, {}):
        assert_error(api.post(resolve, body, as_="cw_ez"), 422, "invalid_input",
                     {"case_number"})
    assert_error(api.post(resolve, {"case_number": waiting.case_number, "extra": 1},
                          as_="cw_ez"), 422, "invalid_input", {"extra"})
    for body in ({"reason": ""}, {"reason": " \n "}, {"reason": "x" * 501}, {}):
        assert_error(api.post(discard, body, as_="cw_ez"), 422, "invalid_input", {"reason"})
    assert state(api_engine) == before

    done = api.post(resolve, {"case_number": waiting.case_number.lower()}, as_="cw_ez")
    assert done.status_code == 200, done.get_json()
    resolved = done.get_json()
    assert (resolved["state"], resolved["resolved_by"], resolved["fields"]) == (
        "resolved", "cw_ez", {})
    assert resolved["resolution"] == {"case_id": waiting.id,
                                      "case_number": waiting.case_number, "kept": False}
    assert "bamf_decision" not in waits(api_engine, waiting.id)
    before = state(api_engine)
    twice = assert_error(api.post(resolve, {"case_number": waiting.case_number}, as_="cw_ez"), 409,
                         "conflict")
    assert "already resolved" in twice["message"]
    assert_error(api.post(f"/api/v1/clarifications/{first['id']}/discard", {"reason": "x"},
                          as_="cw_ez"), 409, "conflict")
    assert state(api_engine) == before

    gone = api.post(discard, {"reason": "Person unbekannt, BAMF informiert"}, as_="cw_ez")
    assert gone.status_code == 200
    assert gone.get_json()["resolution"] == {"reason": "Person unbekannt, BAMF informiert"}
    before = state(api_engine)
    assert_error(api.post(discard, {"reason": "again"}, as_="cw_ez"), 409, "conflict")
    assert_error(api.post(f"/api/v1/clarifications/{second['id']}/resolve",
                          {"case_number": waiting.case_number}, as_="cw_ez"), 409, "conflict")
    assert state(api_engine) == before
    assert api.get("/api/v1/clarifications", as_="cw_ez").get_json()["total"] == 0
    for which, item in (("resolved", first), ("discarded", second)):
        page = api.get(f"/api/v1/clarifications?state={which}", as_="cw_ez").get_json()
        assert [c["id"] for c in page["items"]] == [item["id"]]
    assert_error(api.get("/api/v1/clarifications?state=lost", as_="cw_ez"), 422, "invalid_input",
                 {"state"})
    lines = api.get(f"/api/v1/imports/{first['file_id']}", as_="cw_ez").get_json()["lines"]
    assert [(x["outcome"], x["reason"], x["case_number"], x["clarification_state"])
            for x in lines] == [("correlated", "resolved_by_hand", waiting.case_number,
                                 "resolved")]
    assert "clarification" in caplog.text and waiting.case_number in caplog.text
    assert "Unbekannt" not in caplog.text and "Niemand" not in caplog.text
    assert "Haddad" not in caplog.text and "Rana" not in caplog.text


def test_resolving_to_a_case_that_can_no_longer_use_it_is_409(api: Api,
                                                              api_engine: Staffel) -> None:
    done = start_waiting(api_engine, "8000000-002")
    api_engine.messages.correlate("bamf_decision", {"outcome": "refugee"}, case_id=done.id)
    upload(api, "decisions", "a.xml", decisions("9999999-991", "Unbekannt"))
    (clar,) = api_engine.imports.clarifications().items
    before = state(api_engine)
    error = assert_error(api.post(f"/api/v1/clarifications/{clar.id}/resolve",
                                  {"case_number": done.case_number}, as_="cw_ez"), 409,
                         "message_not_usable")
    assert "S1" in error["message"]
    assert state(api_engine) == before
    assert api_engine.imports.clarification(clar.id).state == "open"


def test_resolving_to_a_case_that_does_not_wait_yet_keeps_the_message(
        api: Api, api_engine: Staffel) -> None:
    from tests.web.conftest import start_basic

    busy = start_basic(api_engine, "8000000-002")
    upload(api, "decisions", "a.xml", decisions("9999999-991", "Unbekannt"))
    (clar,) = api_engine.imports.clarifications().items
    response = api.post(f"/api/v1/clarifications/{clar.id}/resolve",
                        {"case_number": busy.case_number}, as_="cw_ez")
    assert response.status_code == 200
    assert response.get_json()["resolution"]["kept"] is True
    assert [k.message for k in api_engine.cases.get(busy.id).buffered] == ["bamf_decision"]


ENDPOINTS = [("POST", "/api/v1/imports"), ("GET", "/api/v1/imports"),
             ("GET", "/api/v1/imports/{file}"), ("GET", "/api/v1/imports/{file}/report.csv"),
             ("GET", "/api/v1/clarifications"), ("GET", "/api/v1/clarifications/{clar}"),
             ("POST", "/api/v1/clarifications/{clar}/resolve"),
             ("POST", "/api/v1/clarifications/{clar}/discard")]


@pytest.mark.parametrize("username", ["cw_jc", "sup_jc", "cw_soz", "owner", None])
def test_everyone_but_the_eingangszone_gets_404_and_anonymous_401(
        api: Api, api_engine: Staffel, username: str | None) -> None:
    waiting = start_waiting(api_engine, "8000000-001")
    file_id = upload(api, "decisions", "a.xml",
                     decisions("9999999-991", "Unbekannt")).get_json()["file_id"]
    (clar,) = api_engine.imports.clarifications().items
    status = 401 if username is None else 404
    before = state(api_engine)
    for method, template in ENDPOINTS:
        path = template.format(file=file_id, clar=clar.id)
        if method == "GET":
            response = api.get(path, as_=username)
        elif path.endswith("/imports"):
            response = upload(api, "decisions", "b.xml", decisions("8000000-001"),
                              as_=username)
        else:  # valid and invalid bodies alike: the resource does not exist for them
            for body in ({"case_number": waiting.case_number, "reason": "x"}, {}):
                assert_error(api.post(path, body, as_=username), status)
            continue
        body = assert_error(response, status)
        assert "9999999" not in json.dumps(body)
    assert state(api_engine) == before
    assert "bamf_decision" in waits(api_engine, waiting.id)


@pytest.mark.parametrize("username", ["cw_ez", "sup_ez", "admin"])
def test_the_eingangszone_its_supervisors_and_admins_get_in(
        api: Api, api_engine: Staffel, tokens: dict[str, str], username: str) -> None:
    api_engine.people.add("sup_ez", PASSWORD, ["supervisor"], ["eingangszone"])
    tokens["sup_ez"] = api_engine.people.issue_token("sup_ez").token
    response = upload(api, "decisions", "a.xml", decisions("9999999-991"), as_=username)
    assert response.status_code == 201
    assert response.get_json()["uploaded_by"] == username
    assert api.get("/api/v1/imports", as_=username).get_json()["total"] == 1
    clarifications = api.get("/api/v1/clarifications", as_=username)
    if username == "admin":  # the lines name persons: not for administrators
        assert_error(clarifications, 404)
    else:
        assert clarifications.get_json()["total"] == 1


def test_real_answers_conform_to_the_spec(app: Flask, api: Api, api_engine: Staffel) -> None:
    """Schemathesis (test_openapi) finds no import in its scene; here real ones are checked."""
    spec = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    documented = api.get("/api/openapi.json", as_=None).get_json()["paths"]
    waiting = start_waiting(api_engine, "8000000-001")
    body = decisions("9999999-991", "Unbekannt")
    first = upload(api, "decisions", "a.xml", body)
    answers = [("/api/v1/imports", "POST", first),
               ("/api/v1/imports", "POST", upload(api, "decisions", "b.xml", body)),
               ("/api/v1/imports", "POST", upload(api, "visa", "c.xml", body)),
               ("/api/v1/imports", "POST", upload(api, "permits", "d.xml", body))]
    file_id = first.get_json()["file_id"]
    (clar,) = api_engine.imports.clarifications().items
    resolve = "/api/v1/clarifications/{clarification_id}/resolve"
    for path, method, response in [
            *answers,
            ("/api/v1/imports", "GET", api.get("/api/v1/imports")),
            ("/api/v1/imports/{file_id}", "GET", api.get(f"/api/v1/imports/{file_id}")),
            ("/api/v1/imports/{file_id}/report.csv", "GET",
             api.get(f"/api/v1/imports/{file_id}/report.csv")),
            ("/api/v1/clarifications", "GET", api.get("/api/v1/clarifications")),
            ("/api/v1/clarifications/{clarification_id}", "GET",
             api.get(f"/api/v1/clarifications/{clar.id}")),
            (resolve, "POST", api.post(f"/api/v1/clarifications/{clar.id}/resolve",
                                       {"case_number": ""})),
            (resolve, "POST", api.post(f"/api/v1/clarifications/{clar.id}/resolve",
                                       {"case_number": waiting.case_number})),
            (resolve, "POST", api.post(f"/api/v1/clarifications/{clar.id}/resolve",
                                       {"case_number": waiting.case_number})),
            ("/api/v1/clarifications/{clarification_id}/discard", "POST",
             api.post(f"/api/v1/clarifications/{clar.id}/discard", {"reason": "x"}))]:
        assert str(response.status_code) in documented[path][method.lower()]["responses"]
        spec[path][method].validate_response(response)
    assert [r.status_code for _p, _m, r in answers] == [201, 200, 422, 422]
