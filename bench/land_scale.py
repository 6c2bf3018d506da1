"""Latency on a Land's database (issue 16, "Volume"): ``staffel serve`` (gunicorn, 4 workers,
no scheduler) on the database ``bench/land_generate.py`` filled, and ``--clients`` client
processes on this machine, each with one keep-alive connection, signed in as caseworkers and
supervisors of the team with the most open tasks.

Measured, each as one phase in which all clients send their requests at the same time:
the team inbox (scope team, soonest due first; page 1, page 200, filters), the case view,
the supervisor's dashboard and overdue list, the case search (case number, name, birth
date), task completion (API, by the task's holder) — and, first and last,
``GET /health/live`` over the same connections: the pure HTTP floor the ratios are against.
With ``--explain FILE`` the SQL the pages issue is captured and written with
``EXPLAIN (ANALYZE, BUFFERS)`` (``land_explain``).

Usage: STAFFEL_KEYS_FILE=/tmp/land/land.keys .venv/bin/python -m bench.land_scale
  --database-url postgresql://staffel@127.0.0.1:54329/staffel_land [--n 200] [--clients 4]
  [--workers 4] [--explain /tmp/land/explain.md]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select

from bench._common import fmt, stats_ms
from bench.land_generate import LAND_PASSWORD
from bench.land_http import Client, Server
from engine import Staffel
from engine.persistence.models import Case, HumanTask, User
from engine.states import HumanTaskState
from tests.lifecycle.random_world import form_data, make_plan

#: the figures the issue asks for (p95, ms)
TARGETS = {"inbox": 20.0, "case": 30.0, "search": 30.0, "completion": 25.0,
           "dashboard": 200.0}


@dataclass
class Subjects:
    """Who signs in and what they ask for."""

    team: str
    open_tasks: int
    caseworkers: list[str]
    supervisor: str
    task_type: str
    cases: list[str]  # ids of cases with work of the team
    numbers: list[str]
    names: list[str]
    births: list[str]
    tasks: list[tuple[str, str | None, str | None]]  # (id, form, holder) of open tasks
    today: Any


def subjects(url: str, clients: int, tasks_needed: int) -> Subjects:
    """The busiest team, its users, and sample cases and tasks (read through the engine:
    persons are decrypted by its column types)."""
    eng = Staffel(url, clock="simulated")
    rng = random.Random(7)
    with eng.db.read() as s:
        team, open_tasks = s.execute(
            select(HumanTask.team, func.count()).where(HumanTask.state == HumanTaskState.OPEN)
            .group_by(HumanTask.team).order_by(func.count().desc()).limit(1)).one()
        task_type = s.scalar(
            select(HumanTask.element_id).where(HumanTask.state == HumanTaskState.OPEN,
                                               HumanTask.team == team)
            .group_by(HumanTask.element_id).order_by(func.count().desc()).limit(1))
        case_ids = list(s.scalars(select(HumanTask.case_id).where(HumanTask.team == team)
                                  .distinct().limit(20_000)))
        sample = rng.sample(case_ids, min(400, len(case_ids)))
        cases = list(s.scalars(select(Case).where(Case.id.in_(sample))))
        tasks = [(r.id, r.form, r.assignee) for r in s.execute(
            select(HumanTask.id, HumanTask.form, HumanTask.assignee).where(
                HumanTask.state == HumanTaskState.OPEN, HumanTask.team == team)
            .limit(tasks_needed))]
        people = [(c.id, c.case_number, c.person or {}) for c in cases]
        members = sorted(s.scalars(select(User.username).where(
            User.username.like(f"sb_{team}_%"))))
    today = eng.clock.now().date()
    eng.close()
    return Subjects(team, int(open_tasks), [members[i % len(members)] for i in range(clients)],
                    f"tl_{team}_00", str(task_type), [i for i, _, _ in people],
                    [n for _, n, _ in people],
                    [f"{p.get('family_name', '')} {p.get('given_name', '')}".strip()
                     for _, _, p in people],
                    [str(p.get("birth_date", "")) for _, _, p in people], tasks, today)


def phases(sub: Subjects) -> dict[str, tuple[str, list[str]]]:
    """Phase name -> (who: caseworker|supervisor, paths cycled through)."""
    inbox = "/inbox?scope=team&sort=due"
    return {
        "inbox page 1": ("caseworker", [inbox]),
        "inbox page 200": ("caseworker", [inbox + "&page=200"]),
        "inbox task type": ("caseworker", [f"{inbox}&task={quote(sub.task_type)}"]),
        "inbox overdue": ("caseworker", [inbox + "&overdue=1"]),
        "inbox nobody's, by case": ("caseworker", [inbox + "&assignee=-&sort=case"]),
        "case view": ("caseworker", [f"/cases/{c}" for c in sub.cases]),
        "search case number": ("caseworker", [f"/cases?q={quote(n)}" for n in sub.numbers]),
        "search name": ("caseworker", [f"/cases?q={quote(n)}" for n in sub.names]),
        "search birth date": ("caseworker", [f"/cases?born={b}" for b in sub.births]),
        "supervisor dashboard": ("supervisor", ["/dashboard"]),
        "supervisor overdue list": ("supervisor", ["/dashboard/overdue"]),
    }


#: the signed-in clients of this client process, by user (kept from phase to phase)
_CLIENTS: dict[str, Client] = {}


def _signed_in(port: int, user: str, warm: str) -> Client:
    """This process's connection for ``user``: made, signed in and warmed on first use."""
    client = _CLIENTS.get(user)
    if client is None:
        client = Client(port)
        if user:
            client.sign_in(user, LAND_PASSWORD)
        client.get(warm)  # warm this connection and the worker's caches
        _CLIENTS[user] = client
    return client


