"""Demo data for ``staffel serve --demo``: users of every role and cases at different stages."""

from __future__ import annotations

from engine.api import DEFAULT_PROCESS, Staffel
from engine.teams import TEAMS

DEMO_PEOPLE = [
    ({"family_name": "Haddad", "given_name": "Rana", "birth_date": "1990-04-12",
      "nationality": "SY", "languages": ["ar"]}, "asylum", "8100001-423"),
    ({"family_name": "Tesfay", "given_name": "Yonas", "birth_date": "1996-11-02",
      "nationality": "ER", "languages": ["ti", "en"]}, "asylum", "8100002-224"),
    ({"family_name": "Rahimi", "given_name": "Zahra", "birth_date": "1988-01-30",
      "nationality": "AF", "languages": ["fa"]}, "resettlement", None),
]


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
        if engine.get_user(username) is None:
            engine.add_user(username, DEMO_PASSWORD, roles, teams, actor="demo",
                            check_strength=False)
        shown = "alle" if len(teams) > 1 else ", ".join(teams) or "-"
        lines.append(f"  {username:<24} {', '.join(roles):<14} {shown}")
    return lines


def seed_demo(engine: Staffel) -> list[str]:
    """Create the demo users and cases once (idempotent); return lines to print."""
    lines = seed_demo_users(engine)
    if not any(v.key == DEFAULT_PROCESS for v in engine.process_versions()):
        return [*lines, f"(no demo cases: process {DEFAULT_PROCESS!r} is not deployed)"]
    if engine.list_cases(per_page=1).total == 0:
        for person, entry, aktenzeichen in DEMO_PEOPLE:
            engine.start_case(person, "NW", entry, aktenzeichen, actor="demo")
    total = engine.list_cases(per_page=1).total
    lines.append(f"Demo: {total} case(s) in the database.")
    return lines
