"""Fill a PostgreSQL database with a Land's worth of history (issue 16, "Volume").

1. The real engine runs a few hundred template cases on the simulated clock through bpmn/
   (``bench/land_template.py``: the random-order world of the lifecycle tests) and stops
   while they are spread over every stage.
2. A new database gets the engine's schema (its migrations), bpmn/ deployed by the engine,
   and the Land's users (caseworkers and supervisors of every team) made by the engine.
3. Every row of the template cases is read back and cloned (``bench/land_clone.py``) with
   fresh ids, persons, Aktenzeichen and caseworkers until the Land has ``500,000 × scale``
   cases; the clones are written with COPY by ``--jobs`` processes. Templates are weighted
   by stage (``bench.land_clone.STAGE_MIX``: most cases early in their lifecycle, every
   stage present). The issue's 2,000,000 tasks and 5,000,000 audit events are 4 and 10 per
   case; the engine writes about 16 events and 5 tasks for a case that reached S2 (the
   youngest stage of most templates), so the Land has more of both than the issue names:
   what the engine writes is the measure, the counts are reported.
4. The audit chain is computed over the cloned events as the engine does
   (``engine.audit.event_hash``), continuing the engine's own events, so
   ``staffel audit verify`` passes; then sequences, the audit head and the clock are set,
   and the tables analysed.

Teams are a fixed list (``engine.law.teams``), so the Land's offices show as many users per
team: ``sb_<team>_<n>`` caseworkers, ``tl_<team>_<n>`` supervisors (password
``LAND_PASSWORD``); a clone's ``cw_<team>`` becomes one of them.

Usage: STAFFEL_KEYS_FILE=/tmp/land/land.keys .venv/bin/python -m bench.land_generate
  --server-url postgresql://staffel@127.0.0.1:54329/postgres --database staffel_land
  --scale 1.0 [--templates 240 --template-days 540 --template-url sqlite:////tmp/land/t.db]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Table, func, select

from bench.land_clone import Land, clone, clone_counts, read_templates, weights
from bench.land_template import build_templates, template_keys
from engine import Staffel
from engine.audit import event_hash
from engine.persistence.crypto import KeyRing, key_file_of, load_keys, write_key_file
from engine.persistence.models import AuditHead, Base, ClockState, ProcessVersion
from tests.lifecycle.helpers import BPMN_DIR

CASES = 500_000  # the Land at scale 1.0
LAND_PASSWORD = "land-bench-password"
BATCH = 2000  # clones per COPY round


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    return server_url.rsplit("/", 1)[0] + "/" + name


def recreate_database(server_url: str, name: str) -> None:
    """Drop and create database ``name`` (on the server ``server_url`` points to)."""
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def land_keys(url: str) -> KeyRing:
    """The key ring of the Land database: its key file, made if missing."""
    path = key_file_of(url)
    if path is None:
        raise SystemExit("set STAFFEL_KEYS_FILE (the Land database's key file)")
    if not path.exists():
        write_key_file(path, KeyRing.generate())
    return load_keys(url)


def make_users(eng: Staffel, per_team: int, supervisors: int) -> dict[str, list[str]]:
    """The Land's caseworkers and supervisors, created by the engine; team -> caseworkers."""
    from engine.law.teams import TEAMS
    users: dict[str, list[str]] = {}
    for team in TEAMS:
        names = [f"sb_{team.key}_{n:03d}" for n in range(per_team)]
        for name in names:
            eng.people.add(name, LAND_PASSWORD, ["caseworker"], [team.key],
                           actor="land", check_strength=False)
        for n in range(supervisors):
            eng.people.add(f"tl_{team.key}_{n:02d}", LAND_PASSWORD, ["supervisor"],
                           [team.key], actor="land", check_strength=False)
        users[team.key] = names
    return users


