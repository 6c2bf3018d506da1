"""Users, passwords, tokens and visibility in the engine (no Flask)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import select

from engine import Staffel
from engine.errors import Conflict, InvalidInput, NotFound
from engine.execution.clock import SimulatedClock
from engine.persistence.models import ApiToken, AuditEvent, Base, User
from tests.conftest import PERSON

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def eng(engine: Staffel) -> Staffel:
    engine.context.password_hasher = FAST
    return engine


def test_migrations_match_the_models(make_engine) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine()
    with engine.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_add_user_hashes_the_password_and_audits_without_it(eng: Staffel) -> None:
    info = eng.people.add("cw_soz", "a long password", ["caseworker"], ["sozialamt"])
    assert info.roles == {"caseworker"} and info.teams == {"sozialamt"}
    with eng.db.read() as s:
        stored = s.scalars(select(User.password_hash)).one()
        details = s.scalars(select(AuditEvent.details)
                            .where(AuditEvent.action == "user_created")).one()
    assert stored.startswith("$argon2id$") and "a long password" not in stored
    assert details == {"username": "cw_soz", "roles": ["caseworker"],
                             "teams": ["sozialamt"]}
    assert eng.people.authenticate("cw_soz", "a long password") == info
    assert eng.people.authenticate("cw_soz", "A long password") is None
    assert eng.people.authenticate("nobody", "a long password") is None
    with pytest.raises(Conflict, match=r"^user 'cw_soz' exists already$"):
        eng.people.add("cw_soz", "another password", ["caseworker"], ["sozialamt"])


@pytest.mark.parametrize(("username", "password", "roles", "teams", "fields"), [
    ("", "a long password", ["admin"], [], {"username"}),
    ("bad name", "a long password", ["admin"], [], {"username"}),
    ("ok", "short", ["admin"], [], {"password"}),
    ("ok", "a long password", [], [], {"roles"}),
    ("ok", "a long password", ["boss"], [], {"roles"}),
    ("ok", "a long password", ["caseworker"], [], {"teams"}),
    ("ok", "a long password", ["caseworker"], ["nowhere"], {"teams"}),
    ("ok", "a long password", ["admin"], ["sozialamt"], {"teams"}),
])
def test_invalid_users_are_rejected(eng: Staffel, username: str, password: str,
                                    roles: list[str], teams: list[str],
                                    fields: set[str]) -> None:
    with pytest.raises(InvalidInput, match=r"^the user data is not valid$") as err:
        eng.people.add(username, password, roles, teams)
    assert {e["field"] for e in err.value.errors} == fields
    assert eng.people.list() == []


def test_demo_passwords_skip_the_strength_check_only_when_asked(eng: Staffel) -> None:
    eng.people.add("admin", "demo", ["admin"], check_strength=False)
    assert eng.people.authenticate("admin", "demo") is not None


def test_tokens_expire_by_the_wall_clock_and_can_be_revoked(eng: Staffel) -> None:
    eng.people.add("admin", "a long password", ["admin"])
    wall = SimulatedClock(eng.context.wall_clock.now())
    eng.context.wall_clock = wall
    issued = eng.people.issue_token("admin")
    assert issued.expires_at == wall.now() + timedelta(hours=12)
    assert eng.people.user_for_token(issued.token) is not None
    eng.clock.advance(by=timedelta(days=365))  # the engine clock does not matter
    assert eng.people.user_for_token(issued.token) is not None
    assert eng.people.user_for_token(issued.token + "x") is None
    assert eng.people.revoke_token(issued.token) and not eng.people.revoke_token(issued.token)
    assert eng.people.user_for_token(issued.token) is None
    second = eng.people.issue_token("admin")
    wall.advance(timedelta(hours=12))
    assert eng.people.user_for_token(second.token) is None
    eng.people.issue_token("admin")  # drops the expired tokens of the user
    with eng.db.read() as s:
        assert len(s.scalars(select(ApiToken)).all()) == 1  # only the new one
    with pytest.raises(NotFound, match=r"^no active user 'nobody'$"):
        eng.people.issue_token("nobody")


def test_cases_are_visible_to_teams_that_have_or_had_a_task(eng: Staffel) -> None:
    soz = eng.cases.start(PERSON, "NW", "asylum", "8000000-001", process_key="basic")
    jc = eng.cases.start(PERSON, "NW", "resettlement", process_key="parent",
                        data={"decision_date": "2027-01-31"})
    assert eng.cases.visible(soz.id, ["sozialamt"])
    assert not eng.cases.visible(soz.id, ["jc_leistung"])
    assert not eng.cases.visible(soz.id, [])
    assert eng.cases.visible(soz.id, None)
    assert not eng.cases.visible("0" * 32, None)
    eng.tasks.complete(jc.open_tasks[0].id, {"note": "done"}, actor="cw_jc")
    assert eng.cases.visible(jc.id, ["jc_leistung"])
    page = eng.cases.summaries(teams=["jc_leistung"])
    assert [c.id for c in page.items] == [jc.id] and page.total == 1
    assert eng.cases.summaries(teams=None).total == 2
    assert eng.cases.summaries(teams=["sozialamt"], q="8000000-001").total == 1
    assert eng.cases.summaries(teams=["sozialamt"], stage="S5").total == 0
    assert eng.cases.find_id(correlation={"bamf_aktenzeichen": "8000000-001"}) == soz.id
    assert eng.tasks.info(soz.open_tasks[0].id).team == "sozialamt"
    with pytest.raises(NotFound, match=r"^task nope does not exist$"):
        eng.tasks.info("nope")
