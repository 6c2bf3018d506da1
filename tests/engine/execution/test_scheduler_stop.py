"""A scheduler told to stop in the middle of a long backlog (100,000 timers due at once, issue
16) ends its sweep after the batch it is firing, instead of firing the whole backlog first:
``staffel scheduler`` answers SIGTERM within a batch, and what is left stays claimable."""

from __future__ import annotations

from engine.execution.scheduler import SchedulerHooks, TimerScheduler
from engine.model import FireReport


def test_a_sweep_through_a_backlog_stops_after_the_current_batch_on_shutdown() -> None:
    batches: list[int] = []
    runner: TimerScheduler

    def fire_due(limit: int) -> FireReport:
        batches.append(limit)
        if len(batches) == 3:  # SIGTERM arrives while the third batch is being fired
            runner.shutdown()
        if len(batches) > 50:
            raise AssertionError("the sweep went on after the shutdown")
        return FireReport(limit, 0, 0)  # always a full batch: the backlog never ends

    runner = TimerScheduler(SchedulerHooks(fire_due=fire_due, next_due=lambda: None,
                                           simulated=lambda: True), sweep_seconds=3600)
    runner.start()
    assert runner.sweep() == 3 * 200
    assert batches == [200, 200, 200]


def test_without_a_shutdown_the_sweep_fires_until_a_batch_is_not_full() -> None:
    reports = [FireReport(200, 0, 0), FireReport(150, 30, 20), FireReport(7, 0, 0)]
    runner = TimerScheduler(SchedulerHooks(fire_due=lambda _limit: reports.pop(0),
                                           next_due=lambda: None, simulated=lambda: True))
    assert runner.sweep() == 357
    assert reports == []
