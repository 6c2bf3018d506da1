"""Key rotation: every encrypted value re-encrypted under the newest data key, in batches.

``staffel keys add`` puts a new data key in front of the key file; from then on new values are
written with it and old ones still read with the older keys. :func:`rotate` then rewrites every
value that is not yet under the newest key (and encrypts values written before encryption was
switched on, filling their blind index), one batch per transaction. It is resumable: run it
again after an interruption and it continues where values are still old, since it asks each
value whether the newest key opens it. When :func:`key_status` reports no value under older
keys, the older keys can be removed from the file.

Each value is replaced only if it is still the one read (compare and swap on the stored
token), so a completion that wrote the row meanwhile (with the newest key anyway) is never
overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, Text, select, type_coerce, update
from sqlalchemy.orm import Session

from engine.people.blind_index import index_case
from engine.persistence.crypto import TOKEN_PREFIX, KeyRing, session_ring
from engine.persistence.import_rows import ImportClarification, ImportFile
from engine.persistence.inbound import InboundMessage
from engine.persistence.models import Case, ProcessInstance
from engine.persistence.task_work_models import TaskComment, TaskDraft

#: every encrypted column: (model, primary key, columns)
ENCRYPTED: tuple[tuple[Any, str, tuple[str, ...]], ...] = (
    (Case, "id", ("person", "bamf_aktenzeichen")),
    (ProcessInstance, "id", ("state",)),
    (ImportFile, "id", ("content",)),
    (ImportClarification, "id", ("fields", "payload")),
    (InboundMessage, "id", ("payload",)),
    (TaskDraft, "id", ("data",)),
    (TaskComment, "id", ("text",)),
)
DEFAULT_BATCH = 500


@dataclass
class TableKeys:
    """What one table holds: values under the newest key, under older keys, not encrypted."""

    current: int = 0
    older: int = 0
    plain: int = 0
    rewritten: int = 0

    @property
    def total(self) -> int:
        """Values looked at (empty ones are not counted)."""
        return self.current + self.older + self.plain


@dataclass
class KeyReport:
    """Per table and in all: which key the stored values are under."""

    tables: dict[str, TableKeys] = field(default_factory=dict)

    @property
    def outdated(self) -> int:
        """Values not under the newest key (older keys or not encrypted)."""
        return sum(t.older + t.plain for t in self.tables.values())

    @property
    def rewritten(self) -> int:
        """Values rotate rewrote."""
        return sum(t.rewritten for t in self.tables.values())


def _raw(value: Any) -> bytes:
    return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) \
        else str(value).encode()


def _kind(ring: KeyRing, raw: bytes) -> str:
    if not raw.startswith(TOKEN_PREFIX):
        return "plain"
    return "current" if ring.is_current(raw) else "older"


def _storage(table: Table, column: str) -> Any:
    """The storage type under a column's encrypting type (Text or LargeBinary)."""
    return table.c[column].type.impl  # type: ignore[attr-defined]


def scan_batch(session: Session, model: Any, pk: str, columns: tuple[str, ...],
               report: TableKeys, *, rewrite: bool, size: int, after: Any) -> Any:
    """Look at (with ``rewrite``: re-encrypt) one batch of a table's rows after the key
    ``after``; returns the last key of the batch, or None when the table is done.

    Values are read and written as stored (``type_coerce`` to the column type's storage
    type), so the encrypting column type neither decrypts nor encrypts them on the way.
    """
    ring = session_ring(session)
    dialect = session.get_bind().dialect
    table: Table = model.__table__
    stored_of = {c: type_coerce(table.c[c], _storage(table, c)) for c in columns}
    stmt = select(table.c[pk], *stored_of.values()).order_by(table.c[pk]).limit(size)
    if after is not None:
        stmt = stmt.where(table.c[pk] > after)
    rows = session.execute(stmt).all()
    for row in rows:
        plain_case = False
        for index, name in enumerate(columns, start=1):
            stored = row[index]
            if stored is None or stored in (b"", ""):
                continue
            kind = _kind(ring, _raw(stored))
            setattr(report, kind, getattr(report, kind) + 1)
            plain_case = plain_case or (kind == "plain" and model is Case)
            if kind == "current" or not rewrite:
                continue
            coltype = table.c[name].type
            value = coltype.process_result_value(stored, dialect)  # type: ignore[attr-defined]
            fresh = coltype.process_bind_param(value, dialect)  # type: ignore[attr-defined]
            storage = _storage(table, name)
            done = session.execute(
                update(table)
                .where(table.c[pk] == row[0],
                       stored_of[name] == type_coerce(stored, storage))
                .values({table.c[name]: type_coerce(fresh, storage)}))
            report.rewritten += done.rowcount  # type: ignore[attr-defined]
        if rewrite and plain_case:  # written before the blind index existed
            case = session.get(Case, row[0])
            if case is not None:
                session.refresh(case)
                index_case(session, case)
    session.flush()
    return rows[-1][0] if len(rows) == size else None


def has_plain_cases(session: Session) -> bool:
    """True if some case's person is stored unencrypted (written before encryption)."""
    stored = type_coerce(Case.person, Text())
    return session.scalar(select(Case.id).where(~stored.startswith(TOKEN_PREFIX.decode()))
                          .limit(1)) is not None
