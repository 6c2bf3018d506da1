"""The promise "administrators see no person's data" (README, docs/privacy.md), checked over
every GET route the app has: pages and API, with every path parameter filled in from a scene
that holds a person (a case, its task, a handover, an import with a clarification).

The person's name, birth date (ISO and German) and BAMF-Aktenzeichen must not appear in any
answer to an administrator, a process owner or a caseworker of a team without work on the case.
A control checks the same sweep does find them for a member of the case's team, so the test
fails if the scene or the sweep stops reaching the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.imports import Importer
from engine import Staffel
from tests.conftest import DATA
from tests.web.conftest import PASSWORD
from tests.web.test_pages_imports import DECISIONS
from tests.web.test_pages_support import HTML, login

PERSON = {"family_name": "Zwetschgenbaum", "given_name": "Ilvana", "birth_date": "1987-11-23",
          "nationality": "SY", "languages": ["ar"]}
AZ = "7654321-987"
UNMATCHED_FAMILY = "Quellenhofer"
UNMATCHED_AZ = "9999999-123"
SECRETS = ("Zwetschgenbaum", "Ilvana", "1987-11-23", "23.11.1987", AZ,
           UNMATCHED_FAMILY, UNMATCHED_AZ)
SKIPPED = ("static", "vendor.", "api_reference.static")  # third-party and our own static files
PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@pytest.fixture
def scene(api_engine: Staffel) -> dict[str, str]:
    """The scene of :func:`build_scene`."""
    return build_scene(api_engine)


def build_scene(api_engine: Staffel) -> dict[str, str]:
    """A case with an open task and a handover, a decided task, an import with a
    clarification: every kind of thing a GET route can show."""
    api_engine.people.add("sup_ez", PASSWORD, ["supervisor"], ["eingangszone"])
    api_engine.definitions.deploy_directory(DATA / "web", actor="tester")
    case = api_engine.cases.start(PERSON, "NW", "asylum", AZ, process_key="handover",
                                 actor="tester")
    info = api_engine.cases.get(case.id)
    result = Importer(api_engine).import_file(
        "decisions", "a.xml",
        DECISIONS.format(az=UNMATCHED_AZ, family=UNMATCHED_FAMILY).encode(), "cw_ez")
    clarification = api_engine.imports.clarifications().items[0]
    task = info.open_tasks[0]
    # a comment and a draft naming the person (issue 15, point 5): their routes are swept too
    api_engine.task_work.add_comment(task.id, task_member(api_engine, task.team),
                                     f"{PERSON['family_name']} ruft an, {AZ}")
    return {"case_id": case.id, "task_id": task.id, "handover_id": str(info.handovers[0].id),
            "file_id": str(result.file_id), "clarification_id": str(clarification.id),
            "key": "handover", "version": "1", "message": "bamf_decision",
            "team": task.team, "fmt": "json", "name": "handover", "number": case.case_number,
            "username": "cw_jc", "token": "no-such-link"}


def task_member(api_engine: Staffel, team: str) -> str:
    """A user of the test fixtures who works in ``team``."""
    return next(u.username for u in api_engine.people.list() if team in u.teams)


def get_routes(app: Flask, values: dict[str, str]) -> Iterator[str]:
    """Every GET route of the app with its parameters filled in."""
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint.startswith(SKIPPED):
            continue
        names = PARAM.findall(rule.rule)
        missing = [n for n in names if n not in values]
        assert not missing, f"the sweep has no value for {missing} of {rule.rule}"
        yield PARAM.sub(lambda m: values[m.group(1)], rule.rule)
    yield from SEARCHES


SEARCHES = ("/cases?q=Zwetschgenbaum", "/cases?q=Zwetschgenbaum&born=23.11.1987",
            f"/cases?q={AZ}", "/api/v1/cases?q=Zwetschgenbaum", f"/api/v1/cases?q={AZ}",
            "/api/v1/clarifications?state=open", "/imports/clarifications?state=open")


def sweep(app: Flask, client: FlaskClient, headers: dict[str, str],
          values: dict[str, str]) -> dict[str, list[str]]:
    """GET every route; which secrets each answer shows (and never a server error)."""
    found: dict[str, list[str]] = {}
    for path in get_routes(app, values):
        response = client.get(path, headers=headers)
        assert response.status_code < 500, (path, response.status_code)
        body = response.get_data(as_text=True)
        shown = [s for s in SECRETS if s in body and s not in path]  # not the query echoed
        if shown:
            found[path] = shown
    return found


def page_client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.mark.parametrize("username", ["admin", "owner", "cw_jc", "sup_jc"])
def test_no_person_data_for_those_without_work_on_the_case(
        app: Flask, scene: dict[str, str], tokens: dict[str, str], username: str) -> None:
    api_headers = {"Authorization": f"Bearer {tokens[username]}", "Accept": "application/json"}
    assert sweep(app, app.test_client(), api_headers, scene) == {}
    assert sweep(app, page_client(app, username), HTML, scene) == {}


def test_the_sweep_finds_the_data_where_it_belongs(
        app: Flask, scene: dict[str, str], api_engine: Staffel) -> None:
    api_engine.people.add("cw_hand", PASSWORD, ["caseworker"], ["sozialamt", "eingangszone"])
    token = api_engine.people.issue_token("cw_hand").token
    api_found = sweep(app, app.test_client(), {"Authorization": f"Bearer {token}"}, scene)
    pages_found = sweep(app, page_client(app, "cw_hand"), HTML, scene)
    case_id = scene["case_id"]
    assert {"Zwetschgenbaum", AZ} <= set(api_found[f"/api/v1/cases/{case_id}"])
    assert "Zwetschgenbaum" in pages_found[f"/cases/{case_id}"]
    assert UNMATCHED_FAMILY in api_found[f"/api/v1/clarifications/{scene['clarification_id']}"]
    assert UNMATCHED_FAMILY in pages_found["/imports/clarifications"]
    assert len(list(get_routes(app, scene))) > 60


def test_admin_case_answer_keeps_the_pseudonymous_fields(
        client: FlaskClient, scene: dict[str, str], tokens: dict[str, str]) -> None:
    body: dict[str, Any] = client.get(
        f"/api/v1/cases/{scene['case_id']}",
        headers={"Authorization": f"Bearer {tokens['admin']}"}).get_json()
    assert body["person"] is None and body["bamf_aktenzeichen"] is None
    assert body["case_number"] == scene["number"] and body["open_tasks"]
