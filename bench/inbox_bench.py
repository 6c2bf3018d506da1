"""The inbox page with its issue-15 orders and filters, against the default order, on a team
with 2,000 open tasks (SQLite file, Flask test client, a signed-in supervisor).

Every variant is one full page request (``GET /inbox?…``: count, page of 20, render); the
baseline in the same run is the default order (soonest due first), measured first and last
(the ratio is against the mean of both medians). Due dates spread over ten
working days, a third of the tasks held by one of five caseworkers.

Usage: .venv/bin/python -m bench.inbox_bench [--cases 2000] [--n 60]
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from bench._common import ENGINE_DIAGRAMS, PERSON, fmt, stats_ms, temp_engine
from web import create_app

VARIANTS = {
    "default (soonest due first)": "",
    "sort=case": "&sort=case",
    "sort=task&desc=1": "&sort=task&desc=1",
    "sort=assignee": "&sort=assignee",
    "due range (3 days)": "&due_from=2027-03-04&due_to=2027-03-08",
    "assignee=- (nobody)": "&assignee=-",
    "assignee=cw_2": "&assignee=cw_2",
    "page 50, sort=case&desc=1": "&sort=case&desc=1&page=50",
    "default again (last: the run's drift)": "",
}


def main() -> None:
    """Fill the database, then measure every variant and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--n", type=int, default=60)
    args = parser.parse_args()
    engine = temp_engine(clock="simulated")
    engine.definitions.deploy_directory(ENGINE_DIAGRAMS)
    workers = [f"cw_{i}" for i in range(5)]
    for name in workers:
        engine.people.add(name, "bench-password", ["caseworker"], ["sozialamt"],
                          check_strength=False)
    engine.people.add("lead", "bench-password", ["supervisor"], ["sozialamt"],
                      check_strength=False)
    t0 = time.perf_counter()
    for i in range(args.cases):
        if i and i % (args.cases // 10) == 0:
            engine.clock.advance(by=timedelta(days=1))
        case = engine.cases.start(PERSON, "NW", process_key="basic")
        if i % 3 == 0:
            engine.tasks.claim(case.open_tasks[0].id, workers[i % len(workers)])
    print(f"{args.cases} cases with one open task each in {time.perf_counter() - t0:.1f} s")
    app = create_app({"ENGINE": engine, "DEPLOY_ON_START": False, "SECRET_KEY": "bench",
                      "NOTIFIER": "none", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.post("/login", data={"username": "lead", "password": "bench-password"})
    results = {}
    for label, query in VARIANTS.items():
        url = f"/inbox?scope=team{query}"
        samples = []
        for i in range(args.n + 5):
            t0 = time.perf_counter()
            response = client.get(url, headers={"Accept": "text/html"})
            elapsed = time.perf_counter() - t0
            assert response.status_code == 200, (url, response.status_code)
            if i >= 5:
                samples.append(elapsed)
        results[label] = stats_ms(samples)
    base = (results["default (soonest due first)"]["median"]
            + results["default again (last: the run's drift)"]["median"]) / 2
    for label, figures in results.items():
        print(f"{fmt(label, figures)}   ratio {figures['median'] / base:5.2f}")


if __name__ == "__main__":
    main()
