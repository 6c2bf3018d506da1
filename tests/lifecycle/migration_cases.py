"""Helpers for migration tests on the real diagrams: cases at several stages of bpmn/ (in the
main process and inside called processes) and changed copies of bpmn/ to deploy."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine import Staffel
from tests.lifecycle.helpers import (
    BPMN_DIR,
    PERSON,
    REGISTRATION,
    complete_open,
    register_asylum,
    start_asylum,
)

# a task of the main diagram that no case of these tests has reached
MAIN_TASK_RENAME = ('name="Ende der Wohnsitzauflage vermerken (§12a)"',
                    'name="Ende der Wohnsitzauflage im Register vermerken (§12a)"')
# a task of the called process asylum_procedure
ASYLUM_TASK_RENAME = ('name="Aufenthaltsgestattung erfassen (§55 AsylG)"',
                      'name="Aufenthaltsgestattung erfassen und prüfen (§55 AsylG)"')

# where each case stands: (label, called process it runs in, or None for the main process)
STAGES = (("register", None), ("asylblg_grant", "asylum_procedure"),
          ("waits_for_bamf", "asylum_procedure"), ("decision_served", "bamf_decision"),
          ("resettlement_arrival", None), ("resettlement_handover", "warm_handover"))


def cases_at_stages(eng: Staffel) -> dict[str, str]:
    """Start one case per entry of :data:`STAGES` and carry it there; return label -> case id."""
    found: dict[str, str] = {}
    found["register"] = start_asylum(eng, "8000000-001").id
    found["asylblg_grant"] = start_asylum(eng, "8000000-002").id
    complete_open(eng, found["asylblg_grant"], "Task_register", REGISTRATION)
    found["waits_for_bamf"] = start_asylum(eng, "8000000-003").id
    register_asylum(eng, found["waits_for_bamf"])
    found["decision_served"] = start_asylum(eng, "8000000-004").id
    register_asylum(eng, found["decision_served"])
    eng.messages.correlate("bamf_decision", {"outcome": "refugee", "decision_date": "2027-02-26",
                                             "served_on": "2027-03-01"},
                           correlation={"bamf_aktenzeichen": "8000000-004"})
    found["resettlement_arrival"] = eng.cases.start(PERSON, "NW", "resettlement",
                                                    actor="cw_eingangszone").id
    complete_open(eng, found["resettlement_arrival"], "Task_register", REGISTRATION)
    found["resettlement_handover"] = eng.cases.start(PERSON, "NW", "resettlement",
                                                     actor="cw_eingangszone").id
    complete_open(eng, found["resettlement_handover"], "Task_register", REGISTRATION)
    complete_open(eng, found["resettlement_handover"], "Task_resettlement_arrival",
                  {"arrival_date": "2027-03-01"})
    return found


def changed_copy(target: Path, edits: dict[str, tuple[str, str]]) -> Path:
    """A copy of bpmn/ in ``target`` with ``old`` replaced by ``new`` (exactly once) in each
    named file; returns the copy's directory."""
    copy = target / "bpmn"
    if not copy.exists():
        shutil.copytree(BPMN_DIR, copy)
    for file_name, (old, new) in edits.items():
        path = copy / file_name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, (file_name, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    return copy
