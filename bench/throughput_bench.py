"""Throughput of task completions on PostgreSQL (issue 16): ``staffel serve`` with 1, 2 and 4
gunicorn workers (sync workers unless ``--threads``), ``--clients`` client processes that
complete open tasks through the API as fast as the server answers, each with the bearer
token of the task's holder (a task nobody holds: a caseworker of its team).

Printed per worker count: completions/s, the ratio to one worker, and the CPU seconds per
completion of the server (gunicorn master and workers) and of PostgreSQL's backends serving
the database (``/proc/<pid>/stat``), so a bigger machine can be estimated. Then, with the
most workers, ``--rss-requests`` requests (inbox, case view, search, completion) and the
resident memory of every worker.

Usage: STAFFEL_KEYS_FILE=/tmp/land/land.keys .venv/bin/python -m bench.throughput_bench
  --database-url postgresql://staffel@127.0.0.1:54329/staffel_land [--workers 1,2,4]
  [--seconds 20] [--clients 4] [--rss-requests 10000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import time
from datetime import date, timedelta

import psycopg
from sqlalchemy import select

from bench.land_generate import LAND_PASSWORD
from bench.land_http import Client, Server, cpu_seconds, rss_mb
from engine import Staffel
from engine.persistence.models import HumanTask, User
from engine.states import HumanTaskState
from tests.lifecycle.random_world import form_data, make_plan

Task = tuple[str, str, str | None, str]  # id, team, form, who completes it


def open_tasks(url: str, limit: int) -> tuple[list[Task], dict[str, str], str]:
    """Open tasks (any team), each with who completes it: its holder, or for a task nobody
    holds the first caseworker of its team; a caseworker per team; the engine's day."""
    eng = Staffel(url, clock="simulated")
    with eng.db.read() as s:
        users: dict[str, str] = {}
        for name in sorted(s.scalars(select(User.username)
                                     .where(User.username.like("sb_%")))):
            users.setdefault(name[3:].rsplit("_", 1)[0], name)
        tasks = [(r.id, r.team, r.form, r.assignee or users[r.team]) for r in s.execute(
            select(HumanTask.id, HumanTask.team, HumanTask.form, HumanTask.assignee).where(
                HumanTask.state == HumanTaskState.OPEN).limit(limit))]
    today = eng.clock.now().date().isoformat()
    eng.close()
    random.Random(3).shuffle(tasks)
    return tasks, users, today


def _complete_for(job: tuple[int, list[Task], dict[str, str], str, float, int]
                  ) -> tuple[int, int, int]:
    """One client: complete its tasks until the time is up; (done, refused, tasks used)."""
    port, tasks, tokens, today, seconds, seed = job
    client = Client(port)
    rng, day = random.Random(seed), date.fromisoformat(today)
    done = refused = used = 0
    stop = time.perf_counter() + seconds
    for task_id, _team, form, user in tasks:
        if time.perf_counter() > stop:
            break
        used += 1
        client.token = tokens[user]
        plan = make_plan(rng, 0, day - timedelta(days=40))
        status, _, _ = client.complete(task_id, form_data(form, plan, day, rng, 0))
        done, refused = (done + 1, refused) if status == 200 else (done, refused + 1)
    return done, refused, used


def backend_pids(url: str) -> list[int]:
    """PostgreSQL's client backends connected to the database of ``url``."""
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = "
                            "current_database() AND pid <> pg_backend_pid()").fetchall()
    return [int(r[0]) for r in rows]


