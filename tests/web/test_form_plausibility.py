"""Issue 15, points 1 and 2 over HTTP: plausibility rules and readable validation errors of
task forms in the API (422, each field once, German or English by Accept-Language, nothing
changed) and on the task page (German next to the field, min/max and data-rules for the
page's script)."""

from __future__ import annotations

import html
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.form_plausibility import deploy_plausibility, start_plausibility
from tests.web.conftest import Api, assert_error, snapshot
from tests.web.test_pages_support import HTML, login, post, text
from web.form_messages import TEXTS, problem_text, translate_errors
from web.i18n import load_catalogue

COMPLETE = "/api/v1/tasks/{}/complete"
BAD_GESTATTUNG = {"asylum_application_filed_on": "2027-02-01",
                  "gestattung_valid_until": "2027-01-15"}
BAD_REGISTRATION = {"interpreter_needed": "ja", "languages": ["arabisch", "ar", "ar"],
                    "identity_documents": "none", "consent_given": True}


@pytest.fixture
def tasks(api_engine: Staffel) -> dict[str, str]:
    deploy_plausibility(api_engine)
    return start_plausibility(api_engine)


def test_the_texts_are_the_engines_and_all_have_german() -> None:
    from engine import FORM_MESSAGE_TEXTS

    assert TEXTS == FORM_MESSAGE_TEXTS
    german = load_catalogue("de")
    untranslated = [t for t in TEXTS.values() if german.gettext(t) == t]
    assert untranslated == []
    for template in TEXTS.values():  # the same placeholders in both languages
        assert sorted(re.findall(r"%\(\w+\)s", german.gettext(template))) == sorted(
            re.findall(r"%\(\w+\)s", template)), template


@pytest.mark.parametrize(("accept", "lang"), [(None, "en"), ("de-DE,de;q=0.9", "de"),
                                              ("en-GB,en;q=0.8,de;q=0.5", "en")])
def test_a_gestattung_before_the_application_is_a_422_in_the_callers_language(
        api: Api, api_engine: Staffel, tasks: dict[str, str], accept: str | None,
        lang: str) -> None:
    before = snapshot(api_engine)
    headers = {"Accept-Language": accept} if accept else {}
    response = api.client.post(COMPLETE.format(tasks["Task_gestattung"]),
                               json={"data": BAD_GESTATTUNG},
                               headers={**api.headers("cw_soz"), **headers})
    body = assert_error(response, 422, "invalid_input", {"gestattung_valid_until"})
    (error,) = body["errors"]
    assert error["code"] == "not_before"
    assert error["params"]["other"] == "asylum_application_filed_on"
    if lang == "de":
        assert body["message"] == "Die Formulardaten sind nicht gültig."
        assert error["message"] == ("Das Datum darf nicht vor „Asylantrag gestellt am“ "
                                    "(01.02.2027) liegen.")
    else:
        assert body["message"] == "the form data is not valid"
        assert error["message"] == ("The date must not be before “Asylantrag gestellt am” "
                                    "(Feb 1, 2027).")
    assert snapshot(api_engine) == before  # nothing changed, no audit event
    assert api_engine.tasks.info(tasks["Task_gestattung"]).state == "open"


def test_each_field_once_with_what_to_enter(api: Api, api_engine: Staffel,
                                            tasks: dict[str, str]) -> None:
    before = snapshot(api_engine)
    response = api.client.post(COMPLETE.format(tasks["Task_register"]),
                               json={"data": BAD_REGISTRATION},
                               headers={**api.headers("cw_soz"), "Accept-Language": "de"})
    body = assert_error(response, 422, "invalid_input")
    fields = [e["field"] for e in body["errors"]]
    assert sorted(fields) == sorted(set(fields)) == [
        "consent_date", "consent_purpose", "consent_recipients", "interpreter_needed",
        "languages"]
    by_field = {e["field"]: e for e in body["errors"]}
    languages = by_field["languages"]["message"]
    assert "„arabisch“ passt nicht. Erwartet: zweistelliger Sprachcode nach ISO 639-1" in \
        languages
    assert "Bitte geben Sie jeden Eintrag nur einmal an." in languages
    assert {p["code"] for p in by_field["languages"]["problems"]} == {"pattern", "uniqueItems"}
    assert by_field["consent_date"]["message"] == (
        "Pflichtangabe, weil bei „Einwilligung zur Datenweitergabe erteilt“ „Ja“ gewählt ist.")
    assert by_field["interpreter_needed"]["message"] == "Bitte wählen Sie Ja oder Nein."
    assert snapshot(api_engine) == before


