"""Completing a task over HTTP on the production server, against the same step in-process.

For each workload a temporary SQLite database gets the diagrams and its cases; then, in one
run, one fresh task per request is completed, in turns of 20 (in-process, then HTTP, then
in-process …, so that both see the same machine; the machine is shared and noisy)

* in-process: ``Staffel.tasks.complete`` called directly (the baseline);
* over HTTP on gunicorn, as ``staffel serve --workers 1 --no-scheduler`` configures it (a
  subprocess: gthread worker, 4 threads, request lines to a file, metrics on), and the same
  with ``--threads 1`` (``gunicorn-sync``: a sync worker, no keep-alive);
* over HTTP on Werkzeug's threaded development server in this process (for comparison);

with ``POST /api/v1/tasks/{id}/complete`` over one keep-alive connection and a bearer token.
Workloads: ``basic`` (a tiny test diagram) and ``lifecycle`` (the real ``refugee_lifecycle``:
the Eingangszone's registration task of a new asylum case, which runs into the called AsylbLG
process, as ``bench/engine_bench.py``). Prints median, p95, the ratio HTTP / in-process and
what HTTP adds (difference of the medians; the issue's target: at most 1.5 ms), and the round
trip of ``GET /health/live`` (server and framework without the application's work).

Usage: .venv/bin/python -m bench.http_bench [--n 300] [--workload basic|lifecycle|both]
       [--server gunicorn|gunicorn-sync|werkzeug|all]
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from bench._common import ENGINE_DIAGRAMS, PERSON, ROOT, fmt, stats_ms, temp_engine
from bench.engine_bench import REGISTRATION
from engine import Staffel
from web import create_app

WORKLOADS = {
    # name: (directory to deploy, process key, completion data)
    "basic": (ENGINE_DIAGRAMS, "basic", {"interpreter_needed": True, "language": "ar"}),
    "lifecycle": (ROOT / "bpmn", "refugee_lifecycle", REGISTRATION),
}
USER, PASSWORD = "bench_cw", "bench-password"
WARMUP = 20
#: gunicorn as ``staffel serve`` runs it (gthread, 4 threads), with sync workers
#: (``--threads 1``: no keep-alive, no thread hand-over), Werkzeug for comparison
SERVERS = ("gunicorn", "gunicorn-sync", "werkzeug")
BLOCK = 20  # completions in a row before the other side's turn
STAFFEL = str(Path(sys.executable).parent / "staffel")


class HttpClient:
    """One keep-alive connection with a bearer token of the bench caseworker."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("POST", "/api/v1/auth/token", json.dumps(
            {"username": USER, "password": PASSWORD}), {"Content-Type": "application/json"})
        token = json.loads(self.conn.getresponse().read())["token"]
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def complete(self, task_id: str, body: str) -> None:
        """``POST /api/v1/tasks/{id}/complete``; anything but 200 stops the bench."""
        self.conn.request("POST", f"/api/v1/tasks/{task_id}/complete", body, self.headers)
        response = self.conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise SystemExit(f"unexpected status {response.status}: {payload[:300]!r}")


def interleaved(engine: Staffel, port: int, direct_ids: Sequence[str],
                http_ids: Sequence[str], data: dict[str, Any]
                ) -> tuple[list[float], list[float]]:
    """In-process and HTTP completions taking turns in blocks of :data:`BLOCK` (both see the
    same machine); the first of each block is not counted (SQLite's page cache of a
    connection starts cold after the other process wrote). Seconds."""
    client = HttpClient(port)
    body = json.dumps({"data": data})
    direct: list[float] = []
    over_http: list[float] = []

    def http_complete(task_id: str) -> None:
        client.complete(task_id, body)

    def direct_complete(task_id: str) -> None:
        engine.tasks.complete(task_id, data, actor=USER)

    for start in range(0, len(direct_ids), BLOCK):
        for ids, step, into in ((direct_ids, direct_complete, direct),
                                (http_ids, http_complete, over_http)):
            for i, task_id in enumerate(ids[start:start + BLOCK]):
                t0 = time.perf_counter()
                step(task_id)
                if i > 0 and start + i >= WARMUP:
                    into.append(time.perf_counter() - t0)
    client.conn.close()
    return direct, over_http


