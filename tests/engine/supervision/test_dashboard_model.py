"""Plain data of the dashboard, engine.supervision.dashboard_model: the working-day age buckets
of overdue tasks at their boundaries, and a group's total."""

from __future__ import annotations

import pytest

from engine.supervision.dashboard_model import BUCKETS, DEADLINE_KEYS, OverdueGroup, bucket_of


@pytest.mark.parametrize(("days", "bucket"), [
    (1, "1-2"), (2, "1-2"),
    (3, "3-5"), (4, "3-5"), (5, "3-5"),
    (6, "6-10"), (10, "6-10"),
    (11, ">10"), (250, ">10"),
])
def test_bucket_boundaries(days: int, bucket: str) -> None:
    assert bucket_of(days) == bucket


@pytest.mark.parametrize("days", [0, -3])
def test_below_one_day_falls_in_the_first_bucket(days: int) -> None:
    assert bucket_of(days) == "1-2"


def test_every_bucket_is_reachable_in_order() -> None:
    seen = [bucket_of(n) for n in range(1, 30)]
    assert list(dict.fromkeys(seen)) == list(BUCKETS)
    assert [seen.count(b) for b in BUCKETS] == [2, 3, 5, 19]


def test_group_total_sums_its_buckets() -> None:
    group = OverdueGroup("sozialamt", "sozialamt", "", {"1-2": 3, "3-5": 0, "6-10": 2, ">10": 1})
    assert group.total == 6
    assert OverdueGroup("Task_x", "X", "basic", dict.fromkeys(BUCKETS, 0)).total == 0


def test_watched_deadlines() -> None:
    assert DEADLINE_KEYS == ("lawsuit_deadline", "sgb2_application_deadline",
                             "permit_renewal_reminder")
