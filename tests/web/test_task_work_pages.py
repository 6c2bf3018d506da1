"""The task page at work (issue 15, points 3–5) through Flask's client in German: the
acknowledgement task shows the handover, drafts saved and restored, comments across the
case's teams, the 409 that names the holder, prefilled languages, and an administrator's
pages hold no form that would answer 403."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import Staffel
from engine.persistence.task_work_models import TaskComment
from tests.lifecycle.helpers import (
    REGISTRATION,
    advance_to,
    complete_open,
    find_open,
    proposal,
)
from tests.web.conftest import app_of, bpmn_engine, snapshot, start_basic
from tests.web.test_pages_support import HTML, csrf_token, login, post, text

USERS = {"cw_eingangszone": (["caseworker"], ["eingangszone"]),
         "cw_jc_leistung": (["caseworker"], ["jc_leistung"]),
         "cw_jc2": (["caseworker"], ["jc_leistung"]),
         "cw_sozialamt": (["caseworker"], ["sozialamt"]),
         "admin": (["admin"], [])}
NOTE = "Frau Haddad bringt den Bescheid mit."


@pytest.fixture
def life(make_engine: Callable[..., Staffel]) -> Staffel:
    return bpmn_engine(make_engine, USERS)


@pytest.fixture
def life_app(life: Staffel) -> Flask:
    return app_of(life)


def client_of(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def proposed(eng: Staffel) -> tuple[str, str]:
    """A resettlement case whose Eingangszone proposed the handover to jc_leistung with a
    note; returns (case id, id of the open acknowledgement task)."""
    advance_to(eng, "2027-10-04")
    case = eng.cases.start({"family_name": "Haddad", "given_name": "Rana",
                            "birth_date": "1990-04-12", "languages": ["ar"],
                            "interpreter_needed": True}, "NW", "resettlement",
                           actor="cw_eingangszone").id
    complete_open(eng, case, "Task_register", REGISTRATION)
    complete_open(eng, case, "Task_resettlement_arrival", {"arrival_date": "2027-10-04"})
    form = {**proposal("2027-10-06T10:00:00+02:00", ["identity", "benefits"]),
            "handover_note": NOTE}
    complete_open(eng, case, "Task_handover_propose", form)
    return case, find_open(eng, case, "Task_handover_ack").id


def test_the_ack_task_shows_sender_appointment_package_and_note(life_app: Flask,
                                                                 life: Staffel) -> None:
    _case, ack = proposed(life)
    page = text(client_of(life_app, "cw_jc_leistung").get(f"/tasks/{ack}", headers=HTML))
    assert 'id="handover-summary"' in page
    assert "Eingangszone" in page and "cw_eingangszone" in page
    assert "6. Oktober 2027" in page and "10:00" in page and "persönlich" in page
    assert "§69 Abs. 1 Nr. 1 SGB X" in page
    assert "Familienname" in page and "Leistungen" in page  # German labels of the fields
    assert NOTE in page
    # the page does not hand the package out: no audit event of a shared package
    assert "handover_package_shared" not in [e.action for e in life.audit.events(_case)]


def test_the_ack_task_shows_nothing_to_an_administrator(life_app: Flask,
                                                         life: Staffel) -> None:
    _case, ack = proposed(life)
    page = text(client_of(life_app, "admin").get(f"/tasks/{ack}", headers=HTML))
    assert "Übergabe bestätigen" in page
    assert NOTE not in page and "handover-summary" not in page and "Haddad" not in page
    assert 'id="comments"' not in page


def test_a_draft_is_saved_restored_private_and_discarded(life_app: Flask,
                                                         life: Staffel) -> None:
    _case, ack = proposed(life)
    mine = client_of(life_app, "cw_jc_leistung")
    saved = post(mine, f"/tasks/{ack}/draft", {"handover_ack_note": "Noch offen: Bescheid",
                                              "handover_appointment_confirmed": "true"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/tasks/{ack}")
    page = text(mine.get(f"/tasks/{ack}", headers=HTML))
    assert "Noch offen: Bescheid" in page and 'id="draft-notice"' in page
    assert life.tasks.info(ack).state == "open"
    other = text(client_of(life_app, "cw_jc2").get(f"/tasks/{ack}", headers=HTML))
    assert "Noch offen: Bescheid" not in other and "draft-notice" not in other
    post(mine, f"/tasks/{ack}/draft/delete")
    assert "Noch offen: Bescheid" not in text(mine.get(f"/tasks/{ack}", headers=HTML))


def test_comments_reach_the_other_team_and_bad_ones_are_422(life_app: Flask,
                                                             life: Staffel) -> None:
    case, ack = proposed(life)
    receiving = client_of(life_app, "cw_jc_leistung")
    added = post(receiving, f"/tasks/{ack}/comments",
                 {"text": "Bitte den Bescheid mitbringen.", "next": f"/tasks/{ack}"})
    assert added.status_code == 302
    sender = client_of(life_app, "cw_eingangszone")
    case_page = text(sender.get(f"/cases/{case}", headers=HTML))
    assert f"/tasks/{ack}/comments" in case_page
    page = text(sender.get(f"/tasks/{ack}/comments", headers=HTML))
    assert "Bitte den Bescheid mitbringen." in page and "cw_jc_leistung" in page
    before = snapshot(life)
    for bad in ("", "x" * 2001):
        answer = post(sender, f"/tasks/{ack}/comments", {"text": bad})
        assert answer.status_code == 422
        assert "Bitte schreiben Sie einen Kommentar." in text(answer) \
            or "Der Kommentar ist zu lang" in text(answer)
    assert snapshot(life) == before
    with life.db.read() as s:
        assert len(s.scalars(select(TaskComment)).all()) == 1
    outsider = client_of(life_app, "cw_sozialamt")
    assert outsider.get(f"/tasks/{ack}/comments", headers=HTML).status_code == 404
    admin = client_of(life_app, "admin")
    assert admin.get(f"/tasks/{ack}/comments", headers=HTML).status_code == 404


def test_languages_are_prefilled_on_the_registration(life_app: Flask, life: Staffel) -> None:
    case = life.cases.start({"family_name": "Haddad", "given_name": "Rana",
                             "birth_date": "1990-04-12", "languages": ["ar", "ku"],
                             "interpreter_needed": True}, "NW", "resettlement",
                            actor="cw_eingangszone")
    task_id = find_open(life, case.id, "Task_register").id
    page = text(client_of(life_app, "cw_eingangszone").get(f"/tasks/{task_id}", headers=HTML))
    assert re.search(r'name="languages"[^>]*value="ar, ku"|value="ar, ku"[^>]*name="languages"',
                     page), page[page.find("languages") - 200:page.find("languages") + 300]
    assert "Haddad" not in text(client_of(life_app, "admin").get(f"/tasks/{task_id}",
                                                                   headers=HTML))


def test_completing_a_task_someone_else_holds_is_409_naming_them(app: Flask,
                                                                 api_engine: Staffel) -> None:
    task_id = str(start_basic(api_engine).open_tasks[0].id)
    api_engine.tasks.claim(task_id, "cw_soz2")
    client = client_of(app, "cw_soz")
    before = snapshot(api_engine)
    answer = post(client, f"/tasks/{task_id}", {"interpreter_needed": "true"})
    assert answer.status_code == 409
    assert "cw_soz2 hat die Aufgabe übernommen" in text(answer)
    assert snapshot(api_engine) == before


FORM_RE = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]+)"', re.S)
NOT_FOR_THIS = ("/logout", "/language")  # every user's: they never answer 403


def test_an_administrator_sees_no_form_that_answers_403(app: Flask, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    task_id = str(case.open_tasks[0].id)
    admin = client_of(app, "admin")
    pages = ["/inbox", f"/tasks/{task_id}", f"/cases/{case.id}", "/cases"]
    found: list[tuple[str, str]] = []
    for path in pages:
        html = text(admin.get(path, headers=HTML, follow_redirects=True))
        found += [(path, action) for action in FORM_RE.findall(html)
                  if not action.startswith(NOT_FOR_THIS)]
    token = csrf_token(admin, "/inbox")
    for path, action in found:
        answer = admin.post(action, data={"csrf_token": token}, headers=HTML)
        assert answer.status_code != 403, (path, action)
    assert all(path != f"/tasks/{task_id}" for path, _ in found)  # no claim, no draft


def test_case_comments_link_only_for_those_who_see_the_person(app: Flask,
                                                              api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    admin_page = text(client_of(app, "admin").get(f"/cases/{case.id}", headers=HTML))
    assert "/comments" not in admin_page
    mine = text(client_of(app, "cw_soz").get(f"/cases/{case.id}", headers=HTML))
    assert f"/tasks/{case.open_tasks[0].id}/comments" in mine
