"""Issue 14, hole 9: claiming is idempotent. Claiming a task one already holds answers 200 and
records no second ``task_claimed``; someone else's claim is a 409 that records nothing; giving
back a free task or assigning a task to its holder records nothing either."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask

from engine import Staffel
from tests.web.conftest import Api, assert_error, snapshot, start_basic


def actions(engine: Staffel, case_id: str, action: str) -> list[str]:
    """Who did ``action`` on the case, in order."""
    return [e.actor for e in engine.audit.events(case_id) if e.action == action]


def test_claiming_twice_records_one_claim(api: Api, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    first = api.post(f"/api/v1/tasks/{task_id}/claim", as_="cw_soz")
    before = snapshot(api_engine)
    second = api.post(f"/api/v1/tasks/{task_id}/claim", as_="cw_soz")
    assert first.status_code == second.status_code == 200
    assert second.get_json()["assignee"] == "cw_soz"
    assert snapshot(api_engine) == before  # not even an audit event
    assert actions(api_engine, case.id, "task_claimed") == ["cw_soz"]
    assert api_engine.audit.verify().ok


def test_someone_elses_claim_is_409_and_records_nothing(api: Api, api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    api.post(f"/api/v1/tasks/{task_id}/claim", as_="cw_soz")
    before = snapshot(api_engine)
    assert_error(api.post(f"/api/v1/tasks/{task_id}/claim", as_="cw_soz2"), 409, "conflict")
    assert snapshot(api_engine) == before
    assert actions(api_engine, case.id, "task_claimed") == ["cw_soz"]


def test_giving_back_twice_and_assigning_twice_record_once(api: Api,
                                                            api_engine: Staffel) -> None:
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    api.post(f"/api/v1/tasks/{task_id}/claim", as_="cw_soz")
    for _ in range(2):
        assert api.post(f"/api/v1/tasks/{task_id}/unclaim", as_="cw_soz").status_code == 200
        assert api.post(f"/api/v1/tasks/{task_id}/assign", {"username": "cw_soz2"},
                        as_="sup_soz").status_code == 200
        assert api.post(f"/api/v1/tasks/{task_id}/assign", {"username": "cw_soz2"},
                        as_="sup_soz").status_code == 200
        assert api.post(f"/api/v1/tasks/{task_id}/unclaim", as_="sup_soz").status_code == 200
    assert actions(api_engine, case.id, "task_unclaimed") == ["cw_soz", "sup_soz", "sup_soz"]
    assert actions(api_engine, case.id, "task_assigned") == ["sup_soz", "sup_soz"]


def test_concurrent_claims_one_holder_one_event(app: Flask, api_engine: Staffel,
                                                tokens: dict[str, str]) -> None:
    """Twelve requests at once, six from each of two colleagues: one of them holds the task,
    all his requests answer 200, all the other's 409, and one claim is recorded."""
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    users = ["cw_soz", "cw_soz2"] * 6
    barrier = threading.Barrier(len(users))
    answers: list[tuple[str, int]] = []
    lock = threading.Lock()

    def claim(username: str) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/tasks/{task_id}/claim",
                               headers={"Authorization": f"Bearer {tokens[username]}"})
        with lock:
            answers.append((username, response.status_code))

    threads = [threading.Thread(target=claim, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    claimed = actions(api_engine, case.id, "task_claimed")
    assert len(claimed) == 1
    holder = claimed[0]
    assert Counter(answers) == {(holder, 200): 6,
                                (next(u for u in users if u != holder), 409): 6}
    assert api_engine.tasks.info(task_id).assignee == holder
    assert api_engine.audit.verify().ok


def test_a_claim_between_the_check_and_the_completion_wins(
        api: Api, api_engine: Staffel, monkeypatch: pytest.MonkeyPatch) -> None:
    """A colleague claims the task after the caller's authorization was checked: the
    completion (checked again in its own transaction) is a 409 naming him, nothing done."""
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    complete = api_engine.tasks.complete

    def claimed_meanwhile(*args: Any, **kwargs: Any) -> Any:
        api_engine.tasks.claim(task_id, "cw_soz2")
        return complete(*args, **kwargs)

    monkeypatch.setattr(api_engine.tasks, "complete", claimed_meanwhile)
    body = assert_error(api.post(f"/api/v1/tasks/{task_id}/complete",
                                 {"data": {"interpreter_needed": False}}, as_="cw_soz"),
                        409, "conflict")
    assert "cw_soz2" in body["message"]
    (task,) = api_engine.cases.get(case.id).open_tasks
    assert (task.id, task.assignee) == (task_id, "cw_soz2")
    monkeypatch.setattr(api_engine.tasks, "complete", complete)
    done = api.post(f"/api/v1/tasks/{task_id}/complete",
                    {"data": {"interpreter_needed": False}}, as_="sup_soz")
    assert done.status_code == 200  # a team lead completes over the holder, as before
