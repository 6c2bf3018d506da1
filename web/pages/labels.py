"""Words the pages show for engine codes: stages, teams, deadlines, audit actions, states.

Stage names follow LIFECYCLE.md §2 (German first; English for the English pages). Everything
else goes through gettext like the templates.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _

from engine import BERLIN, get_team
from web.i18n import current_language

#: the 16 Länder by their codes (proper names: the same in both languages)
LAND_NAMES: dict[str, str] = {
    "BW": "Baden-Württemberg", "BY": "Bayern", "BE": "Berlin", "BB": "Brandenburg",
    "HB": "Bremen", "HH": "Hamburg", "HE": "Hessen", "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen", "NW": "Nordrhein-Westfalen", "RP": "Rheinland-Pfalz",
    "SL": "Saarland", "SN": "Sachsen", "ST": "Sachsen-Anhalt", "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}

# code -> (German, English), in lifecycle order
STAGES: dict[str, tuple[str, str]] = {
    "S1": ("Asylsuchend (Ankunftsnachweis, §63a AsylG)",
           "Asylum seeker (proof of arrival, §63a AsylG)"),
    "S2": ("Aufenthaltsgestattung, Asylverfahren läuft (§55 AsylG)",
           "Permission to stay, asylum procedure running (§55 AsylG)"),
    "S3a": ("Asylberechtigung (Art. 16a GG, §25 Abs. 1 AufenthG)",
            "Asylum (Art. 16a GG, §25(1) AufenthG)"),
    "S3b": ("Flüchtlingsschutz (§3 AsylG, §25 Abs. 2 AufenthG)",
            "Refugee status (§3 AsylG, §25(2) AufenthG)"),
    "S3c": ("Subsidiärer Schutz (§4 AsylG, §25 Abs. 2 AufenthG)",
            "Subsidiary protection (§4 AsylG, §25(2) AufenthG)"),
    "S3d": ("Abschiebungsverbot (§60 Abs. 5/7, §25 Abs. 3 AufenthG)",
            "Deportation ban (§60(5)/(7), §25(3) AufenthG)"),
    "S3e": ("Resettlement (§23 Abs. 4 AufenthG)", "Resettlement (§23(4) AufenthG)"),
    "S4": ("Abgelehnt, Duldung (§60a AufenthG)", "Rejected, toleration (§60a AufenthG)"),
    "S4a": ("Ausbildungsduldung (§60c AufenthG)", "Training toleration (§60c AufenthG)"),
    "S4b": ("Aufenthaltserlaubnis nach §25 Abs. 5 AufenthG",
            "Residence permit under §25(5) AufenthG"),
    "S5": ("SGB II und Integration am Integration Point",
           "SGB II and integration at the Integration Point"),
    "S6": ("Regelbetreuung im Jobcenter (Regelteam)", "Regular Jobcenter team"),
}
# The six steps of the timeline; S3 and S4 have variants
TIMELINE: tuple[tuple[str, tuple[str, str]], ...] = (
    ("S1", ("Asylsuchend", "Asylum seeker")),
    ("S2", ("Asylverfahren", "Asylum procedure")),
    ("S3", ("Schutzstatus", "Protection status")),
    ("S4", ("Duldung", "Toleration")),
    ("S5", ("SGB II und Integration", "SGB II and integration")),
    ("S6", ("Regelbetreuung", "Regular Jobcenter team")),
)


def _pick(pair: tuple[str, str]) -> str:
    return pair[0] if current_language() == "de" else pair[1]


def stage_name(code: str | None) -> str:
    """The name of a stage in the page language (the code itself if unknown)."""
    if not code:
        return ""
    return _pick(STAGES[code]) if code in STAGES else code


def team_name(key: str | None) -> str:
    """The name of a team in the page language."""
    if not key:
        return ""
    try:
        team = get_team(key)
    except KeyError:
        return key
    return team.name_de if current_language() == "de" else team.name_en


def message_label(name: str) -> str:
    """The name of an outside event (a message from another office) in the page language."""
    names = {
        "permit_issued": _("Residence permit issued"),
        "bamf_decision": _("BAMF decision"),
        "course_started": _("Integration course started"),
        "course_result": _("Integration course result"),
        "sgb2_application_received": _("SGB II application received"),
        "duldung_issued": _("Toleration (Duldung) issued"),
        "training_contract": _("Training contract"),
    }
    return names.get(name, name.replace("_", " "))


def timeline(current: str, visited: set[str]) -> list[dict[str, str]]:
    """The six timeline steps with ``state`` done / current / open and the variant reached."""
    steps = []
    for slot, names in TIMELINE:
        reached = sorted(code for code in visited | {current} if code.startswith(slot))
        code = current if current.startswith(slot) else (reached[-1] if reached else slot)
        state = ("current" if current.startswith(slot)
                 else "done" if reached else "open")
        title = stage_name(code) if code in STAGES else _pick(names)
        steps.append({"slot": slot, "code": code, "title": title, "state": state})
    return steps


def deadline_name(key: str) -> str:
    """A readable name of a computed deadline key."""
    names = {
        "sgb2_start": _("SGB II start"),
        "sgb2_application": _("SGB II application due"),
        "asylblg_end": _("End of AsylbLG benefits"),
        "lawsuit": _("Lawsuit deadline"),
        "objection": _("Objection deadline"),
        "permit_renewal": _("Permit renewal reminder"),
        "permit_expiry": _("Permit expiry"),
        "residence_obligation_end": _("End of residence obligation (§12a)"),
        "course_entitlement_lapses": _("Integration course entitlement lapses"),
        "ip_responsibility_end": _("End of the Integration Point's responsibility"),
        "handover_ack": _("Handover acknowledgement due"),
        # the keys the diagrams in bpmn/ record (bpmn/README.md)
        "served_on": _("Decision served"),
        "lawsuit_deadline": _("Lawsuit deadline"),
        "lawsuit_deadline_earliest": _("Lawsuit deadline: earliest possible end"),
        "decision_final_on": _("Decision final"),
        "exit_deadline": _("Exit deadline"),
        "sgb2_application_deadline": _("SGB II application due"),
        "permit_renewal_reminder": _("Permit renewal reminder"),
        "wohnsitzauflage_end": _("End of residence obligation (§12a)"),
        "course_entitlement_expiry": _("Integration course entitlement lapses"),
        "duldung_review": _("Toleration review (18 months)"),
    }
    return names.get(key, key.replace("_", " "))


def action_name(action: str) -> str:
    """A readable name of an audit action."""
    names = {
        "case_created": _("Case created"),
        "instance_started": _("Process started"),
        "instance_completed": _("Process completed"),
        "task_created": _("Task created"),
        "task_claimed": _("Task claimed"),
        "task_unclaimed": _("Task given back"),
        "task_assigned": _("Task assigned"),
        "task_completed": _("Task completed"),
        "task_cancelled": _("Task cancelled"),
        "timer_fired": _("Timer fired"),
        "message_correlated": _("Message received"),
        "message_buffered": _("Message kept for later"),
        "buffered_message_used": _("Kept message used"),
        "buffered_message_expired": _("Kept message expired: to be looked at"),
        "stage_changed": _("Stage changed"),
        "benefit_system_changed": _("Benefit system changed"),
        "deadline_computed": _("Deadline computed"),
        "handover_proposed": _("Handover proposed"),
        "handover_acknowledged": _("Handover acknowledged"),
        "handover_escalated": _("Handover escalated"),
        "case_closed": _("Case closed"),
        "deployed": _("New process version deployed"),
        "rolled_back": _("Rolled back to an earlier version"),
    }
    return names.get(action, action.replace("_", " "))


def handover_state(state: str) -> str:
    """A readable handover state."""
    names = {"proposed": _("proposed, waiting for acknowledgement"),
             "acknowledged": _("acknowledged"), "escalated": _("escalated")}
    return names.get(state, state)


def benefit_name(code: str | None) -> str:
    """A readable benefit system."""
    names = {"asylblg": _("AsylbLG (Sozialamt)"), "sgb2": _("SGB II (Jobcenter)")}
    return names.get(code or "", code or "–")


def court_label(key: str | None) -> str:
    """A case's Verwaltungsgericht by name ("VG Augsburg"), "–" if it has none."""
    from engine import COURTS

    court = COURTS.get(key or "")
    return court.name if court else (key or "–")


