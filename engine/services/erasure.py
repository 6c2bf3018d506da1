"""Retention and erasure (issue 14; docs/privacy.md): the retention run that erases the person's
data of cases ended longer ago than the retention period and empties old agency originals
(each case and each file one transaction), and the four-eyes erasure request for one person.

``staffel.erasure``: :meth:`~ErasureService.plan` (what is due, nothing written),
:meth:`~ErasureService.run` (``dry_run`` = plan), :meth:`~ErasureService.request`,
:meth:`~ErasureService.decide`, :meth:`~ErasureService.pending`, :meth:`~ErasureService.get`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from engine.errors import Conflict, NotFound, StaffelError
from engine.persistence.models import Case
from engine.persistence.privacy_models import ErasureRequest
from engine.privacy import erasure, requests
from engine.privacy.erasure_model import (
    ErasureCounts,
    ErasureRequestInfo,
    RetentionCase,
    RetentionPeriods,
    RetentionReport,
)
from engine.services.context import EngineContext, storable

RETENTION_ACTOR = "retention"
log = logging.getLogger("staffel.retention")


class ErasureService:
    """``staffel.erasure``: retention runs and erasure requests (four eyes)."""

    def __init__(self, ctx: EngineContext, periods: RetentionPeriods | None = None) -> None:
        self.ctx = ctx
        self.periods = periods or RetentionPeriods()

    # -- retention ---------------------------------------------------------------------------
    def plan(self, now: datetime | None = None) -> RetentionReport:
        """What a retention run at ``now`` (default: the engine time) would erase; nothing is
        written. Case numbers and counts only."""
        with self.ctx.db.read() as session:
            at = now or self.ctx.time.now(session)
            cases_before = at - timedelta(days=self.periods.case_days)
            files_before = at - timedelta(days=self.periods.import_original_days)
            return RetentionReport(at, True, self.periods, cases_before, files_before,
                                   erasure.due_cases(session, cases_before),
                                   erasure.due_files(session, files_before))

    def run(self, dry_run: bool = False) -> RetentionReport:
        """Erase every due case and empty every due original, one transaction each; a case
        changed meanwhile (409) is left for the next run and reported as skipped."""
        plan = self.plan()
        if dry_run:
            return plan
        done: list[RetentionCase] = []
        for item in plan.cases:
            if item.skipped:
                done.append(item)
                continue
            try:
                counts = self.erase(item.case_id, RETENTION_ACTOR, why="retention")
                done.append(_with(item, counts=counts))
            except StaffelError as err:  # the next run tries again
                log.warning("retention: case %s left: %s", item.case_number, err.message)
                done.append(_with(item, skipped=err.code))
        files = []
        for file in plan.files:
            with self.ctx.unit(RETENTION_ACTOR) as uow:
                if erasure.empty_original(uow, file.file_id):
                    files.append(file)
        return RetentionReport(plan.now, False, self.periods, plan.cases_before,
                               plan.files_before, done, files)

    def run_scheduled(self) -> int:
        """The scheduler's daily job: a retention run; how many cases it erased."""
        return self.run().erased

    def erase(self, case_id: str, actor: str, why: str = "request") -> ErasureCounts:
        """Erase one ended case's person data now (internal: the retention run and an
        approved request call it). NotFound, or Conflict when erased already or running."""
        with self.ctx.unit(actor) as uow:
            case = erasure.require_erasable(uow.session, case_id)
            return erasure.erase_case(uow, case, why)

    # -- requests (four eyes) ----------------------------------------------------------------
    def request(self, case_id: str, reason: str, actor: str) -> ErasureRequestInfo:
        """A supervisor asks to erase the person's data of one case now (who may ask is the
        web layer's rule). InvalidInput for an empty, too long or naming reason; NotFound for
        an unknown case; Conflict if the case runs, is erased or has an open request."""
        text = requests.clean_text(reason, "reason", required=True)
        with self.ctx.unit(actor) as uow:
            case = erasure.require_erasable(uow.session, case_id if storable(case_id, 32)
                                            else "")
            requests.check_names_no_one(text, case, "reason")
            if requests.pending_for(uow.session, case.id) is not None:
                raise Conflict(f"case {case.case_number} has an open erasure request")
            row = ErasureRequest(case_id=case.id, reason=text, state=requests.PENDING,
                                 requested_by=actor, requested_at=uow.now)
            uow.session.add(row)
            uow.session.flush()
            uow.record("erasure_requested", case_id=case.id, request=row.id,
                       reason_length=len(text or ""))
            return requests.info(uow.session, row)

    def decide(self, request_id: int, approve: bool, actor: str,
               note: str | None = None) -> ErasureRequestInfo:
        """An administrator approves (the erasure runs in the same transaction) or rejects a
        pending request. Conflict when decided already, when ``actor`` asked for it (four
        eyes) or when the case cannot be erased; NotFound for an unknown request."""
        text = requests.clean_text(note, "note", required=False)
        with self.ctx.unit(actor) as uow:
            row = requests.load(uow.session, request_id, lock=True)
            requests.require_pending(row)
            requests.require_other_person(row, actor)
            counts = None
            case = (erasure.require_erasable(uow.session, row.case_id) if approve
                    else uow.session.get(Case, row.case_id))
            if case is not None:  # the note outlives the person's data too
                requests.check_names_no_one(text, case, "note")
            if approve and case is not None:
                counts = erasure.erase_case(uow, case, why="request")
            row.state = requests.APPROVED if approve else requests.REJECTED
            row.decided_by, row.decided_at, row.decision_note = actor, uow.now, text
            uow.record("erasure_approved" if approve else "erasure_rejected",
                       case_id=row.case_id, request=row.id, note_length=len(text or ""))
            return requests.info(uow.session, row, counts)

    def pending(self) -> list[ErasureRequestInfo]:
        """The requests waiting for an administrator, oldest first."""
        with self.ctx.db.read() as session:
            rows = session.scalars(select(ErasureRequest)
                                   .where(ErasureRequest.state == requests.PENDING)
                                   .order_by(ErasureRequest.requested_at, ErasureRequest.id))
            return [requests.info(session, r) for r in rows]

    def get(self, request_id: int) -> ErasureRequestInfo:
        """One request (NotFound if there is none)."""
        with self.ctx.db.read() as session:
            return requests.info(session, requests.load(session, request_id))

    def of_case(self, case_id: str) -> list[ErasureRequestInfo]:
        """The requests of one case, newest first (for the case page)."""
        with self.ctx.db.read() as session:
            rows = session.scalars(select(ErasureRequest)
                                   .where(ErasureRequest.case_id == case_id)
                                   .order_by(ErasureRequest.id.desc()))
            return [requests.info(session, r) for r in rows]

    def erased_at(self, case_id: str) -> datetime | None:
        """When the case's person data was erased (None: not erased); NotFound if absent."""
        with self.ctx.db.read() as session:
            case = session.get(Case, case_id) if storable(case_id, 32) else None
            if case is None:
                raise NotFound("no such case")
            return case.erased_at


def _with(item: RetentionCase, counts: ErasureCounts | None = None,
          skipped: str | None = None) -> RetentionCase:
    return RetentionCase(item.case_id, item.case_number, item.ended_at, item.instances,
                         item.messages, skipped, counts)
