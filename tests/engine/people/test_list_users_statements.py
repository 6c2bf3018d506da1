"""Listing a team's members costs the same few statements however many there are (issue 16:
the inbox lists a Land team's colleagues; one statement per user made it dozens)."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import event

from engine import Staffel

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def test_listing_members_is_two_statements_with_their_teams(engine: Staffel) -> None:
    engine.context.password_hasher = FAST
    for n in range(6):
        engine.people.add(f"cw_{n}", "a long password", ["caseworker"],
                          ["sozialamt", "jc_leistung"] if n % 2 else ["sozialamt"])
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine.db.engine, "before_cursor_execute", listener)
    try:
        members = engine.people.list("sozialamt")
    finally:
        event.remove(engine.db.engine, "before_cursor_execute", listener)
    assert [m.username for m in members] == [f"cw_{n}" for n in range(6)]
    assert [m.teams for m in members][:2] == [frozenset({"sozialamt"}),
                                             frozenset({"sozialamt", "jc_leistung"})]
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
    assert engine.people.list("nobody's team") == []
