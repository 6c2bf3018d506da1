"""Issue 15, points 1 and 2: a small process whose three user tasks use the real forms of
``bpmn/forms`` (Gestattung, registration, handover proposal), for the API, page and browser
tests of plausibility rules and readable errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine import Staffel
from tests.conftest import PERSON

ROOT = Path(__file__).resolve().parent.parent
PROCESS = ROOT / "tests" / "data" / "form_rules" / "plausibility.bpmn"
FORMS = ("gestattung", "registration", "handover_proposal")


def deploy_plausibility(engine: Staffel) -> None:
    """Deploy the process with the real forms."""
    files = {"plausibility.bpmn": PROCESS.read_text(encoding="utf-8")}
    for name in FORMS:
        files[f"forms/{name}.schema.json"] = (ROOT / "bpmn" / "forms" /
                                              f"{name}.schema.json").read_text(encoding="utf-8")
    engine.definitions.deploy(files, actor="tester")


def start_plausibility(engine: Staffel, az: str = "8123456-423") -> dict[str, str]:
    """A case with its three open tasks: element id -> task id."""
    case = engine.cases.start(PERSON, "NW", "asylum", az, process_key="plausibility",
                              actor="tester")
    return {t.name: t.id for t in case.open_tasks}


GOOD: dict[str, dict[str, Any]] = {
    "Task_gestattung": {"asylum_application_filed_on": "2027-02-01",
                        "gestattung_valid_until": "2027-08-01"},
    "Task_register": {"interpreter_needed": True, "languages": ["ar"],
                      "identity_documents": "passport", "consent_given": False},
}
