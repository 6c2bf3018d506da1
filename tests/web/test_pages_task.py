"""The task form: fields from JSON Schema, engine validation shown next to the fields with the
entered data kept, completion, and 404 for other teams' tasks."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from engine import Staffel
from tests.web.conftest import start_basic, start_jc
from tests.web.test_pages_support import HTML, login, post, text
from web.forms_render import build_fields, explain, field_errors, parse_form

SCHEMA = {
    "type": "object",
    "required": ["decided_on", "count", "consent"],
    "properties": {
        "decided_on": {"type": "string", "format": "date", "title": "Entschieden am",
                       "description": "Datum des Bescheids"},
        "count": {"type": "integer", "title": "Anzahl", "minimum": 0},
        "amount": {"type": "number", "title": "Betrag"},
        "consent": {"type": "boolean", "title": "Einwilligung"},
        "level": {"type": "string", "enum": ["A1", "A2", "B1", "B2", "C1"]},
        "route": {"type": "string", "oneOf": [{"const": "sgb2", "title": "SGB II"},
                                              {"const": "sgb3", "title": "SGB III"}]},
        "note": {"type": "string", "maxLength": 500},
        "langs": {"type": "array", "items": {"enum": ["ar", "fa"]}},
        "blob": {"type": "object"},
    },
}


def test_fields_from_json_schema(app: Flask) -> None:
    with app.test_request_context():
        fields = {f.name: f for f in build_fields(SCHEMA, {"count": 3, "consent": False})}
    assert "blob" not in fields  # objects cannot be edited in a form
    assert fields["decided_on"].widget == "date" and fields["decided_on"].required
    assert fields["decided_on"].label == "Entschieden am"
    assert fields["decided_on"].described_by == "f-decided_on-hint"
    assert fields["count"].widget == "number" and fields["count"].attrs["step"] == "1"
    assert fields["count"].attrs["min"] == "0" and fields["count"].value == "3"
    assert fields["amount"].attrs["step"] == "any" and not fields["amount"].required
    assert fields["consent"].widget == "radio" and fields["consent"].value == "false"
    assert fields["level"].widget == "select" and len(fields["level"].options) == 5
    assert fields["route"].widget == "radio"
    assert fields["route"].options == [("sgb2", "SGB II"), ("sgb3", "SGB III")]
    assert fields["note"].widget == "textarea" and fields["langs"].widget == "checkboxes"


def test_posted_values_become_typed_data() -> None:
    form = MultiDict([("decided_on", "2027-03-01"), ("count", "4"), ("amount", "12,5"),
                      ("consent", "true"), ("level", ""), ("route", "sgb3"),
                      ("note", "  text  "), ("langs", "ar"), ("langs", "fa")])
    data, raw = parse_form(SCHEMA, form)
    assert data == {"decided_on": "2027-03-01", "count": 4, "amount": 12.5, "consent": True,
                    "route": "sgb3", "note": "text", "langs": ["ar", "fa"]}
    assert raw["level"] == "" and raw["amount"] == "12,5"
    bad, _raw = parse_form(SCHEMA, MultiDict([("count", "vier")]))
    assert bad == {"count": "vier"}  # the engine reports the type error


def test_engine_errors_are_explained_per_field(app: Flask) -> None:
    with app.test_request_context():
        by_field, general = field_errors(
            [{"field": "count", "message": "'x' is not of type 'integer'"},
             {"field": "consent", "message": "is required"},
             {"field": "(root)", "message": "something else"}], {"count", "consent"})
        assert by_field == {"count": "Bitte geben Sie eine Zahl ein.",
                            "consent": "Bitte füllen Sie dieses Feld aus."}
        assert general == ["something else"]
        assert explain("an unknown message") == "an unknown message"


def test_validation_error_next_to_the_field_then_fixed(client: FlaskClient,
                                                       api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    login(client, "cw_soz")
    form = text(client.get(f"/tasks/{task_id}", headers=HTML))
    assert "<legend" in form and "Dolmetscher nötig" in form and "(Pflichtfeld)" in form
    assert '<label for="f-language">Sprache' in form and "novalidate" in form
    failed = post(client, f"/tasks/{task_id}", {"language": "fa"})
    body = text(failed)
    assert failed.status_code == 422
    assert 'id="f-interpreter_needed-error"' in body
    assert 'aria-describedby="f-interpreter_needed-error"' in body
    assert body.count('aria-invalid="true"') == 2  # both radios of the field
    assert "Bitte füllen Sie dieses Feld aus." in body and 'href="#f-interpreter_needed"' in body
    assert re.search(r'<option value="fa"\s+selected>', body)  # the entered value is kept
    assert api_engine.tasks.info(task_id).state == "open"
    done = post(client, f"/tasks/{task_id}", {"language": "fa", "interpreter_needed": "true"})
    assert done.status_code == 302 and done.location == "/inbox"
    assert api_engine.tasks.info(task_id).state == "completed"
    assert api_engine.tasks.info(task_id).completed_by == "cw_soz"
    inbox = text(client.get("/inbox", headers=HTML))
    assert f"Die Aufgabe „Register person“ für Fall {case.case_number} ist abgeschlossen." in inbox
    closed = text(client.get(f"/tasks/{task_id}", headers=HTML))
    assert "Diese Aufgabe ist abgeschlossen." in closed and "<fieldset" not in closed


def test_a_task_held_by_someone_else_cannot_be_completed(app: Flask, client: FlaskClient,
                                                         api_engine: Staffel) -> None:
    task_id = start_basic(api_engine).open_tasks[0].id
    api_engine.tasks.claim(task_id, "cw_soz2")
    login(client, "cw_soz")
    page = text(client.get(f"/tasks/{task_id}", headers=HTML))
    assert "cw_soz2 bearbeitet diese Aufgabe." in page and "<fieldset" not in page
    response = post(client, f"/tasks/{task_id}", {"interpreter_needed": "false"})
    assert response.status_code == 409 and "cw_soz2 hat die Aufgabe übernommen" in text(response)
    assert api_engine.tasks.info(task_id).state == "open"
    lead = app.test_client()
    login(lead, "sup_soz")  # a team lead may complete it
    assert "<fieldset" in text(lead.get(f"/tasks/{task_id}", headers=HTML))


def test_other_teams_task_is_a_404(client: FlaskClient, api_engine: Staffel) -> None:
    jc_task = start_jc(api_engine).open_tasks[0].id
    login(client, "cw_soz")
    for response in (client.get(f"/tasks/{jc_task}", headers=HTML),
                     post(client, f"/tasks/{jc_task}", {"note": "x"}),
                     client.get("/tasks/not-a-uuid", headers=HTML)):
        assert response.status_code == 404
        assert "Seite nicht gefunden" in text(response) and "Traceback" not in text(response)
    assert api_engine.tasks.info(jc_task).state == "open"


def test_free_lists_date_times_and_labels_from_the_description(app: Flask) -> None:
    schema = {"type": "object", "properties": {
        "languages": {"type": "array", "title": "Sprachen", "items": {"type": "string"}},
        "appointment_at": {"type": "string", "format": "date-time"},
        "documents": {"type": "string", "enum": ["passport", "none"],
                      "description": "passport = Pass; none = keine"},
        "recipients": {"type": "array", "items": {
            "type": "string", "enum": ["lotse", "mbe"],
            "description": "lotse = Ehrenamtliche Lotsen; mbe = Migrationsberatung"}},
    }}
    with app.test_request_context():
        fields = {f.name: f for f in build_fields(
            schema, {"languages": ["ar", "fa"], "appointment_at": "2027-03-10T09:30:00+00:00"})}
    assert fields["languages"].widget == "list" and fields["languages"].value == "ar, fa"
    assert "Komma" in (fields["languages"].hint or "")
    assert fields["appointment_at"].widget == "datetime-local"
    assert fields["appointment_at"].value == "2027-03-10T10:30"  # Berlin wall time
    assert fields["documents"].options == [("passport", "Pass"), ("none", "keine")]
    assert fields["documents"].hint is None  # the description only named the choices
    assert fields["recipients"].options[1] == ("mbe", "Migrationsberatung")
    data, _raw = parse_form(schema, MultiDict([("languages", "ar, fa;ti"),
                                               ("appointment_at", "2027-07-01T10:00"),
                                               ("recipients", "lotse")]))
    assert data == {"languages": ["ar", "fa", "ti"],
                    "appointment_at": "2027-07-01T10:00:00+02:00", "recipients": ["lotse"]}
