"""Persistence: the SQLAlchemy 2.x rows (``Mapped[]`` models, states as enums with ``CHECK``
constraints), the UTC datetime and JSON column types, the database handle with its write
transactions (SQLite ``BEGIN IMMEDIATE`` in WAL mode; PostgreSQL), and the Alembic migrations.

Rooms read and write these rows through sessions that ``services`` open; the rows never leave
the engine. May import: ``engine.states`` and ``engine.errors`` only.
"""

# Every table on Base.metadata wherever persistence is imported (migrations, tests).
from engine.persistence import (  # noqa: F401
    import_rows,
    models,
    preference_models,
    privacy_models,
    security_models,
    task_work_models,
)
