"""Twenty clients complete the same task at once: exactly one wins, the rest get 409."""

from __future__ import annotations

import threading
from collections import Counter

from flask import Flask

from engine import Staffel
from tests.web.conftest import start_basic

THREADS = 20


def test_twenty_concurrent_completions_one_200_and_nineteen_409(
        app: Flask, api_engine: Staffel, tokens: dict[str, str]) -> None:
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    users = ["cw_soz", "cw_soz2", "sup_soz", "cw_multi"]
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    bodies: list[dict[str, object]] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[users[i % len(users)]]}"}
        barrier.wait()
        response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=headers,
                               json={"data": {"interpreter_needed": i % 2 == 0}})
        with lock:
            statuses.append(response.status_code)
            bodies.append(response.get_json())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(statuses) == {200: 1, 409: THREADS - 1}, bodies
    assert all(b["code"] == "conflict" for b in bodies if "code" in b)
    completed = [e for e in api_engine.audit.events(case.id) if e.action == "task_completed"]
    assert len(completed) == 1
    assert api_engine.audit.verify().ok
    view = api_engine.cases.get(case.id)
    assert view.open_tasks == []  # waits for the BAMF decision, no task twice
