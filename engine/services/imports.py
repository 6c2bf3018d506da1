"""The bookkeeping of agency files (the readers live in ``adapters/imports``): the file with
its original bytes and report, one row per line, deliveries that commit together with their
row, and the Eingangszone's clarifications (resolve by case number, or discard with a reason).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, select

from engine.errors import Conflict, InvalidInput, NotFound
from engine.execution import cases
from engine.imports import records
from engine.imports.records import CaseCandidate, ClarificationInfo, FileInfo, RowInfo
from engine.law.permits import (
    AMBIGUOUS_PARAGRAPH,
    PERMIT_MESSAGE,
    complete_alternative,
    with_alternative,
)
from engine.model import Page, Receipt
from engine.persistence.import_rows import ImportClarification, ImportFile, ImportRow
from engine.services.context import EngineContext
from engine.services.messages import MessageService, check_message
from engine.states import ClarificationState, ImportFileStatus

CLARIFICATION_STATES = tuple(ClarificationState)
Summarise = Callable[[FileInfo, list[RowInfo]], dict[str, Any]]


class ImportService:
    """``staffel.imports``: one method, one transaction."""

    def __init__(self, ctx: EngineContext, messages: MessageService) -> None:
        self.ctx = ctx
        self.messages = messages

    # -- taking a file in ----------------------------------------------------------------------
    def find_file(self, kind: str, sha256: str) -> FileInfo | None:
        """The earlier import of the same content, if any."""
        with self.ctx.db.read() as session:
            row = records.find_file(session, kind, sha256)
            return records.file_info(row) if row is not None else None

    def create_file(self, kind: str, file_name: str, content: bytes, sha256: str, *,
                    file_format: str, encoding: str, separator: str | None, rows: int,
                    actor: str) -> int | None:
        """Store a new file as running; None when the same file was stored a moment ago."""
        try:
            with self.ctx.unit(actor) as uow:
                row = ImportFile(kind=kind, file_name=file_name, sha256=sha256, content=content,
                                 file_format=file_format, encoding=encoding,
                                 separator=separator, uploaded_by=actor, uploaded_at=uow.now,
                                 status=ImportFileStatus.RUNNING, rows_total=rows,
                                 rows_correlated=0,
                                 rows_clarification=0, rows_invalid=0, rows_duplicate=0,
                                 rows_buffered=0,
                                 report={})
                uow.session.add(row)
                uow.session.flush()
                uow.record("import_started", import_file=row.id, kind=kind, rows=rows)
                return row.id
        except Conflict:  # the unique (kind, sha256) key: a concurrent upload of this file
            return None

    def done_lines(self, file_id: int) -> set[int]:
        """Lines of a file that already have their row (an interrupted import resumed)."""
        with self.ctx.db.read() as session:
            return records.done_lines(session, file_id)

    def known_fingerprints(self, kind: str, fingerprints: Iterable[str]
                           ) -> dict[str, tuple[int, int, int]]:
        """fingerprint -> (row id, file id, line) of rows taken by earlier imports."""
        with self.ctx.db.read() as session:
            return records.known_fingerprints(session, kind, fingerprints)

    def case_candidates(self, aktenzeichen: set[str],
                        birth_dates: set[str]) -> list[CaseCandidate]:
        """Cases a file's lines may belong to (by Aktenzeichen / case number or birth date)."""
        with self.ctx.db.read() as session:
            return records.case_candidates(session, aktenzeichen, birth_dates)

    def write_rows(self, rows: list[dict[str, Any]],
                   clarifications: dict[int, dict[str, Any]], actor: str) -> None:
        """Insert line rows and their clarifications in one transaction (Conflict if a
        concurrent import took one of them: nothing is written then)."""
        with self.ctx.unit(actor) as uow:
            records.write_rows(uow, rows, clarifications)

    def deliver_row(self, file_id: int, kind: str, line: int, fingerprint: str,
                    message: str, payload: dict[str, Any], case_id: str,
                    actor: str) -> Receipt:
        """Give a line's message to its case (delivered now, or kept until the case waits for
        it) and write its row, in one transaction.

        The errors are the message service's (Conflict: the case can never use it, or a
        concurrent import took the line; InvalidInput: the payload is refused). The receipt's
        case is the brief one (``cases.case_brief``: number, stage, status; no case view).
        """
        payload = check_message(message, payload)
        with self.ctx.unit(actor) as uow:
            receipt = self.messages.receive_in(uow, message, payload, case_id=case_id,
                                               source="import", summary=False)
            outcome = (records.BUFFERED if receipt.outcome == "buffered"
                       else records.CORRELATED)
            uow.session.add(ImportRow(file_id=file_id, kind=kind, line=line,
                                      fingerprint=fingerprint, outcome=outcome,
                                      case_id=receipt.case.id, message_name=message))
            uow.session.flush()  # a concurrent import of the same line fails here, whole
            uow.record("import_row_correlated" if outcome == records.CORRELATED
                       else "import_row_buffered", case_id=receipt.case.id,
                       import_file=file_id, line=line, message=message)
            return receipt

    def finish(self, file_id: int, actor: str, summarise: Summarise,
               stored_problems: int) -> dict[str, Any]:
        """Count the outcomes, store the report ``summarise`` makes and mark the file done."""
        with self.ctx.unit(actor) as uow:
            row = uow.session.get(ImportFile, file_id)
            if row is None:
                raise NotFound("no such import")
            counts = records.summary_counts(uow.session, file_id)
            problems = records.row_infos(uow.session, file_id, problems_only=True,
                                         limit=stored_problems)
            row.rows_total = counts["rows"]
            row.rows_correlated = counts[records.CORRELATED]
            row.rows_clarification = counts[records.CLARIFICATION]
            row.rows_invalid, row.rows_duplicate = counts[records.INVALID], \
                counts[records.DUPLICATE]
            row.rows_buffered = counts[records.BUFFERED]
            row.status, row.finished_at = ImportFileStatus.DONE, uow.now
            row.report = summarise(records.file_info(row), problems)
            uow.record("import_finished", import_file=file_id, kind=row.kind, counts=counts)
            return dict(row.report)

    # -- past imports ------------------------------------------------------------------------
    def files(self, page: int = 1, per_page: int = 20) -> Page[FileInfo]:
        """Past imports, newest first."""
        with self.ctx.db.read() as session:
            total = session.scalar(select(func.count()).select_from(ImportFile)) or 0
            rows = session.scalars(select(ImportFile).order_by(ImportFile.id.desc())
                                   .limit(per_page).offset((page - 1) * per_page))
            return Page([records.file_info(r) for r in rows], total, page, per_page)

    def file(self, file_id: int) -> FileInfo:
        """One import (NotFound if there is none)."""
        with self.ctx.db.read() as session:
            row = session.get(ImportFile, file_id)
            if row is None:
                raise NotFound("no such import")
            return records.file_info(row)

    def original(self, file_id: int) -> tuple[str, bytes]:
        """The file name and the original bytes as uploaded; NotFound for an unknown import
        and for an original erased after its retention period (the report stays)."""
        with self.ctx.db.read() as session:
            row = session.get(ImportFile, file_id)
            if row is None:
                raise NotFound("no such import")
            content = bytes(row.content)
            if not content:
                raise NotFound("the original file was erased after its retention period; "
                               "the report is kept")
            return row.file_name, content

    def lines(self, file_id: int, *, problems_only: bool = False,
              limit: int | None = None) -> list[RowInfo]:
        """The lines of an import with their outcome (NotFound for an unknown import)."""
        with self.ctx.db.read() as session:
            if session.get(ImportFile, file_id) is None:
                raise NotFound("no such import")
            return records.row_infos(session, file_id, problems_only=problems_only,
                                     limit=limit)

    # -- clarifications ------------------------------------------------------------------------
    def open_count(self) -> int:
        """How many clarifications wait for the Eingangszone."""
        with self.ctx.db.read() as session:
            return session.scalar(select(func.count()).select_from(ImportClarification)
                                  .where(ImportClarification.state == ClarificationState.OPEN)) or 0

    def clarifications(self, state: str = "open", page: int = 1,
                       per_page: int = 20) -> Page[ClarificationInfo]:
        """Clarifications in one state, oldest first (open) or newest first (decided)."""
        if state not in CLARIFICATION_STATES:
            state = ClarificationState.OPEN
        with self.ctx.db.read() as session:
            where = ImportClarification.state == state
            total = session.scalar(select(func.count()).select_from(ImportClarification)
                                   .where(where)) or 0
            order = (ImportClarification.id if state == ClarificationState.OPEN
                     else ImportClarification.resolved_at.desc())
            rows = session.scalars(select(ImportClarification).where(where)
                                   .order_by(order, ImportClarification.id)
                                   .limit(per_page).offset((page - 1) * per_page))
            return Page([records.clarification_info(session, r) for r in rows], total, page,
                        per_page)

    def clarification(self, clarification_id: int) -> ClarificationInfo:
        """One clarification (NotFound if there is none)."""
        with self.ctx.db.read() as session:
            row = session.get(ImportClarification, clarification_id)
            if row is None:
                raise NotFound("no such clarification")
            return records.clarification_info(session, row)

    def resolve(self, clarification_id: int, case_number: str, actor: str,
                alternative: str | None = None) -> Receipt:
        """Deliver the row's message to the case with this number.

        For a §25(2) permit without Alt. 1/2, ``alternative`` ("1" or "2") says which one the
        caseworker found out; without it the case's stage decides. 422 (field ``case_number``)
        for an unknown number, (field ``alternative``) for another value or when neither tells;
        The message is delivered, or kept until the case waits for it. 409 when the
        clarification is decided already or the case can never use the message (closed, or
        none of its processes waits for it); 404 for an unknown clarification. The receipt's
        case is the brief one (number, stage, status).
        """
        clar = self.clarification(clarification_id)
        if clar.state != ClarificationState.OPEN:
            raise Conflict(f"the clarification is already {clar.state}")
        number = " ".join(str(case_number or "").split()).upper()
        if not number:
            raise InvalidInput("choose a case",
                               [{"field": "case_number", "message": "is required"}])
        with self.ctx.db.read() as session:
            try:
                case = cases.find_case(session, None, {"case_number": number})
            except (NotFound, InvalidInput):
                raise InvalidInput(f"there is no case {number}", [
                    {"field": "case_number", "message": "no such case"}]) from None
            case_id, stage = case.id, case.stage
        payload = clar.payload
        if clar.message_name == PERMIT_MESSAGE and payload.get("paragraph") == AMBIGUOUS_PARAGRAPH:
            payload = _with_alternative(payload, alternative, stage)
        with self.ctx.unit(actor) as uow:
            receipt = self.messages.receive_in(uow, clar.message_name, payload,
                                               case_id=case_id, source="import",
                                               summary=False)
            info = receipt.case
            kept = receipt.outcome == "buffered"
            decided = records.decide_clarification(
                uow, clarification_id, ClarificationState.RESOLVED,
                {"case_id": info.id, "case_number": info.case_number, "kept": kept})
            row = uow.session.get(ImportRow, decided.row_id)
            if row is not None:  # FK: always there
                row.outcome = records.BUFFERED if kept else records.CORRELATED
                row.case_id, row.reason = info.id, "resolved_by_hand"
            uow.record("import_clarification_resolved", case_id=info.id,
                       clarification=clarification_id, import_file=clar.file_id,
                       line=clar.line, message=clar.message_name, kept=kept)
            return receipt

    def discard(self, clarification_id: int, reason: str, actor: str) -> None:
        """Close a clarification without delivering anything (a reason is required)."""
        text = " ".join(str(reason or "").split())
        if not text:
            raise InvalidInput("give a reason", [{"field": "reason", "message": "is required"}])
        if len(text) > 500:
            raise InvalidInput("the reason is too long",
                               [{"field": "reason", "message": "at most 500 characters"}])
        clar = self.clarification(clarification_id)
        with self.ctx.unit(actor) as uow:
            records.decide_clarification(uow, clarification_id, ClarificationState.DISCARDED,
                                         {"reason": text})
            uow.record("import_clarification_discarded", clarification=clarification_id,
                       import_file=clar.file_id, line=clar.line)


def _with_alternative(payload: dict[str, Any], alternative: str | None,
                      stage: str) -> dict[str, Any]:
    """§25(2) completed with the alternative chosen by hand, else from the case's stage."""
    chosen = (alternative or "").strip()
    if chosen:
        if chosen not in ("1", "2"):
            raise InvalidInput("the alternative of §25(2) is 1 or 2",
                               [{"field": "alternative", "message": "must be 1 or 2"}])
        return with_alternative(payload, chosen)
    completed = complete_alternative(payload, stage)
    if completed is None:
        raise InvalidInput(
            "§25(2) without Alt. 1/2 and the case's stage does not tell which: choose it",
            [{"field": "alternative", "message": "case stage is not S3b or S3c"}])
    return completed
