"""Helpers for the lifecycle path tests: drive a case through bpmn/ on the simulated clock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from engine import Staffel
from engine.model import CaseInfo, TaskInfo

ROOT = Path(__file__).resolve().parents[2]
BPMN_DIR = ROOT / "bpmn"
BERLIN = ZoneInfo("Europe/Berlin")

PERSON = {"family_name": "Haddad", "given_name": "Rana", "birth_date": "1990-04-12",
          "nationality": "SY", "languages": ["ar"], "interpreter_needed": True}

# --- standard form data (every field name is a form field of bpmn/forms/) ---------------------
REGISTRATION = {"interpreter_needed": True, "languages": ["ar"],
                "identity_documents": "arrival_certificate", "consent_given": True,
                "consent_purpose": "Integrationskurs und Beratung",
                "consent_recipients": ["kurstraeger", "beratungsstelle"],
                "consent_date": "2027-03-01"}
REGISTRATION_NO_CONSENT = {"interpreter_needed": False, "languages": ["fa"],
                           "identity_documents": "arrival_certificate", "consent_given": False}
ASYLBLG_GRANT = {"asylblg_from": "2027-03-01", "accommodation": "shared"}
GESTATTUNG = {"asylum_application_filed_on": "2025-12-01", "gestattung_valid_until": "2027-09-01"}
PERMIT_PREPARE = {"fiktion_certificate_issued": False}
ASYLBLG_STOP = {"asylblg_stopped_after": "2027-01-31"}  # value irrelevant for the flow
SGB2_APPROVAL = {"sgb2_approved_from": "2027-01-01", "sgb2_approval_months": 12,
                 "no_gap_confirmed": True}
FIRST_APPOINTMENT = {"first_appointment_on": "2027-01-01", "language_level": "A1",
                     "cooperation_plan": True}
COURSE_PLANNED = {"course_planned": True, "course_obligated": True, "course_type": "general",
                  "course_hours": 700}
NO_COURSE = {"course_planned": False, "course_obligated": False}
ESCALATION = {"escalation_action": "reminded"}
CONTINUITY = {"asylblg_end_confirmed": True, "sgb2_start_confirmed": True,
              "application_status": "not_yet_filed", "no_gap": True}


def berlin(day: date | str, hour: int = 9, minute: int = 0) -> datetime:
    """A wall-clock time in Berlin as an aware datetime (what a caseworker sees)."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(d, time(hour, minute), tzinfo=BERLIN)


def new_engine(make_engine: Any) -> Staffel:
    """A fresh engine on its own database with everything in bpmn/ deployed."""
    eng: Staffel = make_engine()
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    return eng


def start_asylum(eng: Staffel, az: str = "8123456-423") -> CaseInfo:
    """Create an asylum case in NW (the process starts in the Eingangszone)."""
    return eng.cases.start(PERSON, "NW", "asylum", az, actor="cw_eingangszone")


def open_tasks(eng: Staffel, case_id: str) -> list[TaskInfo]:
    """Open tasks of the case, oldest first."""
    return eng.cases.get(case_id).open_tasks


def tasks_by_team(eng: Staffel, case_id: str) -> dict[str, list[str]]:
    """Open task element ids of the case, grouped by team (sorted)."""
    result: dict[str, list[str]] = defaultdict(list)
    for task in open_tasks(eng, case_id):
        result[task.team].append(task.name)
    return {team: sorted(names) for team, names in sorted(result.items())}


def find_open(eng: Staffel, case_id: str, name: str) -> TaskInfo:
    """The one open task with this element id (fails if there is none or several)."""
    matches = [t for t in open_tasks(eng, case_id) if t.name == name]
    assert len(matches) == 1, (name, tasks_by_team(eng, case_id))
    return matches[0]


def complete_open(eng: Staffel, case_id: str, name: str, data: dict[str, Any],
                  actor: str | None = None) -> TaskInfo:
    """Complete the one open task with this element id, as a member of its team."""
    task = find_open(eng, case_id, name)
    return eng.tasks.complete(task.id, data, actor or f"cw_{task.team}")


def deadline_dates(eng: Staffel, case_id: str) -> dict[str, date]:
    """The case's recorded deadlines as {key: date}."""
    return {key: info.date for key, info in eng.cases.get(case_id).deadlines.items()}