class Writer:
    """Buffers cloned rows per table and writes them with COPY, the audit chain computed
    on the way (in the order the events are written)."""

    def __init__(self, url: str, tables: dict[str, Table], seq: int = 0,
                 last_hash: str = "") -> None:
        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        # bulk load: no foreign-key triggers (parents are written first; all rows of a
        # clone in the same writer), no commit flush wait
        self.conn.execute("SET session_replication_role = replica")
        self.conn.execute("SET synchronous_commit = off")
        self.conn.commit()
        self.indexes: list[tuple[str, str]] = []
        self.tables, self.seq, self.last_hash = tables, seq, last_hash
        self.order = [t.name for t in Base.metadata.sorted_tables if t.name in tables]
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.written: Counter[str] = Counter()

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Queue a row (an audit event gets its place in the chain here)."""
        if table == "audit_events":
            self.chain(row)
        self.rows[table].append(row)

    def chain(self, row: dict[str, Any]) -> None:
        """Give an audit event the next sequence number and its chain hash."""
        self.seq += 1
        details = json.loads(row["details"])
        row["seq"], row["prev_hash"] = self.seq, self.last_hash
        row["hash"] = self.last_hash = event_hash(
            self.last_hash, self.seq, row["at"], row["actor"], row["action"],
            row["case_id"], row["instance_id"], row["element_id"], details)

    def drop_indexes(self) -> None:
        """Drop the secondary indexes (built again once, at the end, by :func:`finish`)."""
        self.indexes = [(r[0], r[1]) for r in self.conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)").fetchall()]
        for name, _ in self.indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
        self.conn.commit()

    def flush(self) -> None:
        """COPY every queued row, parents first, in one transaction."""
        with self.conn.cursor() as cur:
            for name in self.order:
                rows = self.rows.pop(name, [])
                if not rows:
                    continue
                columns = [c.name for c in self.tables[name].columns]
                with cur.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in columns])
                self.written[name] += len(rows)
        self.conn.commit()


def generate(args: argparse.Namespace) -> dict[str, Any]:
    """Build templates, the database, the clones; return the figures."""
    began = time.perf_counter()
    url = database_url(args.server_url, args.database)
    ring = land_keys(url)
    template_url = args.template_url or f"sqlite:///{args.workdir}/template.db"
    if args.template_url is None:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        for leftover in Path(args.workdir).glob("template.db*"):
            leftover.unlink()
        template, stop = build_templates(template_url, args.templates, args.template_days,
                                         args.seed)
    else:
        template = Staffel(template_url, clock="simulated", keys=template_keys(template_url))
        stop = template.clock.now()
    t_templates = time.perf_counter() - began
    with template.db.engine.connect() as conn:
        templates = read_templates(conn)
        versions = {pv.id: (pv.key, pv.version) for pv in conn.execute(
            select(ProcessVersion.id, ProcessVersion.key, ProcessVersion.version))}
    template.close()

    recreate_database(args.server_url, args.database)
    eng = Staffel(url, clock="simulated", clock_start=stop, keys=ring)
    eng.init_db()
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    users = make_users(eng, args.users_per_team, args.supervisors_per_team)
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    with eng.db.engine.connect() as conn:
        target = {(k, v): i for i, k, v in conn.execute(
            select(ProcessVersion.id, ProcessVersion.key, ProcessVersion.version))}
        head = conn.execute(select(AuditHead.last_seq, AuditHead.last_hash)).one()
        next_ids = {}
        for name, table in tables.items():
            keys = list(table.primary_key.columns)
            if len(keys) == 1 and keys[0].type.python_type is int:
                next_ids[name] = int(conn.scalar(select(func.max(keys[0]))) or 0) + 1
    version_map = {old: target[key] for old, key in versions.items()}
    rng = random.Random(args.seed)
    total = max(1, round(CASES * args.scale))
    ws = weights(templates)
    counts = clone_counts(templates, total, ws, rng)
    order = [i for i, n in enumerate(counts) for _ in range(n)]
    rng.shuffle(order)  # clones of one template do not sit side by side
    writer = Writer(url, tables, int(head[0]), str(head[1]))
    writer.drop_indexes()
    eng.db.engine.dispose()  # no pooled connection crosses the fork
    _JOB.update(templates=templates, tables=tables, version_map=version_map, ring=ring,
                dialect=eng.db.engine.dialect, users=users, next_ids=next_ids, url=url,
                seed=args.seed, progress=args.progress)
    t_clone = time.perf_counter()
    run_workers(writer, order, max(1, args.jobs))
    t_clone = time.perf_counter() - t_clone
    finish(writer, tables, stop)
    t_total = time.perf_counter() - began
    stages: Counter[str] = Counter()
    for index, n in enumerate(counts):
        stages[templates[index].stage] += n
    figures = {"templates": len(templates), "template_seconds": t_templates,
               "clone_seconds": t_clone, "total_seconds": t_total, "stop": stop,
               "written": dict(writer.written), "stages": dict(sorted(stages.items())),
               "sizes": sizes(writer.conn), "url": url}
    writer.conn.close()
    eng.close()
    return figures


#: what the forked workers share with the main process (set before they start)
_JOB: dict[str, Any] = {}
ID_SPAN = 400_000_000  # integer keys of worker w start at the table's next key + w · ID_SPAN


def _work(worker: int, chunk: list[int], first: int, queue: Any) -> None:
    """A worker process: clone the templates of ``chunk`` (clone numbers from ``first``),
    COPY every table but the audit trail, and hand the audit events to the main process
    (which chains them) one batch at a time."""
    job = _JOB
    tables, version_map = job["tables"], job["version_map"]
    land = Land(job["ring"], job["dialect"], job["users"],
                {t: n + worker * ID_SPAN for t, n in job["next_ids"].items()},
                random.Random(job["seed"] + worker), clones=first)
    writer = Writer(job["url"], tables)
    audit: list[dict[str, Any]] = []
    began = time.perf_counter()
    for done, index in enumerate(chunk, 1):
        for table, row in clone(job["templates"][index], land, tables):
            if table == "process_instances":
                row["process_version_id"] = version_map[row["process_version_id"]]
            if table == "audit_events":
                audit.append(row)
            else:
                writer.add(table, row)
        if done % BATCH == 0 or done == len(chunk):
            writer.flush()
            queue.put(audit)
            audit = []
            if job["progress"] and done % (BATCH * 10) == 0:
                print(f"  worker {worker}: {done:,} cases, {time.perf_counter() - began:.0f} s",
                      flush=True)
    queue.put(dict(writer.written))
    writer.conn.close()


def run_workers(writer: Writer, order: list[int], jobs: int) -> None:
    """Clone ``order`` in ``jobs`` forked workers; chain and COPY their audit events here,
    taking the workers' batches in turn (the same chain for the same seed)."""
    import multiprocessing
    import queue as queues

    context = multiprocessing.get_context("fork")
    size = -(-len(order) // jobs)
    chunks = [order[w * size:(w + 1) * size] for w in range(jobs)]
    pipes = [context.Queue(maxsize=6) for _ in range(jobs)]
    workers = [context.Process(target=_work, args=(w, chunks[w], w * size, pipes[w]))
               for w in range(jobs) if chunks[w]]
    for process in workers:
        process.start()
    active = list(range(len(workers)))
    while active:
        for w in list(active):
            while True:
                try:
                    item = pipes[w].get(timeout=5)
                    break
                except queues.Empty:
                    if not workers[w].is_alive():
                        raise SystemExit(
                            f"worker {w} died (exit code {workers[w].exitcode})") from None
            if isinstance(item, dict):  # the worker's row counts: it is done
                writer.written.update(item)
                active.remove(w)
                continue
            for row in item:
                writer.add("audit_events", row)
            writer.flush()
    for process in workers:
        process.join()


def finish(writer: Writer, tables: dict[str, Table], stop: datetime) -> None:
    """The secondary indexes again, sequences after the copied keys, the audit head, the
    clock; VACUUM ANALYZE."""
    conn = writer.conn
    conn.execute("SET maintenance_work_mem = '512MB'")
    for _, definition in writer.indexes:
        conn.execute(definition)
    for name, table in tables.items():
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and keys[0].type.python_type is int:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', '{keys[0].name}'), "
                f"(SELECT COALESCE(MAX({keys[0].name}), 1) FROM {name}))")
    conn.execute(f"UPDATE {AuditHead.__tablename__} SET last_seq = %s, last_hash = %s "
                 "WHERE id = 1", (writer.seq, writer.last_hash))
    conn.execute(f"UPDATE {ClockState.__tablename__} SET now = %s", (stop,))
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE")
    conn.autocommit = False