def _client_run(job: tuple[int, int, str, str, list[str], int, float]
                ) -> tuple[list[float], list[str]]:
    """One client: sign in (once per process and user), then ``n`` GETs of ``paths`` (round
    robin), or fewer when ``seconds`` are up (one at least); the latencies of the answers
    200, and the failures (status and path)."""
    port, index, user, _kind, paths, n, seconds = job
    samples: list[float] = []
    failed: list[str] = []
    stop = time.perf_counter() + seconds
    for i in range(n):
        if i and time.perf_counter() > stop:
            break
        path = paths[(index + i * 7) % len(paths)]
        try:
            client = _signed_in(port, user, warm=paths[0])
            status, _, took = client.get(path)
        except (OSError, http.client.HTTPException, RuntimeError) as err:
            # a worker killed mid-request (gunicorn's timeout): noted, a new connection
            failed.append(f"{type(err).__name__} {path}")
            _CLIENTS.pop(user, None)
            continue
        if status == 200:
            samples.append(took)
        else:
            failed.append(f"{status} {path}")
    return samples, failed


def _client_complete(job: tuple[int, str, list[tuple[str, str | None, str | None]], str, int]
                     ) -> tuple[list[float], int]:
    """One client completing its tasks through the API, each as its holder (or ``user`` for
    a task nobody holds); latencies of the 200s (the token requests are not timed), and
    how many were refused."""
    port, user, tasks, today, seed = job
    client = Client(port)
    tokens: dict[str, str] = {}
    rng = random.Random(seed)
    day = date.fromisoformat(today)
    samples, failed = [], 0
    for task_id, form, holder in tasks:
        who = holder or user
        if who not in tokens:
            client.get_token(who, LAND_PASSWORD)
            tokens[who] = client.token
        client.token = tokens[who]
        plan = make_plan(rng, 0, day - timedelta(days=40))
        status, _, took = client.complete(task_id, form_data(form, plan, day, rng, 0))
        if status == 200:
            samples.append(took)
        else:
            failed += 1
    return samples, failed


