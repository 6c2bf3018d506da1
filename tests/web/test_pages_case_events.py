"""Outside events recorded by hand on the case page (issue 12, part 4): the form comes from the
message's JSON Schema; the team of :data:`web.authz.RECORDERS` records, with the API's checks
and audit (source ``hand``, ``recorded_by``); bad input is 422 with the field and changes
nothing; everyone else gets 404."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.lifecycle.helpers import advance_to, register_asylum, start_asylum
from tests.web.conftest import bpmn_engine, snapshot
from tests.web.test_pages_support import HTML, login, post, text
from web import authz, create_app

USERS = {"cw_abh": (["caseworker"], ["auslaenderbehoerde"]),
         "cw_soz": (["caseworker"], ["sozialamt"]),
         "cw_jc": (["caseworker"], ["jc_leistung"]),
         "sup_abh": (["supervisor"], ["auslaenderbehoerde"]),
         "admin": (["admin"], [])}
DECISION = {"outcome": "deportation_ban", "decision_date": "2027-03-10",
            "served_on": "2027-03-12"}
PERMIT_FORM = {"paragraph": "§25(3)", "valid_until": "2028-04-19", "issued_on": "2027-04-01"}


@pytest.fixture
def lifecycle_engine(make_engine: Callable[..., Staffel]) -> Staffel:
    return bpmn_engine(make_engine, USERS)


@pytest.fixture
def web(lifecycle_engine: Staffel) -> FlaskClient:
    app: Flask = create_app({"ENGINE": lifecycle_engine, "DEPLOY_ON_START": False,
                             "TESTING": True, "SECRET_KEY": "test"})
    return app.test_client()


def at_permit_task(eng: Staffel) -> str:
    """A case at "Aufenthaltserlaubnis vorbereiten" (the ABH has a task on it)."""
    case = start_asylum(eng)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-03-12")
    eng.messages.receive("bamf_decision", DECISION, case_id=case.id, actor="bamf")
    advance_to(eng, "2027-03-31")
    assert [t.name for t in eng.cases.get(case.id).open_tasks] == ["Task_permit_prepare"]
    return case.id


def words(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def test_the_abh_records_a_permit_by_hand(web: FlaskClient, lifecycle_engine: Staffel) -> None:
    eng = lifecycle_engine
    case_id = at_permit_task(eng)
    login(web, "cw_abh")
    page = words(web.get(f"/cases/{case_id}", headers=HTML))
    assert "Meldung per Hand erfassen" in page and "Aufenthaltserlaubnis erteilt" in page
    form = web.get(f"/cases/{case_id}/events/permit_issued", headers=HTML)
    assert form.status_code == 200
    html = text(form)
    for label in ("Rechtsgrundlage", "Gültig bis (aufgedrucktes Datum)", "§25(2) Alt. 1"):
        assert label in html
    assert 'type="date"' in html

    done = post(web, f"/cases/{case_id}/events/permit_issued", PERMIT_FORM)
    assert done.status_code == 302 and done.location.endswith(f"/cases/{case_id}#waits")
    view = eng.cases.get(case_id)
    assert view.open_tasks == [] or all(t.name != "Task_permit_prepare" for t in view.open_tasks)
    assert "permit_renewal_reminder" in view.deadlines
    (event,) = [e for e in eng.audit.events(case_id) if e.action == "message_correlated"
                and e.details["message"] == "permit_issued"]
    assert (event.actor, event.details["source"], event.details["recorded_by"]) == (
        "cw_abh", "hand", "cw_abh")
    page = words(web.get(f"/cases/{case_id}", headers=HTML))
    assert "„Aufenthaltserlaubnis erteilt“ erfasst: der Fall geht weiter." in page
    assert "per Hand erfasst von cw_abh" in page
    assert "erledigt durch die Meldung: Aufenthaltserlaubnis erteilt" in page


def test_an_early_decision_recorded_by_hand_is_kept(web: FlaskClient,
                                                    lifecycle_engine: Staffel) -> None:
    eng = lifecycle_engine
    case = start_asylum(eng)  # the Sozialamt's registration is still open
    eng.tasks.complete(eng.cases.get(case.id).open_tasks[0].id,
                       {"interpreter_needed": False, "languages": ["ar"],
                        "identity_documents": "arrival_certificate", "consent_given": False},
                       "cw_ez")
    login(web, "cw_soz")
    done = post(web, f"/cases/{case.id}/events/bamf_decision", DECISION)
    assert done.status_code == 302, words(done)
    view = eng.cases.get(case.id)
    assert [(k.message, k.source, k.received_by) for k in view.buffered] == [
        ("bamf_decision", "hand", "cw_soz")]
    page = words(web.get(f"/cases/{case.id}", headers=HTML))
    assert "erfasst und aufbewahrt" in page


@pytest.mark.parametrize(("form", "field", "reason"), [
    ({"paragraph": "§25(3)"}, "valid_until", "Bitte füllen Sie dieses Feld aus."),
    ({"paragraph": "§26", "valid_until": "2028-04-19"}, "paragraph",
     "Bitte wählen Sie eine der angebotenen Möglichkeiten."),
    ({"paragraph": "§25(3)", "valid_until": "19.04.2028x"}, "valid_until",
     "Bitte geben Sie ein gültiges Datum ein."),
], ids=["missing date", "unknown paragraph", "not a date"])
def test_bad_input_is_422_next_to_the_field_and_changes_nothing(
        web: FlaskClient, lifecycle_engine: Staffel, form: dict[str, str], field: str,
        reason: str) -> None:
    case_id = at_permit_task(lifecycle_engine)
    login(web, "cw_abh")
    before = snapshot(lifecycle_engine)
    answer = post(web, f"/cases/{case_id}/events/permit_issued", form)
    assert answer.status_code == 422
    html = text(answer)
    assert 'id="error-summary"' in html and reason in html
    assert f'href="#f-{field}"' in html and f'id="f-{field}-error"' in html
    assert snapshot(lifecycle_engine) == before


@pytest.mark.parametrize(("user", "message"), [
    ("cw_jc", "permit_issued"),    # never worked on the case: not visible
    ("cw_soz", "permit_issued"),   # worked on it, but the permit is the ABH's to record
    ("admin", "permit_issued"),    # admins record nothing by hand (they see no person data)
    ("cw_abh", "no_such_message"),
])
def test_who_may_not_record_gets_404_and_nothing_changes(
        web: FlaskClient, lifecycle_engine: Staffel, user: str, message: str) -> None:
    case_id = at_permit_task(lifecycle_engine)
    login(web, user)
    before = snapshot(lifecycle_engine)
    assert web.get(f"/cases/{case_id}/events/{message}", headers=HTML).status_code == 404
    assert post(web, f"/cases/{case_id}/events/{message}", PERMIT_FORM).status_code == 404
    assert snapshot(lifecycle_engine) == before


def test_the_table_names_a_team_for_every_outside_event() -> None:
    from engine.law.outside_events import DEFAULT_OUTSIDE_EVENTS

    assert set(authz.RECORDERS) == set(DEFAULT_OUTSIDE_EVENTS.events)
    for name, teams in authz.RECORDERS.items():
        event = DEFAULT_OUTSIDE_EVENTS.get(name)
        assert event is not None and event.expected_team in teams