def due_day(due_at: datetime | None) -> date | None:
    """The last day a task is due on (tasks are due by the end of a Berlin day)."""
    if due_at is None:
        return None
    return (due_at.astimezone(BERLIN) - timedelta(microseconds=1)).date()


def berlin(moment: datetime | None) -> datetime | None:
    """A moment in Berlin time (display only)."""
    return moment.astimezone(BERLIN) if moment is not None else None


def detail_name(key: str) -> str:
    """A readable name of one detail of an audit event (``entry`` → "Zugang")."""
    names = {
        "entry": _("Entry"), "land": _("Land"), "court": _("Administrative court"),
        "process": _("Process"), "version": _("Version"), "old": _("before"),
        "new": _("after"), "key": _("Key"), "date": _("Date"), "legal_basis": _("Legal basis"),
        "from_team": _("from team"), "to_team": _("to team"), "team": _("Team"),
        "assignee": _("Assigned to"), "fields": _("Fields"), "shared_fields": _("shared"),
        "format": _("Format"), "message": _("Message"), "due_at": _("Due"),
        "from_version": _("from version"), "to_version": _("to version"),
        "task_id": _("Task"), "handover_id": _("Handover"), "changes": _("Changes"),
        "timers_moved": _("Timers moved"), "expires_at": _("Expires"),
        "restored_version": _("restored version"), "files": _("Files"),
    }
    return names.get(key, key.replace("_", " "))


def shared_data_names(names: list[str]) -> str:
    """The data categories or fields of a handover, by their readable names."""
    from web.outbound import category_label, field_label

    return ", ".join(category_label(n) if category_label(n) != n else field_label(n)
                     for n in names)


def detail_value(key: str, value: object) -> str:
    """A detail's value in words where it is a code (entry, Land, team, stage, field names)."""
    if isinstance(value, list):
        if key in ("fields", "shared_fields"):
            return shared_data_names([str(v) for v in value])
        return ", ".join(map(str, value))
    text = str(value)
    if key == "entry":
        return {"asylum": _("Asylum"), "resettlement": _("Resettlement")}.get(text, text)
    if key == "land":
        return LAND_NAMES.get(text, text)
    if key in ("team", "from_team", "to_team"):
        return team_name(text)
    if key in ("old", "new") and text in STAGES:
        return stage_name(text)
    if key in ("old", "new") and text in ("asylblg", "sgb2"):
        return benefit_name(text)
    if key == "court":
        return court_label(text)
    if key == "message":
        return message_label(text)
    if key == "key" and deadline_name(text) != text.replace("_", " "):
        return deadline_name(text)
    if key == "date":
        try:
            return str(format_date(date.fromisoformat(text), "medium"))
        except ValueError:
            return text
    return text