def advance_to(eng: Staffel, day: str, hour: int = 9) -> None:
    """Move the simulated clock to ``hour`` o'clock Berlin time on ``day``, firing timers."""
    eng.clock.advance(to=berlin(day, hour))


def fire_due(eng: Staffel) -> None:
    """Fire timers that are already due (e.g. a deadline that lay in the past when set)."""
    eng.clock.advance(by=timedelta(0))


def proposal(appointment: str, package: list[str] | None = None) -> dict[str, Any]:
    """Form data of a handover proposal with a joint appointment (ISO time with offset)."""
    return {"handover_appointment_at": appointment, "handover_appointment_mode": "in_person",
            "handover_interpreter": True,
            "handover_data_package": package or ["identity", "residence_status", "deadlines"]}


ACK = {"handover_taken_over": True, "handover_appointment_confirmed": True}
CLOSE = {"handover_meeting_held": True}


def warm_handover(eng: Staffel, case_id: str, appointment: str,
                  package: list[str] | None = None, continuity: bool = False) -> None:
    """Run one warm handover: propose (sender), [continuity check], acknowledge, close."""
    complete_open(eng, case_id, "Task_handover_propose", proposal(appointment, package))
    if continuity:
        complete_open(eng, case_id, "Task_continuity_check", CONTINUITY)
    complete_open(eng, case_id, "Task_handover_ack", ACK)
    complete_open(eng, case_id, "Task_handover_close", CLOSE)


def register_asylum(eng: Staffel, case_id: str, registration: dict[str, Any] = REGISTRATION
                    ) -> None:
    """Registration, AsylbLG grant and Gestattung: the case waits in S2 for the BAMF."""
    complete_open(eng, case_id, "Task_register", registration)
    complete_open(eng, case_id, "Task_asylblg_grant", ASYLBLG_GRANT)
    complete_open(eng, case_id, "Task_gestattung", GESTATTUNG)


def decided_case(make_engine: Any, day: str, *, land: str = "NW", outcome: str = "refugee",
                 how: str = "served_on", court: str | None = None, rules: Any = None,
                 prepare: Callable[[Staffel, str], None] | None = None
                 ) -> tuple[Staffel, str]:
    """A fresh engine with an asylum case in ``land`` (at ``court``) registered ten days
    before ``day``; on ``day`` the BAMF decision (dated three days earlier) is served or
    posted (``how``). ``prepare`` runs on the new case before anything else happens."""
    start = berlin(date.fromisoformat(day) - timedelta(days=10))
    extra = {"rules": rules} if rules is not None else {}
    eng = new_engine(lambda: make_engine(clock_start=start, **extra))
    case = eng.cases.start(PERSON, land, "asylum", "8123456-423", actor="cw_eingangszone",
                           court=court)
    if prepare is not None:
        prepare(eng, case.id)
    # consent given on the day of registration (a consent date after the engine's day is
    # refused by the registration form's x-rules)
    registered = (date.fromisoformat(day) - timedelta(days=10)).isoformat()
    register_asylum(eng, case.id, {**REGISTRATION, "consent_date": registered})
    advance_to(eng, day)
    decided = (date.fromisoformat(day) - timedelta(days=3)).isoformat()
    eng.messages.correlate("bamf_decision", {"outcome": outcome, "decision_date": decided,
                                             how: day},
                           correlation={"bamf_aktenzeichen": "8123456-423"})
    return eng, case.id


def recorded_dates(eng: Staffel, case_id: str, keys: tuple[str, ...]) -> dict[str, str]:
    """The case's recorded deadlines among ``keys``, as ISO text."""
    deadlines = eng.cases.get(case_id).deadlines
    return {key: info.date.isoformat() for key, info in deadlines.items() if key in keys}


def recognised_refugee(eng: Staffel, az: str = "8123456-423") -> str:
    """A new asylum case, registered, recognised as a refugee by a decision served on Friday
    12 March 2027 (the clock is moved there): AsylbLG ends 31 March, SGB II starts 1 April."""
    case = start_asylum(eng, az)
    register_asylum(eng, case.id)
    advance_to(eng, "2027-03-12")
    eng.messages.receive("bamf_decision", {"outcome": "refugee", "decision_date": "2027-03-10",
                                           "served_on": "2027-03-12"},
                         case_id=case.id, actor="bamf")
    return case.id
