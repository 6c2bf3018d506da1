"""Load the previous release's fixture (tests/data/releases/, made by the OLD code with
``make_release_fixture.py``) into an empty database at that release's schema revision.

The schema is made by Alembic ``upgrade`` to the fixture's revision (the migration scripts up
to it are the release's own; they are never changed afterwards), the rows are inserted with
SQLAlchemy Core into the tables reflected from that schema, so the same fixture loads into
SQLite and PostgreSQL. Values JSON has no type for are tagged in the dump: ``$dt`` (UTC
date-time), ``$d`` (date), ``$b64`` (bytes). A None in a JSON column is SQL NULL (the
fixture has no JSON ``null`` values). PostgreSQL's sequences are set past the loaded ids.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Connection, MetaData, null, text

from engine.persistence.db import MIGRATIONS_DIR, Database

RELEASES = Path(__file__).resolve().parents[1] / "data" / "releases"
RELEASE_0017 = RELEASES / "0017"


def manifest(directory: Path = RELEASE_0017) -> dict[str, Any]:
    """What the fixture holds: revision, the commit that made it, row counts, its cases."""
    loaded: dict[str, Any] = json.loads((directory / "manifest.json").read_text("utf-8"))
    return loaded


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        tag, inner = next(iter(value.items()))
        if tag == "$dt":
            return datetime.fromisoformat(inner)
        if tag == "$d":
            return date.fromisoformat(inner)
        if tag == "$b64":
            return base64.b64decode(inner)
    return value


def _rows(directory: Path) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """The fixture's revision and its rows per table, in the dump's order."""
    tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with gzip.open(directory / "rows.jsonl.gz", "rt", encoding="utf-8") as fh:
        revision = json.loads(fh.readline())["revision"]
        for line in fh:
            record = json.loads(line)
            tables[record["t"]].append({k: _decode(v) for k, v in record["r"].items()})
    return revision, tables


def upgrade_to(db: Database, revision: str) -> None:
    """Bring a database to an Alembic ``revision`` (not further)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.schema_change() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _insert(connection: Connection, tables: dict[str, list[dict[str, Any]]]) -> None:
    meta = MetaData()
    meta.reflect(connection)
    for name, rows in tables.items():
        table = meta.tables[name]
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        fixed = [{k: (null() if v is None and k in json_columns else v) for k, v in row.items()}
                 for row in rows]
        connection.execute(table.insert(), fixed)
    if connection.dialect.name == "postgresql":
        for table in meta.sorted_tables:
            for column in table.primary_key.columns:
                sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                              {"t": table.name, "c": column.name}).scalar()
                if sequence:
                    connection.execute(text(
                        f'SELECT setval(:s, COALESCE((SELECT max("{column.name}") '
                        f'FROM "{table.name}"), 0) + 1, false)'), {"s": sequence})


def load_release(database_url: str, directory: Path = RELEASE_0017) -> str:
    """Create the release's schema in an empty database and insert its rows; the revision."""
    revision, tables = _rows(directory)
    db = Database(database_url)
    try:
        upgrade_to(db, revision)
        with db.schema_change() as connection:  # SQLite: foreign keys checked at the end
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            _insert(connection, tables)
    finally:
        db.dispose()
    return revision
