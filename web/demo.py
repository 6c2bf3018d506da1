"""Demo data for ``staffel serve --demo``: cases at different stages of the lifecycle."""

from __future__ import annotations

from engine.api import DEFAULT_PROCESS, Staffel

DEMO_PEOPLE = [
    ({"family_name": "Haddad", "given_name": "Rana", "birth_date": "1990-04-12",
      "nationality": "SY", "languages": ["ar"]}, "asylum", "8100001-423"),
    ({"family_name": "Tesfay", "given_name": "Yonas", "birth_date": "1996-11-02",
      "nationality": "ER", "languages": ["ti", "en"]}, "asylum", "8100002-224"),
    ({"family_name": "Rahimi", "given_name": "Zahra", "birth_date": "1988-01-30",
      "nationality": "AF", "languages": ["fa"]}, "resettlement", None),
]


def seed_demo(engine: Staffel) -> list[str]:
    """Create the demo cases once (idempotent); return lines to print."""
    lines = []
    if not any(v.key == DEFAULT_PROCESS for v in engine.process_versions()):
        return [f"(no demo cases: process {DEFAULT_PROCESS!r} is not deployed)"]
    if engine.list_cases(per_page=1).total == 0:
        for person, entry, aktenzeichen in DEMO_PEOPLE:
            engine.start_case(person, "NW", entry, aktenzeichen, actor="demo")
    total = engine.list_cases(per_page=1).total
    lines.append(f"Demo: {total} case(s) in the database.")
    return lines
