"""The Eingangszone's side: past imports, and clarifications to resolve (choose the case by
its number; the row is then delivered to that case) or discard (with a reason).

Both are audited with pseudonymous ids only; the person fields of a clarification are
cleared once it is decided (data minimisation: nobody needs them any more).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from adapters.imports import permits, store
from adapters.imports.model import CORRELATED
from engine.api import Staffel
from engine.errors import Conflict, InvalidInput, NotFound
from engine.execution.runtime import UnitOfWork
from engine.model import CaseInfo, Page
from engine.persistence.models import ImportClarification, ImportFile, ImportRow

STATES = ("open", "resolved", "discarded")


class ImportDesk:
    """Read and decide imports and clarifications (the pages' and tests' entry point)."""

    def __init__(self, engine: Staffel) -> None:
        self.engine = engine

    # -- files -----------------------------------------------------------------------------
    def files(self, page: int = 1, per_page: int = 20) -> Page[store.FileInfo]:
        """Past imports, newest first."""
        with self.engine.db.read() as session:
            total = session.scalar(select(func.count()).select_from(ImportFile)) or 0
            rows = session.scalars(select(ImportFile).order_by(ImportFile.id.desc())
                                   .limit(per_page).offset((page - 1) * per_page))
            return Page([store.file_info(r) for r in rows], total, page, per_page)

    def file(self, file_id: int) -> store.FileInfo:
        """One import (NotFound if there is none)."""
        with self.engine.db.read() as session:
            row = session.get(ImportFile, file_id)
            if row is None:
                raise NotFound("no such import")
            return store.file_info(row)

    def original(self, file_id: int) -> tuple[str, bytes]:
        """The file name and the original bytes as uploaded."""
        with self.engine.db.read() as session:
            row = session.get(ImportFile, file_id)
            if row is None:
                raise NotFound("no such import")
            return row.file_name, bytes(row.content)

    def lines(self, file_id: int, *, problems_only: bool = False,
              limit: int | None = None) -> list[store.RowInfo]:
        """The lines of an import with their outcome."""
        self.file(file_id)
        with self.engine.db.read() as session:
            return store.row_infos(session, file_id, problems_only=problems_only, limit=limit)

    # -- clarifications --------------------------------------------------------------------
    def open_count(self) -> int:
        """How many clarifications wait for the Eingangszone."""
        with self.engine.db.read() as session:
            return session.scalar(select(func.count()).select_from(ImportClarification)
                                  .where(ImportClarification.state == "open")) or 0

    def clarifications(self, state: str = "open", page: int = 1,
                       per_page: int = 20) -> Page[store.ClarificationInfo]:
        """Clarifications in one state, oldest first (open) or newest first (decided)."""
        if state not in STATES:
            state = "open"
        with self.engine.db.read() as session:
            where = ImportClarification.state == state
            total = session.scalar(select(func.count()).select_from(ImportClarification)
                                   .where(where)) or 0
            order = (ImportClarification.id if state == "open"
                     else ImportClarification.resolved_at.desc())
            rows = session.scalars(select(ImportClarification).where(where)
                                   .order_by(order, ImportClarification.id)
                                   .limit(per_page).offset((page - 1) * per_page))
            return Page([store.clarification_info(session, r) for r in rows], total, page,
                        per_page)

    def clarification(self, clarification_id: int) -> store.ClarificationInfo:
        """One clarification (NotFound if there is none)."""
        with self.engine.db.read() as session:
            row = session.get(ImportClarification, clarification_id)
            if row is None:
                raise NotFound("no such clarification")
            return store.clarification_info(session, row)

    def resolve(self, clarification_id: int, case_number: str, actor: str,
                alternative: str | None = None) -> CaseInfo:
        """Deliver the row's message to the case with this number.

        For a §25(2) permit without Alt. 1/2, ``alternative`` ("1" or "2") says which one the
        caseworker found out; without it the case's stage decides. 422 (field ``case_number``)
        for an unknown number, (field ``alternative``) for another value or when neither tells;
        409 when the clarification is decided already or the case does not wait for the
        message; 404 for an unknown clarification.
        """
        clar = self.clarification(clarification_id)
        if clar.state != "open":
            raise Conflict(f"the clarification is already {clar.state}")
        number = " ".join(str(case_number or "").split()).upper()
        if not number:
            raise InvalidInput("choose a case",
                               [{"field": "case_number", "message": "is required"}])
        try:
            case_id = self.engine.find_case_id(None, {"case_number": number})
        except (NotFound, InvalidInput):
            raise InvalidInput(f"there is no case {number}",
                               [{"field": "case_number", "message": "no such case"}]) from None
        payload = clar.payload
        if clar.message_name == permits.MESSAGE and payload.get("paragraph") == permits.AMBIGUOUS:
            payload = self._with_alternative(payload, alternative, case_id)

        def decide(uow: UnitOfWork, info: CaseInfo) -> None:
            self._decide(uow, clarification_id, "resolved",
                         {"case_id": info.id, "case_number": info.case_number})
            row = uow.session.get(ImportRow, self._row_id(uow, clarification_id))
            assert row is not None
            row.outcome, row.case_id, row.reason = CORRELATED, info.id, "resolved_by_hand"
            uow.record("import_clarification_resolved", case_id=info.id,
                       clarification=clarification_id, import_file=clar.file_id,
                       line=clar.line, message=clar.message_name)

        try:
            return self.engine.correlate(clar.message_name, payload, case_id=case_id,
                                         actor=actor, then=decide)
        except NotFound as err:
            raise Conflict(err.message) from None

    def _with_alternative(self, payload: dict[str, Any], alternative: str | None,
                          case_id: str) -> dict[str, Any]:
        """§25(2) completed with the alternative chosen by hand, else from the case's stage."""
        chosen = (alternative or "").strip()
        if chosen:
            if chosen not in ("1", "2"):
                raise InvalidInput("the alternative of §25(2) is 1 or 2",
                                   [{"field": "alternative", "message": "must be 1 or 2"}])
            return {**payload, "paragraph": f"{permits.AMBIGUOUS} Alt. {chosen}"}
        completed = permits.complete_alternative(payload, self.engine.get_case(case_id).stage)
        if completed is None:
            raise InvalidInput(
                "§25(2) without Alt. 1/2 and the case's stage does not tell which: choose it",
                [{"field": "alternative", "message": "case stage is not S3b or S3c"}])
        return completed

    def discard(self, clarification_id: int, reason: str, actor: str) -> None:
        """Close a clarification without delivering anything (a reason is required)."""
        text = " ".join(str(reason or "").split())
        if not text:
            raise InvalidInput("give a reason", [{"field": "reason", "message": "is required"}])
        if len(text) > 500:
            raise InvalidInput("the reason is too long",
                               [{"field": "reason", "message": "at most 500 characters"}])
        clar = self.clarification(clarification_id)
        with self.engine.unit(actor) as uow:
            self._decide(uow, clarification_id, "discarded", {"reason": text})
            uow.record("import_clarification_discarded", clarification=clarification_id,
                       import_file=clar.file_id, line=clar.line)

    @staticmethod
    def _row_id(uow: UnitOfWork, clarification_id: int) -> int:
        row = uow.session.get(ImportClarification, clarification_id)
        assert row is not None
        return row.row_id

    @staticmethod
    def _decide(uow: UnitOfWork, clarification_id: int, state: str,
                resolution: dict[str, Any]) -> None:
        stmt = select(ImportClarification).where(ImportClarification.id == clarification_id)
        if uow.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        row = uow.session.scalars(stmt).first()
        if row is None:
            raise NotFound("no such clarification")
        if row.state != "open":
            raise Conflict(f"the clarification is already {row.state}")
        row.state, row.resolution = state, resolution
        row.resolved_by, row.resolved_at = uow.actor, uow.now
        row.fields = {}
        uow.session.flush()
