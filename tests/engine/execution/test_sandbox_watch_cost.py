"""The memory watch's own cost is the engine's, not the script's (found in CI, issue 16).

Reading the allocator's figures (glibc ``mallinfo2``) grows with a fragmented heap: 0.15 ms in
a fresh process, 12 ms in one that has lived long (a web worker, the test runner). Looked at
every millisecond and charged to the script, the watch alone used up a script's budget."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine.execution import sandbox_limits
from engine.execution.sandbox import Sandbox, ScriptTimeout

WATCH_COST = 0.004  # seconds of CPU per look at the memory figures


def expensive_figures(real: Any) -> Any:
    def figures() -> int | None:
        until = time.thread_time() + WATCH_COST
        while time.thread_time() < until:  # burns CPU as a slow mallinfo2 does
            pass
        result: int | None = real()
        return result
    return figures


@pytest.fixture
def slow_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox_limits, "memory_in_use",
                        expensive_figures(sandbox_limits.memory_in_use))


@pytest.mark.usefixtures("slow_watch")
def test_a_slow_memory_watch_does_not_use_the_scripts_budget() -> None:
    sandbox = Sandbox({}, time_limit=0.5)
    data: dict[str, Any] = {}
    # about 0.15 s of the script's own CPU time (traced), many looks at the memory on the way
    sandbox.execute("total = 0\nfor k in range(2):\n    for i in range(20000):\n"
                    "        total += i", data)
    assert data["total"] == 2 * sum(range(20000))


@pytest.mark.usefixtures("slow_watch")
def test_a_script_over_its_budget_is_still_stopped_with_a_slow_watch() -> None:
    sandbox = Sandbox({}, time_limit=0.2)
    with pytest.raises(ScriptTimeout):
        sandbox.execute("while True:\n    pass", {})


@pytest.mark.usefixtures("slow_watch")
def test_memory_growth_is_still_stopped_with_a_slow_watch() -> None:
    sandbox = Sandbox({}, time_limit=2.0)
    with pytest.raises(Exception, match="MiB of memory"):
        sandbox.execute("items = []\nwhile True:\n    items.append('x' * 100000)", {})
