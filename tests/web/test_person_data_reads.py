"""The read log (issue 14): every answer that shows a person's data writes a read row first,
with the right actor, subject and channel. The sweep of tests/web/test_person_data_sweep.py
requests every GET route of the app as a member of the case's teams (who sees the data);
every answer holding the person's name must have logged a read, and the routes that show one
thing log exactly one row with its subject."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import Staffel
from engine.persistence.privacy_models import PersonRead
from tests.web.conftest import PASSWORD
from tests.web.test_pages_support import HTML
from tests.web.test_person_data_sweep import (  # noqa: F401 - the fixture ``scene``
    UNMATCHED_FAMILY,
    get_routes,
    page_client,
    scene,
)

NAMES = ("Zwetschgenbaum", UNMATCHED_FAMILY)


def reads(eng: Staffel, actor: str) -> list[tuple[str | None, str, str]]:
    with eng.db.read() as s:
        return [(r.case_id, r.subject, r.channel) for r in s.scalars(
            select(PersonRead).where(PersonRead.actor == actor).order_by(PersonRead.id))]


def sweep_reads(app: Flask, eng: Staffel, client: FlaskClient, headers: dict[str, str],
                actor: str, values: dict[str, str]) -> dict[str, list[Any]]:
    """GET every route; the read rows each answer wrote, and whether it showed a name."""
    found: dict[str, list[Any]] = {}
    for path in get_routes(app, values):
        before = len(reads(eng, actor))
        response = client.get(path, headers=headers)
        assert response.status_code < 500, (path, response.status_code)
        body = response.get_data(as_text=True)
        shown = any(name in body and name not in path for name in NAMES)
        new = reads(eng, actor)[before:]
        assert not shown or new, f"{path} showed a person's data without logging the read"
        found[path] = new
    return found


def test_every_answer_with_a_persons_data_logged_its_read(
        app: Flask, scene: dict[str, str], api_engine: Staffel) -> None:  # noqa: F811
    api_engine.people.add("cw_hand", PASSWORD, ["caseworker"], ["sozialamt", "eingangszone"])
    token = api_engine.people.issue_token("cw_hand").token
    api = sweep_reads(app, api_engine, app.test_client(),
                      {"Authorization": f"Bearer {token}"}, "cw_hand", scene)
    pages = sweep_reads(app, api_engine, page_client(app, "cw_hand"), HTML, "cw_hand", scene)
    case, task, handover = scene["case_id"], scene["task_id"], scene["handover_id"]
    clarification, file_id = scene["clarification_id"], scene["file_id"]
    assert api[f"/api/v1/cases/{case}"] == [(case, "case", "api")]
    assert api[f"/api/v1/cases/{case}/access-report"] == [(case, "access_report", "api")]
    assert api[f"/api/v1/tasks/{task}"] == [(case, f"task:{task}", "api")]
    assert api[f"/api/v1/handovers/{handover}/package"] == [
        (case, f"handover:{handover}", "api")]
    assert api[f"/api/v1/clarifications/{clarification}"] == [
        (None, f"clarification:{clarification}", "api")]
    assert pages[f"/cases/{case}"] == [(case, "case", "page")]
    assert pages[f"/cases/{case}/access-report"] == [(case, "access_report", "page")]
    assert pages[f"/tasks/{task}"] == [(case, f"task:{task}", "page")]
    assert pages[f"/handovers/{handover}/package"] == [(case, f"handover:{handover}", "page")]
    assert pages[f"/imports/{file_id}/original"] == [
        (None, f"import_original:{file_id}", "page")]
    assert pages["/imports/clarifications"] == [(None, f"clarification:{clarification}",
                                                 "page")]
    # answers without a person's data log nothing
    assert api[f"/api/v1/cases/{case}/audit"] == api["/api/v1/clock"] == []
    assert pages[f"/cases/{case}/process.bpmn"] == []


def test_those_who_may_not_see_the_data_leave_no_read(
        app: Flask, scene: dict[str, str], api_engine: Staffel,  # noqa: F811
        tokens: dict[str, str]) -> None:
    for username in ("admin", "cw_jc", "owner"):
        headers = {"Authorization": f"Bearer {tokens[username]}"}
        sweep_reads(app, api_engine, app.test_client(), headers, username, scene)
        sweep_reads(app, api_engine, page_client(app, username), HTML, username, scene)
        if username != "cw_jc":
            assert reads(api_engine, username) == []
    # the Jobcenter receives the handover package (its only view of the person): the
    # package (API and page) and the invitation, nothing else
    handover = f"handover:{scene['handover_id']}"
    assert {subject for _case, subject, _ch in reads(api_engine, "cw_jc")} == {handover}
