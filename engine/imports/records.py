"""The import's own rows: the file with its original bytes and report, one row per line
(its outcome, and a fingerprint that makes re-imports idempotent), and the clarifications the
Eingangszone decides. Functions over a session; :mod:`engine.services.imports` holds the
transactions, so that bookkeeping, deliveries and audit events commit together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from engine.errors import Conflict, NotFound
from engine.execution.unit import UnitOfWork
from engine.people.blind_index import az_is, born_on
from engine.persistence.import_rows import ImportClarification, ImportFile, ImportRow
from engine.persistence.models import Case
from engine.states import ClarificationState, ImportRowOutcome

CLARIFICATION_TEAM = "eingangszone"
CORRELATED, CLARIFICATION, INVALID, DUPLICATE, BUFFERED = (
    ImportRowOutcome.CORRELATED, ImportRowOutcome.CLARIFICATION, ImportRowOutcome.INVALID,
    ImportRowOutcome.DUPLICATE, ImportRowOutcome.BUFFERED)


@dataclass(frozen=True)
class FileInfo:
    """An import file without its content."""

    id: int
    kind: str
    file_name: str
    sha256: str
    file_format: str
    encoding: str
    separator: str | None
    uploaded_by: str
    uploaded_at: datetime
    status: str
    counts: dict[str, int]
    report: dict[str, Any]


@dataclass(frozen=True)
class RowInfo:
    """The outcome of one line."""

    line: int
    outcome: str
    case_number: str | None
    message_name: str | None
    reason: str | None
    field: str | None
    detail: str | None
    clarification_id: int | None
    clarification_state: str | None


@dataclass(frozen=True)
class ClarificationInfo:
    """A clarification with what the Eingangszone needs to decide it."""

    id: int
    file_id: int
    file_name: str
    line: int
    kind: str
    state: str
    reason: str
    fields: dict[str, Any]
    message_name: str
    payload: dict[str, Any]
    candidates: list[tuple[str, str]]  # (case id, case number)
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: dict[str, Any] | None


def file_info(row: ImportFile) -> FileInfo:
    """The dataclass of a file row."""
    return FileInfo(row.id, row.kind, row.file_name, row.sha256, row.file_format, row.encoding,
                    row.separator, row.uploaded_by, row.uploaded_at, row.status,
                    {"rows": row.rows_total, "correlated": row.rows_correlated,
                     "clarification": row.rows_clarification, "invalid": row.rows_invalid,
                     "duplicate": row.rows_duplicate, "buffered": row.rows_buffered},
                    dict(row.report or {}))


def find_file(session: Session, kind: str, sha256: str) -> ImportFile | None:
    """The earlier import of the same content, if any."""
    return session.scalars(select(ImportFile).where(ImportFile.kind == kind,
                                                    ImportFile.sha256 == sha256)).first()


def known_fingerprints(session: Session, kind: str, fingerprints: Iterable[str]
                       ) -> dict[str, tuple[int, int, int]]:
    """fingerprint -> (row id, file id, line) of rows taken by earlier imports."""
    wanted = sorted(set(fingerprints))
    found: dict[str, tuple[int, int, int]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for fp, row_id, file_id, line in session.execute(
                select(ImportRow.fingerprint, ImportRow.id, ImportRow.file_id, ImportRow.line)
                .where(ImportRow.kind == kind, ImportRow.fingerprint.in_(chunk))):
            found[str(fp)] = (row_id, file_id, line)
    return found


def done_lines(session: Session, file_id: int) -> set[int]:
    """Lines of a file that already have their row (an interrupted import being resumed)."""
    return set(session.scalars(select(ImportRow.line).where(ImportRow.file_id == file_id)))


def write_rows(uow: UnitOfWork, rows: list[dict[str, Any]],
               clarifications: dict[int, dict[str, Any]]) -> None:
    """Insert line rows and, for lines that need one, their clarification (same transaction).

    ``clarifications`` maps a line number to the clarification's fields. Prepared Core
    statements (one ``executemany`` each): the ORM costs ten times as much for 50,000 rows.
    """
    if not rows:
        return
    connection = uow.session.connection()
    connection.execute(_INSERT_ROWS, rows)
    wanted = [r["line"] for r in rows if r["outcome"] == CLARIFICATION]
    if not wanted:
        return
    file_id = rows[0]["file_id"]
    ids: dict[int, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        ids.update((int(line), int(row_id)) for line, row_id in connection.execute(
            select(ImportRow.line, ImportRow.id).where(ImportRow.file_id == file_id,
                                                       ImportRow.line.in_(chunk))))
    connection.execute(_INSERT_CLARIFICATIONS, [
        {"row_id": ids[line], "kind": rows[0]["kind"], "team": CLARIFICATION_TEAM,
         "state": ClarificationState.OPEN, "created_at": uow.now, "resolved_by": None,
         "resolved_at": None,
         "resolution": None, **clarifications[line]} for line in wanted])


_INSERT_ROWS = insert(cast(Table, ImportRow.__table__))
_INSERT_CLARIFICATIONS = insert(cast(Table, ImportClarification.__table__))


def summary_counts(session: Session, file_id: int) -> dict[str, int]:
    """How many lines of a file had which outcome."""
    counts = dict.fromkeys(("correlated", "buffered", "clarification", "invalid", "duplicate"),
                           0)
    for outcome, n in session.execute(select(ImportRow.outcome, func.count())
                                      .where(ImportRow.file_id == file_id)
                                      .group_by(ImportRow.outcome)):
        counts[str(outcome)] = int(n)
    counts["rows"] = sum(counts.values())
    return counts


def row_infos(session: Session, file_id: int, *, problems_only: bool = False,
              limit: int | None = None) -> list[RowInfo]:
    """Every line of a file (or only those not correlated), in line order."""
    stmt = (select(ImportRow, Case.case_number, ImportClarification.id,
                   ImportClarification.state)
            .outerjoin(Case, Case.id == ImportRow.case_id)
            .outerjoin(ImportClarification, ImportClarification.row_id == ImportRow.id)
            .where(ImportRow.file_id == file_id).order_by(ImportRow.line))
    if problems_only:
        # delivered now or kept for the case: nothing anyone has to do about those lines
        stmt = stmt.where(ImportRow.outcome.not_in((CORRELATED, BUFFERED)))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [RowInfo(r.line, r.outcome, number, r.message_name, r.reason, r.field, r.detail,
                    cid, state)
            for r, number, cid, state in session.execute(stmt)]


def clarification_info(session: Session, clar: ImportClarification) -> ClarificationInfo:
    """The dataclass of a clarification, with its candidates' case numbers."""
    found = session.execute(select(ImportRow, ImportFile)
                            .join(ImportFile, ImportFile.id == ImportRow.file_id)
                            .where(ImportRow.id == clar.row_id)).one()  # FK: always there
    row, file = found
    ids = [str(c) for c in clar.candidates or []]
    numbers = {str(i): str(n) for i, n in session.execute(
        select(Case.id, Case.case_number).where(Case.id.in_(ids)))} if ids else {}
    return ClarificationInfo(clar.id, file.id, file.file_name, row.line, clar.kind, clar.state,
                             clar.reason, dict(clar.fields or {}), clar.message_name,
                             dict(clar.payload or {}),
                             [(i, numbers.get(i, "?")) for i in ids], clar.created_at,
                             clar.resolved_by, clar.resolved_at,
                             dict(clar.resolution) if clar.resolution else None)


