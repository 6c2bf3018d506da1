"""The query plans of the Land benchmark: every SELECT the inbox, dashboard, case and search
pages really issue, captured from SQLAlchemy while the app serves them (in process, on the
Land database), then run again under ``EXPLAIN (ANALYZE, BUFFERS)``; a sequential scan on
``human_tasks`` or ``audit_events`` is flagged.

Used by ``bench/land_scale.py --explain FILE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import event

from engine import Staffel

WATCHED = ("human_tasks", "audit_events")
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


@dataclass
class Captured:
    """The statements one page issued."""

    page: str
    statements: list[tuple[str, Any]] = field(default_factory=list)


def capture(eng: Staffel, app: Any, pages: list[tuple[str, str, str]],
            password: str) -> list[Captured]:
    """Serve ``pages`` ((label, user, path)) through the Flask test client, signed in as
    ``user``; the SELECTs each issued (statement, parameters)."""
    current: list[Captured] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if current and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            current[-1].statements.append((statement, parameters))

    event.listen(eng.db.engine, "before_cursor_execute", listen)
    found: list[Captured] = []
    clients: dict[str, Any] = {}
    try:
        for label, user, path in pages:
            client = clients.get(user)
            if client is None:
                client = clients[user] = app.test_client()
                client.post("/login", data={"username": user, "password": password})
            current.append(Captured(label))
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{label}: {path} answered {response.status_code}")
            found.append(current.pop())
    finally:
        event.remove(eng.db.engine, "before_cursor_execute", listen)
    return found


def explain_all(url: str, captured: list[Captured]) -> tuple[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of every captured SELECT, as Markdown; and the sequential
    scans on the watched tables (page: table)."""
    out, scans = [], []
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        cursor = psycopg.ClientCursor(conn)
        for page in captured:
            out.append(f"### {page.page}\n")
            seen: set[str] = set()
            for statement, parameters in page.statements:
                if statement in seen or _trivial(statement):
                    continue
                seen.add(statement)
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters or None)
                plan = "\n".join(str(row[0]) for row in cursor.fetchall())
                conn.rollback()
                for table in SEQ_SCAN.findall(plan):
                    if table in WATCHED:
                        scans.append(f"{page.page}: {table}")
                sql = " ".join(cursor.mogrify(statement, parameters or None).split())
                out.append(f"```sql\n{sql}\n```\n```\n{plan}\n```\n")
    return "\n".join(out), scans


def _trivial(statement: str) -> bool:
    """Statements not worth a plan: the clock, the session, a user by key."""
    text = " ".join(statement.split()).lower()
    return any(f"from {t} " in text + " " for t in (
        "clock_state", "web_sessions", "alembic_version", "process_versions",
        "definition_files", "saved_filters", "users", "user_teams", "api_tokens"))
