"""Deploy problems and the editor's bpmn-js/bpmnlint words in the page language (issue 15,
point 13): every message shape the engine writes is said again in German with its names; a
message no pattern knows is introduced as a technical message; English stays as it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, session

from engine import Staffel
from tests.conftest import DATA
from web.i18n import SESSION_KEY
from web.pages.editor_i18n import editor_translations
from web.pages.editor_problems import problem_message

BAD = DATA / "bpmn_bad"
FALLBACK = "Technische Meldung der Prüfung: "


@pytest.mark.parametrize(("english", "german"), [
    ("userTask Task_x has no incoming sequence flow (dangling)",
     "Benutzeraufgabe Task_x hat keinen eingehenden Sequenzfluss."),
    ("sla_days of user task Task_a must be a whole number of working days from 1 to 9999, "
     "not '0'", "Die Bearbeitungsfrist (SLA) der Benutzeraufgabe Task_a muss eine ganze Zahl "
                "von Arbeitstagen zwischen 1 und 9999 sein, nicht „0“."),
    ("form 'x.schema.json' not found", "Formular „x.schema.json“ nicht gefunden."),
    ("call activity Call_a calls unknown process 'ghost'",
     "Aufrufaktivität Call_a ruft den unbekannten Prozess „ghost“ auf."),
    ("something SpiffWorkflow says", FALLBACK + "something SpiffWorkflow says"),
])
def test_problems_in_german(app: Flask, english: str, german: str) -> None:
    with app.test_request_context():
        assert problem_message(english) == german
        session[SESSION_KEY] = "en"
        assert problem_message(english) == english


def test_the_problems_of_the_bad_fixtures_have_german_texts(app: Flask,
                                                              engine: Staffel) -> None:
    messages = []
    for path in sorted(Path(BAD).glob("*.bpmn")):
        messages += [p.message for p in engine.definitions.validate(
            {path.name: path.read_bytes()})]
    assert len(messages) > 20
    with app.test_request_context():
        german = [problem_message(m) for m in messages]
    technical = [m for m in german if m.startswith(FALLBACK)]
    assert len(technical) <= len(messages) // 10, technical  # none when this was written


def test_editor_words(app: Flask) -> None:
    with app.test_request_context():
        words = editor_translations()
        assert words["exact"]["No Issues"] == "Keine Probleme"
        assert words["exact"]["Create task"] == "Aufgabe anlegen"
        assert words["exact"]["{errors} Errors, {warnings} Warnings"] == \
            "{errors} Fehler, {warnings} Warnungen"
        session[SESSION_KEY] = "en"
        assert editor_translations() == {"exact": {}, "patterns": []}