def measure(port: int, sub: Subjects, clients: int, n: int, seconds: float,
            only: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Every phase with ``clients`` concurrent clients (at most ``seconds`` each); the figures
    per phase."""
    results: dict[str, dict[str, float]] = {}
    context = multiprocessing.get_context("fork")
    with context.Pool(clients) as pool:
        def run(name: str, kind: str, paths: list[str]) -> None:
            users = sub.caseworkers if kind == "caseworker" else [sub.supervisor] * clients
            if kind == "anonymous":
                users = [""] * clients
            jobs = [(port, i, users[i % len(users)], kind, paths, n, seconds)
                    for i in range(clients)]
            parts = pool.map(_client_run, jobs, chunksize=1)
            samples = [s for part, _ in parts for s in part]
            failed = [f for _, fails in parts for f in fails]
            note = f"   FAILED {len(failed)}: {failed[0]}" if failed else ""
            if samples:
                results[name] = stats_ms(samples)
                print(fmt(name, results[name]) + note, flush=True)
            else:
                print(f"{name:<44} no answer 200{note}", flush=True)

        run("baseline GET /health/live", "anonymous", ["/health/live"])
        for name, (kind, paths) in phases(sub).items():
            if not only or any(word in name for word in only):
                run(name, kind, paths)
        share = max(1, len(sub.tasks) // clients)
        jobs = [(port, sub.caseworkers[i], sub.tasks[i * share:(i + 1) * share],
                 sub.today.isoformat(), i) for i in range(clients)]
        parts = pool.map(_client_complete, jobs, chunksize=1)
        samples = [s for part, _ in parts for s in part]
        failed = sum(f for _, f in parts)
        if samples:
            results["task completion (API)"] = stats_ms(samples)
            print(fmt("task completion (API)", results["task completion (API)"])
                  + f"   refused {failed}", flush=True)
        run("baseline again (the run's drift)", "anonymous", ["/health/live"])
    return results


def explain(url: str, sub: Subjects, path: str) -> list[str]:
    """Capture and EXPLAIN the pages' SQL; write Markdown to ``path``; the seq scans found."""
    from bench.land_explain import capture, explain_all
    from web import create_app
    eng = Staffel(url, clock="simulated")
    app = create_app({"ENGINE": eng, "DEPLOY_ON_START": False, "SECRET_KEY": "bench",
                      "NOTIFIER": "none", "WTF_CSRF_ENABLED": False})
    pages = [(name, sub.supervisor if kind == "supervisor" else sub.caseworkers[0], paths[0])
             for name, (kind, paths) in phases(sub).items()]
    captured = capture(eng, app, pages, LAND_PASSWORD)
    text, scans = explain_all(url, captured)
    with open(path, "w", encoding="utf-8") as out:
        out.write(f"## EXPLAIN (ANALYZE, BUFFERS) on the Land database (team {sub.team}, "
                  f"{sub.open_tasks:,} open tasks)\n\n{text}")
    eng.close()
    return scans


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--database-url", required=True)
    p.add_argument("--n", type=int, default=200, help="requests per client and phase")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--phase-seconds", type=float, default=30.0,
                   help="a phase ends after this long (each client sent three at least)")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--completions", type=int, default=400, help="tasks completed in all")
    p.add_argument("--explain", help="write the EXPLAINs of the pages' SQL to this file")
    p.add_argument("--phases", default="", help="only the phases whose name has one of these "
                   "comma-separated words (completion: 'completion'; default: all)")
    return p


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Measure and print; the figures."""
    args = parser().parse_args(argv)
    sub = subjects(args.database_url, args.clients, args.completions)
    print(f"team {sub.team}: {sub.open_tasks:,} open tasks; {len(sub.cases)} sample cases; "
          f"{len(sub.tasks)} tasks to complete; {args.clients} clients x {args.n} requests, "
          f"{args.workers} gunicorn workers", flush=True)
    scans: list[str] = []
    if args.explain:
        scans = explain(args.database_url, sub, args.explain)
        print(f"EXPLAINs written to {args.explain}; sequential scans on "
              f"human_tasks/audit_events: {scans or 'none'}", flush=True)
    server = Server(args.database_url, workers=args.workers)
    server.start()
    try:
        results = measure(server.port, sub, args.clients, args.n, args.phase_seconds,
                          [w for w in args.phases.split(",") if w])
    finally:
        server.stop()
    base = results["baseline GET /health/live"]["median"]
    for name, s in results.items():
        target = next((v for k, v in TARGETS.items() if k in name.replace("supervisor",
                                                                         "dashboard")), None)
        verdict = "" if target is None else (" ok" if s["p95"] < target else " OVER")
        print(f"{name:<44} median/baseline {s['median'] / base:6.1f}   p95 {s['p95']:7.2f} ms"
              + (f" (target {target:.0f} ms){verdict}" if target else ""))
    return {"results": results, "scans": scans, "team": sub.team}


if __name__ == "__main__":
    main()
