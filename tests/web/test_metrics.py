"""``/metrics`` (issue 16): latency per route, engine counters, the database gauges, who may
read it; and with a real gunicorn of two workers, that the workers' counts add up."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from engine import EngineEvent, Staffel
from tests.web.conftest import Api, start_basic, start_jc
from tests.web.serve_process import Server, prepare_database, start_server, wait_for
from tests.web.test_serving import accepted_by_worker, login_body, read_all, send_slow_login
from web import create_app
from web.metrics import observe_event

COMPLETE_ROUTE = "/api/v1/tasks/<task_id>/complete"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape: (name, sorted labels) -> value."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
          **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(app: Flask, **kw: object) -> tuple[int, str]:
    answer = app.test_client().get("/metrics", **kw)  # type: ignore[arg-type]
    answer.close()  # the request is counted when the server closes its answer
    return answer.status_code, answer.get_data(as_text=True)


def test_requests_per_route_and_task_completions_are_counted(app: Flask, api: Api,
                                                             api_engine: Staffel) -> None:
    status, text = scrape(app)
    assert status == 200
    before = samples(text)
    case = start_basic(api_engine)
    task_id = case.open_tasks[0].id
    done = api.post(f"/api/v1/tasks/{task_id}/complete",
                    {"data": {"interpreter_needed": True, "language": "ar"}}, as_="cw_soz")
    assert done.status_code == 200
    done.close()
    status, text = scrape(app)
    after = samples(text)
    latency = "staffel_http_request_duration_seconds_count"
    labels = {"route": COMPLETE_ROUTE, "method": "POST", "status": "2xx"}
    assert value(after, latency, **labels) == value(before, latency, **labels) + 1
    assert (value(after, "staffel_task_completions_total")
            == value(before, "staffel_task_completions_total") + 1)
    assert (value(after, "staffel_engine_events_total", event="task_completed")
            == value(before, "staffel_engine_events_total", event="task_completed") + 1)
    assert task_id not in text and case.id not in text  # the rule, never the raw path
    assert value(after, "staffel_database_up") == 1


def test_database_gauges_overdue_tasks_timers_and_heartbeats(app: Flask,
                                                             api_engine: Staffel) -> None:
    start_basic(api_engine), start_basic(api_engine, "8000000-002"), start_jc(api_engine)
    api_engine.clock.advance(to=datetime(2027, 3, 9, 12, tzinfo=UTC))
    api_engine.health.beat("timers", 3)
    found = samples(scrape(app)[1])
    assert value(found, "staffel_tasks_overdue", team="sozialamt") == 2
    assert value(found, "staffel_tasks_overdue", team="jc_leistung") == 1
    figures = api_engine.health.figures()
    assert value(found, "staffel_timers_due") == figures.timers_due
    assert value(found, "staffel_timers_overdue") == figures.timers_overdue
    ages = [v for (name, labels), v in found.items()
            if name == "staffel_scheduler_heartbeat_age_seconds" and ("job", "timers") in labels]
    assert len(ages) == 1 and 0 <= ages[0] < 60


def test_timer_lag_and_import_rows_come_from_the_engine_events() -> None:
    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    lag_count, lag_sum = (sample("staffel_timer_lag_seconds_count"),
                          sample("staffel_timer_lag_seconds_sum"))
    rows = sample("staffel_import_rows_total", outcome="correlated")
    now = datetime.now(UTC)
    observe_event(EngineEvent("timer_fired", now, False, due_at=now - timedelta(seconds=2)))
    observe_event(EngineEvent("timer_fired", now, True, due_at=now - timedelta(days=9)))
    observe_event(EngineEvent("import_row_correlated", now, False, case_id="c"))
    assert sample("staffel_timer_lag_seconds_count") == lag_count + 1  # simulated: no lag
    assert 2 <= sample("staffel_timer_lag_seconds_sum") - lag_sum < 60
    assert sample("staffel_import_rows_total", outcome="correlated") == rows + 1


def test_only_loopback_or_the_token_may_read_it(api_engine: Staffel) -> None:
    app = create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "TESTING": True,
                      "SECRET_KEY": "test", "METRICS_TOKEN": "s3cret-metrics"})
    far = {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}}
    assert scrape(app, **far)[0] == 404
    assert scrape(app, headers={"Authorization": "Bearer wrong"}, **far)[0] == 404
    assert scrape(app, headers={"Authorization": "Bearer s3cret-metrics"}, **far)[0] == 200
    assert scrape(app)[0] == 200  # loopback
    # relayed by a proxy on this machine, not trusted: the client is somebody else
    assert scrape(app, headers={"X-Forwarded-For": "203.0.113.7"})[0] == 404
    proxied = create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "TESTING": True,
                          "SECRET_KEY": "test", "TRUSTED_PROXIES": 1})
    assert scrape(proxied, headers={"X-Forwarded-For": "203.0.113.7"})[0] == 404
    assert scrape(proxied, headers={"X-Forwarded-For": "127.0.0.1"})[0] == 200
    untokened = create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "TESTING": True,
                            "SECRET_KEY": "test"})
    assert scrape(untokened, headers={"Authorization": "Bearer "}, **far)[0] == 404


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Server]:
    prepared = prepare_database(tmp_path / "prepared")
    running = start_server(prepared, tmp_path / "run", "--workers", "2", "--threads", "1",
                           "--no-scheduler", wait_workers=2,
                           env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")})
    yield running
    running.stop(signal.SIGKILL)


def test_the_counts_of_two_gunicorn_workers_add_up(server: Server, tmp_path: Path) -> None:
    # one worker is kept busy with a sign-in whose body comes late: the other answers the rest
    client = send_slow_login(server)
    wait_for(lambda: accepted_by_worker(server, client), "a worker to take the sign-in")
    busy = next(p for p in server.workers() if accepted_by_worker(server, client, {p}))
    for _ in range(5):
        assert server.request("GET", "/login")[0] == 200
    client.sendall(login_body()[10:])
    assert read_all(client).startswith(b"HTTP/1.1 200")
    client.close()
    files = {f.name for f in (tmp_path / "metrics").glob("histogram_*.db")}
    assert any(str(busy) in name for name in files) and len(files) >= 2, files
    found = samples(server.request("GET", "/metrics")[1].decode())
    latency = "staffel_http_request_duration_seconds_count"
    assert value(found, latency, route="/login", method="GET", status="2xx") == 5
    assert value(found, latency, route="/api/v1/auth/token", method="POST", status="2xx") == 1
    # a worker that stops keeps its counts in the sum
    server.proc.send_signal(signal.SIGHUP)  # graceful reload: every worker replaced
    wait_for(lambda: busy not in server.workers() and len(server.workers()) == 2,
             "new workers after SIGHUP")
    found = samples(server.request("GET", "/metrics")[1].decode())
    assert value(found, latency, route="/login", method="GET", status="2xx") == 5
    assert json.loads(server.request("GET", "/health/ready")[1])["status"] == "ready"
    assert server.stop() == 0


def test_behind_a_trusted_proxy_the_throttle_keys_on_the_client(api_engine: Staffel) -> None:
    proxied = create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "TESTING": True,
                          "SECRET_KEY": "test", "TRUSTED_PROXIES": 1,
                          "LOGIN_ADDRESS_LIMIT": 2, "LOGIN_ACCOUNT_LIMIT": 100})
    client = proxied.test_client()

    def sign_in(address: str, username: str) -> int:
        answer = client.post("/api/v1/auth/token", json={"username": username,
                                                         "password": "wrong"},
                             headers={"X-Forwarded-For": address})
        return answer.status_code

    assert [sign_in("203.0.113.7", f"nobody{i}") for i in range(3)] == [401, 401, 429]
    assert sign_in("198.51.100.9", "nobody9") == 401  # another client behind the same proxy
