"""Fixtures of the operations tests: an empty database (not even migrated) for a restore or a
release fixture to go into, on SQLite or, with ``STAFFEL_TEST_DATABASE_URL``, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_URL, _drop_pg_database, _fresh_pg_database


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database (SQLite: a file not yet created; PostgreSQL: a new
    database on the test server, dropped afterwards)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = _fresh_pg_database()
    yield url
    _drop_pg_database(url)