def test_a_consent_date_in_2099_and_an_appointment_in_the_past(api: Api, api_engine: Staffel,
                                                               tasks: dict[str, str]) -> None:
    before = snapshot(api_engine)
    consent = {**BAD_REGISTRATION, "interpreter_needed": True, "languages": ["ar"],
               "consent_purpose": "Kurs", "consent_recipients": ["lotse"],
               "consent_date": "2099-01-01"}
    body = assert_error(api.post(COMPLETE.format(tasks["Task_register"]), {"data": consent},
                                 as_="cw_soz"), 422, "invalid_input", {"consent_date"})
    assert body["errors"][0]["message"] == (
        "The date must not lie in the future (today is Mar 1, 2027).")
    proposal = {"handover_appointment_at": "2027-02-27T10:00:00+01:00",
                "handover_appointment_mode": "video", "handover_data_package": ["identity"]}
    body = assert_error(api.post(COMPLETE.format(tasks["Task_handover_propose"]),
                                 {"data": proposal}, as_="cw_soz"),
                        422, "invalid_input", {"handover_appointment_at"})
    assert body["errors"][0]["code"] == "not_before"
    assert snapshot(api_engine) == before


def test_other_errors_keep_their_shape(api: Api, api_engine: Staffel,
                                       tasks: dict[str, str]) -> None:
    body = assert_error(api.post(COMPLETE.format(tasks["Task_gestattung"]),
                                 {"data": {**BAD_GESTATTUNG, "x": 1}}, as_="cw_soz"),
                        422, "invalid_input", {"(root)", "gestattung_valid_until"})
    root = next(e for e in body["errors"] if e["field"] == "(root)")
    assert root["message"] == "These fields are not part of the form: x."
    assert translate_errors([{"field": "a", "message": "as is"}], "de") == [
        {"field": "a", "message": "as is"}]


def test_the_page_shows_german_messages_and_the_rules(client: FlaskClient,
                                                      api_engine: Staffel,
                                                      tasks: dict[str, str]) -> None:
    login(client, "cw_soz")
    page = text(client.get(f"/tasks/{tasks['Task_gestattung']}", headers=HTML))
    assert 'max="2027-03-01"' in page  # filed on: not after the engine's day
    assert '<script src="/static/js/form-rules.js" defer></script>' in page
    rules = re.search(r'id="f-gestattung_valid_until"[^>]*data-rules="([^"]+)"', page)
    assert rules is not None
    (rule,) = json.loads(html.unescape(rules.group(1)))
    assert rule == {"bound": "min", "strict": False, "limit": None,
                    "other": "f-asylum_application_filed_on",
                    "message": "Das Datum darf nicht vor „Asylantrag gestellt am“ ({limit}) "
                               "liegen."}
    before = snapshot(api_engine)
    failed = post(client, f"/tasks/{tasks['Task_gestattung']}", BAD_GESTATTUNG)
    assert failed.status_code == 422
    body = text(failed)
    assert re.search(r'id="f-gestattung_valid_until-error"><span class="visually-hidden">'
                     r'Fehler:</span> Das Datum darf nicht vor „Asylantrag gestellt am“ '
                     r"\(01\.02\.2027\) liegen\.</p>", body)
    assert snapshot(api_engine) == before

    page = text(client.get(f"/tasks/{tasks['Task_register']}", headers=HTML))
    assert "zweistelliger Sprachcode nach ISO 639-1" in page  # the hint of the field
    assert 'data-required-if="[{&#34;consent_given&#34;: true}]"' in page
    failed = post(client, f"/tasks/{tasks['Task_register']}",
                  {"interpreter_needed": "true", "languages": "arabisch",
                   "identity_documents": "none", "consent_given": "true"})
    body = text(failed)
    assert "„arabisch“ passt nicht. Erwartet: zweistelliger Sprachcode nach ISO 639-1" in body
    assert "Pflichtangabe, weil bei „Einwilligung zur Datenweitergabe erteilt“ „Ja“ gewählt " \
           "ist." in body
    assert api_engine.tasks.info(tasks["Task_register"]).state == "open"


def test_the_page_speaks_english_when_chosen(client: FlaskClient, api_engine: Staffel,
                                             tasks: dict[str, str]) -> None:
    login(client, "cw_soz")
    post(client, "/language", {"lang": "en"})
    failed = post(client, f"/tasks/{tasks['Task_register']}",
                  {"interpreter_needed": "true", "languages": "arabisch",
                   "identity_documents": "none", "consent_given": "false"})
    body = html.unescape(text(failed))
    assert "“arabisch” does not fit: two-letter language code after ISO 639-1" in body


def test_a_rules_own_message_and_dates_per_language(app: Flask) -> None:
    params = {"limit": "2027-03-01", "today": True,
              "custom": {"de": "Nicht in der Zukunft.", "en": "Not in the future."}}
    assert problem_text("not_after", params, "de") == "Nicht in der Zukunft."
    assert problem_text("not_after", {"limit": "2027-03-01", "today": True}, "de") == (
        "Das Datum darf nicht in der Zukunft liegen (heute ist der 01.03.2027).")
    assert problem_text("minItems", {"limit": 1}, "de") == (
        "Bitte geben Sie mindestens einen Eintrag an.")
    assert problem_text("const", {"expected": True}, "de") == "Hier ist nur „Ja“ möglich."
