"""Completing a task over HTTP, on a real server, against the same step called in-process.

Starts the Flask app on 127.0.0.1 (werkzeug, threaded) over a temporary SQLite database with
the test diagrams, then completes one fresh task per request with
``POST /api/v1/tasks/{id}/complete`` over a keep-alive connection. Baseline in the same run:
``Staffel.tasks.complete`` called directly on the same database.

Usage: .venv/bin/python -m bench.http_bench [--n 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import threading
import time

from sqlalchemy import event
from werkzeug.serving import make_server

from bench._common import ENGINE_DIAGRAMS, PERSON, fmt, stats_ms, temp_engine
from web import create_app

DATA = {"interpreter_needed": True, "language": "ar"}


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    engine = temp_engine()
    engine.definitions.deploy_directory(ENGINE_DIAGRAMS)
    engine.people.add("bench_cw", "bench-password", ["caseworker"], ["sozialamt"],
                    check_strength=False)
    app = create_app({"ENGINE": engine, "DEPLOY_ON_START": False, "SECRET_KEY": "bench",
                      "NOTIFIER": "none"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port

    cases = [engine.cases.start(PERSON, "NW", process_key="basic") for _ in range(2 * args.n + 40)]
    direct_cases, http_cases = cases[: args.n + 20], cases[args.n + 20:]

    direct = []
    for i, case in enumerate(direct_cases):
        t0 = time.perf_counter()
        engine.tasks.complete(case.open_tasks[0].id, DATA, actor="bench_cw")
        if i >= 20:
            direct.append(time.perf_counter() - t0)

    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("POST", "/api/v1/auth/token", json.dumps(
        {"username": "bench_cw", "password": "bench-password"}),
        {"Content-Type": "application/json"})
    token = json.loads(conn.getresponse().read())["token"]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.db.engine, "before_cursor_execute", count)
    over_http = []
    body = json.dumps({"data": DATA})
    for i, case in enumerate(http_cases):
        t0 = time.perf_counter()
        conn.request("POST", f"/api/v1/tasks/{case.open_tasks[0].id}/complete", body, headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"unexpected status {response.status}")
        if i >= 20:
            over_http.append(time.perf_counter() - t0)
    event.remove(engine.db.engine, "before_cursor_execute", count)
    server.shutdown()

    a, b = stats_ms(direct), stats_ms(over_http)
    print(fmt("Staffel.tasks.complete in-process", a))
    print(fmt("POST /api/v1/tasks/{id}/complete (HTTP)", b))
    print(f"ratio HTTP / in-process (medians): {b['median'] / a['median']:.2f}   "
          f"SQL statements per HTTP completion: {statements / len(http_cases):.1f}")


if __name__ == "__main__":
    main()
