"""The engine's time source, engine.execution.timekeeper: the simulated clock persisted in the
database (set, now, never backwards, shared by every engine on the database), the system
clock, and ``auto`` mode resolved against the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from engine import Staffel
from engine.errors import Conflict, InvalidInput
from engine.execution.clock import SimulatedClock, SystemClock
from engine.execution.timekeeper import DEFAULT_SIMULATED_START, Timekeeper
from engine.persistence.models import ClockState
from tests.conftest import START

LATER = START + timedelta(days=3, hours=2)


@pytest.fixture
def db_engine(make_engine: Callable[..., Staffel]) -> Staffel:
    """An engine on a fresh database with the system clock: no clock row exists."""
    return make_engine(clock="system")


def clock_rows(engine: Staffel) -> int:
    with engine.db.read() as session:
        return session.scalar(select(func.count()).select_from(ClockState)) or 0


def set_clock(engine: Staffel, keeper: Timekeeper, when: datetime) -> datetime:
    with engine.db.write() as session:
        return keeper.set(session, when)


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown clock mode 'manual'") as exc:
        Timekeeper("manual")
    assert exc.value.errors[0]["field"] == "clock"


def test_start_defaults_and_must_be_aware() -> None:
    assert Timekeeper("simulated").start == DEFAULT_SIMULATED_START
    berlin = timezone(timedelta(hours=1))
    assert Timekeeper("simulated", datetime(2027, 3, 1, 9, tzinfo=berlin)).start == START
    with pytest.raises(ValueError, match="naive datetime"):
        Timekeeper("simulated", datetime(2027, 3, 1, 8))


def test_simulated_clock_starts_at_start_and_moves_forward(db_engine: Staffel) -> None:
    keeper = Timekeeper("simulated", START)
    assert clock_rows(db_engine) == 0
    with db_engine.db.write() as session:
        assert keeper.now(session) == START  # no row yet: the start
        keeper.ensure_row(session)
    assert clock_rows(db_engine) == 1
    with db_engine.db.write() as session:
        assert keeper.set(session, LATER) == LATER
        assert keeper.set(session, LATER) == LATER  # standing still is allowed
    with db_engine.db.write() as session:
        keeper.ensure_row(session)  # an existing row is not reset
        assert keeper.now(session) == LATER
        clock = keeper.clock(session)
        assert isinstance(clock, SimulatedClock) and clock.now() == LATER


def test_the_simulated_clock_refuses_to_go_back(db_engine: Staffel) -> None:
    keeper = Timekeeper("simulated", START)
    set_clock(db_engine, keeper, LATER)
    with pytest.raises(InvalidInput, match="cannot go back") as exc:
        set_clock(db_engine, keeper, LATER - timedelta(microseconds=1))
    assert exc.value.errors[0]["field"] == "to"
    assert LATER.isoformat() in exc.value.errors[0]["message"]
    with db_engine.db.read() as session:
        assert keeper.now(session) == LATER


def test_set_converts_to_utc_and_refuses_naive(db_engine: Staffel) -> None:
    keeper = Timekeeper("simulated", START)
    plus_two = timezone(timedelta(hours=2))
    stored = set_clock(db_engine, keeper, datetime(2027, 6, 1, 12, 0, tzinfo=plus_two))
    assert stored == datetime(2027, 6, 1, 10, 0, tzinfo=UTC) and stored.tzinfo is UTC
    with pytest.raises(ValueError, match="naive datetime"):
        set_clock(db_engine, keeper, datetime(2027, 6, 2, 12, 0))


def test_every_engine_on_the_database_sees_the_same_time(
        make_engine: Callable[..., Staffel]) -> None:
    first = make_engine()
    second = make_engine(clock_start=START + timedelta(days=100))  # its start is not used
    assert second.clock.now() == START
    first.clock.advance(to=LATER)
    assert second.clock.now() == LATER
    with second.db.read() as session:
        assert Timekeeper("simulated", START).now(session) == LATER


def test_the_system_clock_reads_the_wall_clock_and_cannot_be_set(db_engine: Staffel) -> None:
    keeper = Timekeeper("system")
    before = datetime.now(UTC)
    with db_engine.db.write() as session:
        now = keeper.now(session)
        assert isinstance(keeper.clock(session), SystemClock)
        keeper.ensure_row(session)  # nothing to create in system mode
    assert before <= now <= datetime.now(UTC)
    assert clock_rows(db_engine) == 0
    with pytest.raises(Conflict, match="only be moved when the simulated clock"):
        set_clock(db_engine, keeper, LATER)
    assert not keeper.simulated


def test_auto_without_a_clock_row_is_the_system_clock(db_engine: Staffel) -> None:
    keeper = Timekeeper("auto", START)
    with db_engine.db.read() as session:
        keeper.resolve(session)
    assert (keeper.mode, keeper.simulated) == ("system", False)
    with db_engine.db.write() as session:  # the decision sticks once made
        Timekeeper("simulated", START).ensure_row(session)
        assert abs(keeper.now(session) - datetime.now(UTC)) < timedelta(minutes=1)
    assert keeper.mode == "system"


def test_auto_with_a_clock_row_is_the_simulated_clock(db_engine: Staffel) -> None:
    with db_engine.db.write() as session:
        Timekeeper("simulated", LATER).ensure_row(session)
    keeper = Timekeeper("auto")
    assert keeper.mode == "auto" and not keeper.simulated
    with db_engine.db.write() as session:
        assert keeper.now(session) == LATER
    assert (keeper.mode, keeper.simulated) == ("simulated", True)
    with db_engine.db.write() as session:
        assert keeper.set(session, LATER + timedelta(days=1)) == LATER + timedelta(days=1)


def test_auto_engine_follows_the_database(make_engine: Callable[..., Staffel]) -> None:
    make_engine()  # a simulated engine creates the clock row at START
    auto = make_engine(clock="auto")
    assert auto.clock.mode() == "simulated"
    assert auto.clock.now() == START
