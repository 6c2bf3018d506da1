from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from engine.execution.clock import SimulatedClock, active_now, install_spiff_clock, using_clock
from engine.persistence.models import ClockState
from engine.persistence.types import UTCDateTime


def test_spiffworkflow_reads_the_injected_clock() -> None:
    install_spiff_clock()
    clock = SimulatedClock(datetime(2030, 1, 1, tzinfo=UTC))
    with using_clock(clock):
        assert spiff_timer.datetime.now(UTC) == datetime(2030, 1, 1, tzinfo=UTC)
        assert isinstance(datetime(2020, 1, 1), spiff_timer.datetime)
        clock.advance(timedelta(days=1))
        assert active_now() == datetime(2030, 1, 2, tzinfo=UTC)
    assert abs(active_now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_simulated_clock_never_goes_back_and_refuses_naive_times() -> None:
    clock = SimulatedClock(datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match=r"^the simulated clock cannot go back from 2030-01-01 "):
        clock.set(datetime(2029, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match=r"^naive datetime .*: give a timezone"):
        SimulatedClock(datetime(2030, 1, 1))


def test_utc_column_rejects_naive_and_normalises_offsets(engine) -> None:  # type: ignore[no-untyped-def]
    column = UTCDateTime()
    dialect = engine.db.engine.dialect
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2030, 1, 1), dialect)
    berlin = timezone(timedelta(hours=1))
    with engine.db.write() as s:
        s.merge(ClockState(id=7, mode="x", now=datetime(2030, 1, 1, 9, 0, tzinfo=berlin)))
    with engine.db.read() as s:
        stored = s.get(ClockState, 7).now
    assert stored == datetime(2030, 1, 1, 8, 0, tzinfo=UTC) and stored.tzinfo is not None