def round_trips(port: int, n: int) -> list[float]:
    """``GET /health/live`` (no database, no sign-in) on one keep-alive connection: what the
    server and the framework cost without the application's work. Seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    took = []
    for i in range(n + WARMUP):
        t0 = time.perf_counter()
        conn.request("GET", "/health/live")
        conn.getresponse().read()
        if i >= WARMUP:
            took.append(time.perf_counter() - t0)
    conn.close()
    return took


Samples = tuple[list[float], list[float], list[float]]  # in-process, HTTP, round trips
Run = Callable[[int], Samples]


def with_werkzeug(engine: Staffel, run: Run) -> Samples:
    """Run ``run(port)`` against Werkzeug's threaded server over ``engine`` in this process."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app({"ENGINE": engine, "DEPLOY_ON_START": False, "SECRET_KEY": "bench",
                      "NOTIFIER": "none"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return run(server.server_port)
    finally:
        server.shutdown()


def with_gunicorn(database_url: str, folder: Path, run: Run, threads: int = 4) -> Samples:
    """Run ``run(port)`` against ``staffel serve --workers 1 --threads N`` (gunicorn) in a
    subprocess."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    # the server reads the keys the in-process engine uses (a key file named in the
    # environment, else the one next to the SQLite file); nothing else of ours is passed
    keys = ("STAFFEL_KEYS_FILE", "STAFFEL_DATA_KEYS")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STAFFEL_") or k in keys}
    env.update(STAFFEL_SECRET_KEY="bench", STAFFEL_NOTIFIER="none")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with open(folder / "server.log", "wb") as log:
        proc = subprocess.Popen(
            [STAFFEL, "serve", "--workers", "1", "--threads", str(threads), "--no-scheduler",
             "--port", str(port),
             "--database-url", database_url, "--access-log", str(folder / "access.log")],
            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/health/live")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start: "
                                     + (folder / "server.log").read_text()) from None
                time.sleep(0.1)
        return run(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def measure(workload: str, n: int, servers: Sequence[str]) -> None:
    """One workload on one database: per server, in-process and HTTP completions in turn."""
    directory, process_key, data = WORKLOADS[workload]
    folder = Path(tempfile.mkdtemp(prefix="staffel-http-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = temp_engine(url)
    engine.definitions.deploy_directory(directory)
    engine.people.add(USER, PASSWORD, ["caseworker"], ["sozialamt", "eingangszone"],
                      check_strength=False)
    size = n + WARMUP
    cases = [engine.cases.start(PERSON, "NW", "asylum", f"AZ-{i}", process_key=process_key)
             for i in range(2 * len(servers) * size)]
    tasks = [c.open_tasks[0].id for c in cases]
    print(f"workload {workload} ({process_key}), SQLite, n={n}")
    for k, server in enumerate(servers):
        mine = tasks[2 * k * size:(2 * k + 1) * size]
        theirs = tasks[(2 * k + 1) * size:(2 * k + 2) * size]

        def run(port: int, mine: Sequence[str] = mine, theirs: Sequence[str] = theirs
                ) -> tuple[list[float], list[float]]:
            return (*interleaved(engine, port, mine, theirs, data), round_trips(port, n))

        if server == "werkzeug":
            direct, took, trips = with_werkzeug(engine, run)
        else:
            direct, took, trips = with_gunicorn(url, folder, run,
                                                threads=1 if server == "gunicorn-sync" else 4)
        baseline, over = stats_ms(direct), stats_ms(took)
        print(fmt(f"  in-process (in turn with {server})", baseline))
        print(fmt(f"  POST .../complete over HTTP, {server}", over))
        print(f"    ratio HTTP / in-process (medians): {over['median'] / baseline['median']:.2f}"
              f"   HTTP adds (medians): {over['median'] - baseline['median']:.2f} ms"
              f"   (p95: {over['p95'] - baseline['p95']:.2f} ms)")
        print(fmt(f"  GET /health/live round trip, {server}", stats_ms(trips)))
    engine.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--workload", choices=["basic", "lifecycle", "both"], default="both")
    parser.add_argument("--server", choices=[*SERVERS, "all"], default="all")
    args = parser.parse_args(argv)
    servers = list(SERVERS) if args.server == "all" else [args.server]
    for workload in (["basic", "lifecycle"] if args.workload == "both" else [args.workload]):
        measure(workload, args.n, servers)


if __name__ == "__main__":
    main()