@dataclass(frozen=True)
class CaseCandidate:
    """What matching a line to a case needs of a case (the adapter compares the names)."""

    id: str
    case_number: str
    bamf_aktenzeichen: str
    family_name: str
    given_name: str
    birth_date: str
    stage: str


def case_candidates(session: Session, aktenzeichen: set[str],
                    birth_dates: set[str]) -> list[CaseCandidate]:
    """Cases whose Aktenzeichen, case number (``compact``) or date of birth is among those
    given, through the blind index (the values themselves are encrypted); in chunks of
    :data:`LOOKUP_CHUNK` values, as a database takes only so many parameters per statement
    (PostgreSQL 65,535) and a file may have 50,000 lines."""
    aktenzeichen, birth_dates = aktenzeichen - {""}, birth_dates - {""}
    numbers, births = sorted(aktenzeichen), sorted(birth_dates)
    conditions = [az_is(session, chunk) for chunk in _chunks(numbers)]
    conditions += [Case.case_number.in_(chunk) for chunk in _chunks(numbers)]
    conditions += [born_on(session, chunk) for chunk in _chunks(births)]
    found: dict[str, CaseCandidate] = {}
    for condition in conditions:
        stmt = select(Case.id, Case.case_number, Case.bamf_aktenzeichen, Case.person,
                      Case.stage).where(condition)
        for case_id, number, az, person, stage in session.execute(stmt):
            if case_id in found:
                continue
            person = person or {}
            found[case_id] = CaseCandidate(case_id, number, az or "",
                                           str(person.get("family_name", "")),
                                           str(person.get("given_name", "")),
                                           str(person.get("birth_date", "")), stage)
    return list(found.values())


LOOKUP_CHUNK = 10_000


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i:i + LOOKUP_CHUNK] for i in range(0, len(values), LOOKUP_CHUNK)]


def decide_clarification(uow: UnitOfWork, clarification_id: int, state: ClarificationState,
                         resolution: dict[str, Any]) -> ImportClarification:
    """Close an open clarification (Conflict if decided meanwhile); person fields cleared."""
    stmt = select(ImportClarification).where(ImportClarification.id == clarification_id)
    if uow.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # SQLite's write transaction already excludes others
    row = uow.session.scalars(stmt).first()
    if row is None:
        raise NotFound("no such clarification")
    if row.state != ClarificationState.OPEN:
        raise Conflict(f"the clarification is already {row.state}")
    row.state, row.resolution = state, resolution
    row.resolved_by, row.resolved_at = uow.actor, uow.now
    row.fields = {}  # data minimisation: nobody needs the person fields once it is decided
    uow.session.flush()
    return row
