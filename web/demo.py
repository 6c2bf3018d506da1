"""Demo data for ``staffel serve --demo``: users of every role and cases at different stages."""

from __future__ import annotations

from engine import DEFAULT_PROCESS, TEAMS, Staffel, StaffelError

DEMO_PEOPLE = [
    # person, entry, BAMF Aktenzeichen, how far the demo walks the case
    ({"family_name": "Ahmadi", "given_name": "Karim", "birth_date": "2001-06-15",
      "nationality": "AF", "languages": ["fa", "en"]}, "asylum", "8100004-439", "new"),
    ({"family_name": "Haddad", "given_name": "Rana", "birth_date": "1990-04-12",
      "nationality": "SY", "languages": ["ar"]}, "asylum", "8100001-423", "waiting_for_bamf"),
    ({"family_name": "Tesfay", "given_name": "Yonas", "birth_date": "1996-11-02",
      "nationality": "ER", "languages": ["ti", "en"]}, "asylum", "8100002-224", "refugee"),
    ({"family_name": "Karimi", "given_name": "Amir", "birth_date": "1993-09-09",
      "nationality": "IQ", "languages": ["ar", "ku"]}, "asylum", "8100003-438", "rejected"),
    ({"family_name": "Rahimi", "given_name": "Zahra", "birth_date": "1988-01-30",
      "nationality": "AF", "languages": ["fa"]}, "resettlement", None, "new"),
]
REGISTRATION = {"interpreter_needed": True, "languages": ["ar"],
                "identity_documents": "arrival_certificate", "consent_given": True,
                "consent_purpose": "Integrationskurs und Beratung",
                "consent_recipients": ["kurstraeger", "beratungsstelle"]}


def _complete(engine: Staffel, case_id: str, name: str, data: dict[str, object]) -> None:
    task = next(t for t in engine.cases.get(case_id).open_tasks if t.name == name)
    engine.tasks.complete(task.id, data, actor="demo")


def _walk(engine: Staffel, case_id: str, how_far: str) -> None:
    """Walk a demo case through the lifecycle as the teams would."""
    if how_far == "new":
        return
    today = engine.clock.now().date().isoformat()
    _complete(engine, case_id, "Task_register", {**REGISTRATION, "consent_date": today})
    _complete(engine, case_id, "Task_asylblg_grant",
              {"asylblg_from": today, "accommodation": "shared"})
    _complete(engine, case_id, "Task_gestattung",
              {"asylum_application_filed_on": today, "gestattung_valid_until": today})
    if how_far in ("refugee", "rejected"):
        engine.messages.correlate("bamf_decision", {"outcome": how_far, "decision_date": today,
                                           "served_on": today}, case_id=case_id, actor="demo")


DEMO_PASSWORD = "demo"


def demo_users() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """The demo users: ``cw_<team>`` for every team, a supervisor of all teams, an owner
    and an admin, as (username, roles, teams)."""
    teams = tuple(team.key for team in TEAMS)
    users: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
        (f"cw_{key}", ("caseworker",), (key,)) for key in teams]
    users += [("supervisor", ("supervisor",), teams), ("owner", ("process_owner",), ()),
              ("admin", ("admin",), ())]
    return users


def seed_demo_users(engine: Staffel) -> list[str]:
    """Create the missing demo users (password ``demo``); return the login table to print."""
    lines = [f"Demo-Logins (Passwort für alle: {DEMO_PASSWORD}):",
             f"  {'Benutzer':<24} {'Rolle':<14} Teams"]
    for username, roles, teams in demo_users():
        if engine.people.get(username) is None:
            engine.people.add(username, DEMO_PASSWORD, roles, teams, actor="demo",
                            check_strength=False)
        shown = "alle" if len(teams) > 1 else ", ".join(teams) or "-"
        lines.append(f"  {username:<24} {', '.join(roles):<14} {shown}")
    return lines


def seed_demo(engine: Staffel) -> list[str]:
    """Create the demo users and cases once (idempotent); return lines to print."""
    lines = seed_demo_users(engine)
    if not any(v.key == DEFAULT_PROCESS for v in engine.definitions.versions()):
        return [*lines, f"(no demo cases: process {DEFAULT_PROCESS!r} is not deployed)"]
    if engine.cases.list(per_page=1).total == 0:
        for person, entry, aktenzeichen, how_far in DEMO_PEOPLE:
            case = engine.cases.start(person, "NW", entry, aktenzeichen, actor="demo")
            try:
                _walk(engine, case.id, how_far)
            except (StaffelError, StopIteration) as err:  # diagrams changed: keep the case
                lines.append(f"(demo case {case.case_number} stopped early: {err})")
    page = engine.cases.list(per_page=50)
    stages = ", ".join(sorted(f"{c.case_number} {c.stage}" for c in page.items))
    lines.append(f"Demo: {page.total} case(s): {stages}")
    return lines
