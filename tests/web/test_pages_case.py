"""The case view: person as far as the viewer may see it, timeline, diagram source, deadlines,
handovers, audit trail; 404 for cases none of the viewer's teams worked on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from engine.model import CaseInfo
from tests.conftest import DATA, PERSON
from tests.web.conftest import start_basic, start_jc
from tests.web.test_pages_support import HTML, login, text

WEB_DIAGRAMS = DATA / "web"


def start_handover(engine: Staffel) -> CaseInfo:
    """A case of the test process ``handover`` (with diagram layout): stage S3b, two
    deadlines, a proposed handover and an open sozialamt task ``Task_prepare``."""
    engine.definitions.deploy_directory(Path(WEB_DIAGRAMS), actor="tester")
    return engine.cases.start(PERSON, "NW", "asylum", "8100001-423", process_key="handover",
                             actor="tester")


def test_case_view_shows_every_section(client: FlaskClient, api_engine: Staffel) -> None:
    case = start_handover(api_engine)
    login(client, "cw_soz")
    page = client.get(f"/cases/{case.id}", headers=HTML)
    body = text(page)
    assert page.status_code == 200
    for heading in ("Person", "Phasen", "Prozess", "Fristen", "Übergaben", "Protokoll"):
        assert f">{heading}</h2>" in body, heading
    assert "Haddad" in body and "Rana" in body and "12.04.1990" in body
    assert "8100001-423" in body
    # timeline: S1 passed, S3 current with its variant, S5 not reached, all said in text
    assert 'class="done"' in body and 'aria-current="step"' in body
    assert "Flüchtlingsschutz (§3 AsylG" in body and "aktuelle Phase" in body
    assert "nicht erreicht" in body
    assert "Ende der AsylbLG-Leistungen" in body and "31.03.2027" in body
    assert "§37 Abs. 2 SGB II" in body and ">NW<" in body
    assert "Sozialamt (AsylbLG) → Jobcenter Leistungssachbearbeitung" in body
    assert "§69 SGB X" in body and "Einwilligung liegt vor" in body
    assert "vorgeschlagen, Bestätigung steht aus" in body
    assert "Fall angelegt" in body and "Phase gewechselt" in body and "tester" in body
    assert f'data-xml-url="/cases/{case.id}/process.bpmn"' in body
    assert 'data-open="Task_prepare"' in body
    assert "bpmn-navigated-viewer.production.min.js" in body


def test_process_xml_of_the_cases_version(client: FlaskClient, api_engine: Staffel) -> None:
    case = start_handover(api_engine)
    login(client, "cw_soz")
    response = client.get(f"/cases/{case.id}/process.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert b'<bpmn:userTask id="Task_prepare"' in response.data
    assert b"BPMNDiagram" in response.data


def test_other_teams_see_only_their_cases(app: Flask, client: FlaskClient,
                                          api_engine: Staffel) -> None:
    soz = start_basic(api_engine)
    jc = start_jc(api_engine)
    login(client, "cw_soz")
    for path in (f"/cases/{jc.id}", f"/cases/{jc.id}/process.bpmn", "/cases/nope"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert "Seite nicht gefunden" in text(response) and "Resettlement" not in text(response)
    jc_worker = app.test_client()
    login(jc_worker, "cw_jc")
    assert jc_worker.get(f"/cases/{soz.id}", headers=HTML).status_code == 404
    assert "Haddad" in text(jc_worker.get(f"/cases/{jc.id}", headers=HTML))


def test_admin_sees_only_the_pseudonymous_number(app: Flask, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    admin = app.test_client()
    login(admin, "admin")
    body = text(admin.get(f"/cases/{case.id}", headers=HTML))
    assert case.case_number in body
    assert "Haddad" not in body and "1990" not in body and "8123456-423" not in body
    assert 'id="person-hidden"' in body


def test_a_team_that_worked_on_the_case_keeps_seeing_it(client: FlaskClient,
                                                        api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    api_engine.tasks.complete(case.open_tasks[0].id, {"interpreter_needed": True},
                             actor="cw_soz")
    login(client, "cw_soz")
    body = text(client.get(f"/cases/{case.id}", headers=HTML))
    assert "Haddad" in body and "Keine offenen Aufgaben." in body
    # the audit names the fields in German (issue 15, point 13), not "interpreter_needed"
    assert "Aufgabe abgeschlossen" in body and "Felder: Dolmetscher nötig" in body
    assert "Das Diagramm" in body  # the fallback text for diagrams without layout


def test_unexpected_errors_show_a_page_without_a_trace(client: FlaskClient,
                                                      api_engine: Staffel,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    case = start_basic(api_engine)
    login(client, "cw_soz")

    def broken(_case_id: str) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api_engine.cases, "get", broken)
    response = client.get(f"/cases/{case.id}", headers=HTML)
    assert response.status_code == 500
    assert "Etwas ist schiefgegangen" in text(response)
    assert "secret internals" not in text(response) and "Traceback" not in text(response)


def test_roles_without_case_access_get_403(app: Flask, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    owner = app.test_client()
    login(owner, "owner")
    response = owner.get(f"/cases/{case.id}", headers=HTML)
    assert response.status_code == 403 and "Nicht erlaubt" in text(response)


def test_called_processes_are_marked_on_the_way_to_the_open_task(
        client: FlaskClient, api_engine: Staffel) -> None:
    case = start_jc(api_engine)  # parent calls child; the open task is in child
    login(client, "cw_jc")
    body = text(client.get(f"/cases/{case.id}", headers=HTML))
    assert body.count('class="case-diagram"') == 1  # both processes live in call.bpmn
    assert 'data-open="Call_child Task_ack"' in body
    child = client.get(f"/cases/{case.id}/process.bpmn?key=child")
    assert child.status_code == 200 and b'id="Task_ack"' in child.data
    assert client.get(f"/cases/{case.id}/process.bpmn?key=basic").status_code == 404


def test_the_case_page_says_what_the_case_waits_for_and_what_is_kept(
        client: FlaskClient, api_engine: Staffel) -> None:
    from datetime import timedelta

    from tests.web.conftest import start_waiting

    waiting = start_waiting(api_engine, "8000000-001")
    early = start_basic(api_engine, "8000000-002")
    api_engine.messages.receive("bamf_decision", {"outcome": "refugee"}, case_id=early.id,
                                actor="bamf")
    api_engine.clock.advance(by=timedelta(days=3))
    login(client, "cw_soz")

    def words(case_id: str) -> str:
        html = text(client.get(f"/cases/{case_id}", headers=HTML))
        return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" ,", ",")

    page = words(waiting.id)
    assert "Wartet auf" in page
    assert "BAMF-Bescheid (Sozialamt (AsylbLG)) seit 01.03.2027, Nachfrage am 01.06.2027" in page
    page = words(early.id)
    assert "Wartet auf keine Nachricht von außen." in page
    assert ("BAMF-Bescheid, eingegangen am 01.03.2027: wird verwendet, sobald der Fall so weit "
            "ist (aufbewahrt bis 29.02.2028)") in page