def run(server: Server, clients: int, seconds: float, tasks: list[Task],
        tokens: dict[str, str], today: str) -> dict[str, float]:
    """Completions/s and CPU per completion on a started server; the tasks used are taken
    off ``tasks``."""
    share = len(tasks) // clients
    jobs = [(server.port, tasks[i * share:(i + 1) * share], tokens, today, seconds, i)
            for i in range(clients)]
    warm = Client(server.port)  # every worker's first request (imports, caches)
    for _ in range(server.workers * 2):
        warm.get("/health/live")
    pids = [server.process.pid, *server.worker_pids()] if server.process else []
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        before = {p: cpu_seconds(p) for p in pids + backend_pids(server.database_url)}
        began = time.perf_counter()
        parts = pool.map(_complete_for, jobs, chunksize=1)
        wall = time.perf_counter() - began
        backends = backend_pids(server.database_url)
        server_cpu = sum(cpu_seconds(p) - before.get(p, 0.0) for p in pids)
        pg_cpu = sum(cpu_seconds(p) - before.get(p, 0.0) for p in backends)
    used = {t for i, (_, _, n) in enumerate(parts) for t in tasks[i * share:i * share + n]}
    tasks[:] = [t for t in tasks if t not in used]
    done, refused = sum(p[0] for p in parts), sum(p[1] for p in parts)
    return {"workers": server.workers, "done": done, "refused": refused,
            "per_second": done / wall, "server_cpu": server_cpu / max(done, 1),
            "pg_cpu": pg_cpu / max(done, 1), "wall": wall}


def _mixed(job: tuple[int, str, list[str], int]) -> int:
    """One client: ``n`` GETs of ``paths`` in turn; how many answered 200."""
    port, user, paths, n = job
    client = Client(port)
    client.sign_in(user, LAND_PASSWORD)
    return sum(client.get(paths[i % len(paths)])[0] == 200 for i in range(n))


def memory(server: Server, clients: int, requests: int, users: dict[str, str]
           ) -> list[float]:
    """RSS (MB) of every worker after ``requests`` more requests of the inbox, case list and
    health pages, spread over ``clients`` clients."""
    names = sorted(users.values())
    paths = ["/inbox?scope=team&sort=due", "/cases", "/inbox?scope=team&page=20",
             "/health/live"]
    jobs = [(server.port, names[i % len(names)], paths, requests // clients)
            for i in range(clients)]
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        pool.map(_mixed, jobs, chunksize=1)
    return [rss_mb(p) for p in server.worker_pids()]


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    """Measure every worker count and print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--database-url", required=True)
    p.add_argument("--workers", default="1,2,4")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--rss-requests", type=int, default=10_000)
    p.add_argument("--tasks", type=int, default=20_000, help="open tasks offered at most")
    args = p.parse_args(argv)
    counts = [int(w) for w in args.workers.split(",")]
    tasks, users, today = open_tasks(args.database_url, args.tasks)
    if not tasks:
        raise SystemExit("no open tasks to complete in this database")
    print(f"{len(tasks):,} open tasks (the holder completes a held one); {args.clients} clients, "
          f"{args.seconds:.0f} s per run, threads per worker {args.threads}", flush=True)
    rows: list[dict[str, float]] = []
    tokens: dict[str, str] = {}
    rss: list[float] = []
    for workers in counts:
        server = Server(args.database_url, workers=workers, threads=args.threads)
        server.start()
        try:
            for user in sorted({t[3] for t in tasks} - set(tokens)):
                client = Client(server.port)  # a bearer token per user, before the clock runs
                client.get_token(user, LAND_PASSWORD)
                tokens[user] = client.token
            row = run(server, args.clients, args.seconds, tasks, tokens, today)
            if workers == max(counts):
                rss = memory(server, args.clients, args.rss_requests, users)
        finally:
            server.stop()
        rows.append(row)
        base = rows[0]["per_second"]
        print(f"completions/s with {workers} worker{'s' if workers > 1 else ''}: "
              f"{row['per_second']:7.1f}  ratio to {counts[0]}: {row['per_second'] / base:4.2f}"
              f"   CPU per completion: server {row['server_cpu'] * 1000:6.1f} ms, "
              f"PostgreSQL {row['pg_cpu'] * 1000:6.1f} ms   ({row['done']} done, "
              f"{row['refused']} refused, {row['wall']:.1f} s)", flush=True)
    print(f"RSS per worker after the completions and {args.rss_requests:,} requests "
          f"({max(counts)} workers): "
          + ", ".join(f"{r:.0f} MB" for r in rss), flush=True)
    return rows


if __name__ == "__main__":
    main()