def sizes(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """pg_database_size and, per table, its total size (with TOAST and indexes)."""
    database = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    rows = conn.execute(
        "SELECT relname, n_live_tup, pg_total_relation_size(relid), pg_relation_size(relid),"
        " pg_indexes_size(relid) FROM pg_stat_user_tables ORDER BY 3 DESC").fetchall()
    return {"database": database[0] if database else 0,
            "tables": [{"table": r[0], "rows": r[1], "total": r[2], "heap": r[3],
                        "indexes": r[4]} for r in rows]}


def report(figures: dict[str, Any]) -> str:
    """The figures as text."""
    mb = 1024 * 1024
    lines = [f"Land generated into {figures['url'].rsplit('@', 1)[-1]}: "
             f"{figures['templates']} template cases ({figures['template_seconds']:.0f} s), "
             f"clones in {figures['clone_seconds']:.0f} s, total {figures['total_seconds']:.0f} s;"
             f" clock {figures['stop'].isoformat()}",
             f"stages {figures['stages']}",
             "rows written " + ", ".join(f"{k} {v:,}" for k, v in
                                         sorted(figures['written'].items())),
             f"pg_database_size {figures['sizes']['database'] / mb:,.0f} MB"]
    for t in figures["sizes"]["tables"]:
        if t["total"] > mb:
            lines.append(f"  {t['table']:<24} rows {t['rows']:>12,}  "
                         f"total {t['total'] / mb:>9,.0f} MB  heap {t['heap'] / mb:>8,.0f} MB  "
                         f"indexes {t['indexes'] / mb:>7,.0f} MB")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--server-url", required=True, help="a URL of the PostgreSQL server")
    p.add_argument("--database", default="staffel_land")
    p.add_argument("--scale", type=float, default=1.0, help="1.0: 500,000 cases")
    p.add_argument("--templates", type=int, default=240)
    p.add_argument("--template-days", type=int, default=540)
    p.add_argument("--template-url", help="reuse a template database made before")
    p.add_argument("--workdir", default="/tmp/land")
    p.add_argument("--users-per-team", type=int, default=25)
    p.add_argument("--supervisors-per-team", type=int, default=3)
    p.add_argument("--seed", type=int, default=20270301)
    p.add_argument("--jobs", type=int, default=2, help="cloning processes")
    p.add_argument("--progress", action="store_true")
    return p


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Generate the Land and print its figures."""
    figures = generate(parser().parse_args(argv))
    print(report(figures), flush=True)
    return figures


if __name__ == "__main__":
    main()
