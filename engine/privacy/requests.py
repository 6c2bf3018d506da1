"""Erasure requests (four eyes): a supervisor asks with a reason, an administrator who is not
the requester approves (the erasure runs in the same transaction) or rejects. The rows hold
pseudonymous case ids, usernames and the reason; the reason may not name the person."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict, InvalidInput, NotFound
from engine.people.names import compact, name_key
from engine.persistence.models import Case
from engine.persistence.privacy_models import ErasureRequest
from engine.privacy.erasure_model import REASON_LENGTH, ErasureCounts, ErasureRequestInfo
from engine.privacy.process_data import person_values

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


def clean_text(value: object, field: str, required: bool) -> str | None:
    """A reason or note with blanks folded; InvalidInput if required and empty, or too long."""
    text = " ".join(str(value or "").split())
    if not text:
        if required:
            raise InvalidInput(f"give a {field}", [{"field": field, "message": "is required"}])
        return None
    if len(text) > REASON_LENGTH:
        raise InvalidInput(f"the {field} is too long", [
            {"field": field, "message": f"at most {REASON_LENGTH} characters"}])
    return text


def check_names_no_one(text: str | None, case: Case, field: str) -> None:
    """InvalidInput if ``text`` holds the person's name, birth date or Aktenzeichen: the
    request outlives the erasure, so it must not carry what is erased."""
    if not text:
        return
    flat = compact(name_key(text)).upper()
    for value in person_values(dict(case.person or {}), case.bamf_aktenzeichen):
        if compact(name_key(value)).upper() in flat:
            raise InvalidInput(f"the {field} must not name the person", [
                {"field": field, "message": "no name, birth date or Aktenzeichen: the "
                                            "request is kept after the erasure"}])


def pending_for(session: Session, case_id: str) -> ErasureRequest | None:
    """The open request of a case, if any."""
    return session.scalars(select(ErasureRequest).where(
        ErasureRequest.case_id == case_id, ErasureRequest.state == PENDING)).first()


def load(session: Session, request_id: int, lock: bool = False) -> ErasureRequest:
    """One request (NotFound if there is none)."""
    found = (session.get(ErasureRequest, request_id, with_for_update=lock)
             if isinstance(request_id, int) and 0 < request_id < 2**31 else None)
    if found is None:
        raise NotFound(f"erasure request {request_id} does not exist")
    return found


def require_pending(row: ErasureRequest) -> None:
    """Conflict unless the request is still waiting for a decision."""
    if row.state != PENDING:
        raise Conflict(f"erasure request {row.id} was {row.state} already by {row.decided_by}")


def require_other_person(row: ErasureRequest, actor: str) -> None:
    """Four eyes: the approver must not be the requester (Conflict)."""
    if row.requested_by == actor:
        raise Conflict("four eyes: the request must be decided by someone other than the "
                       f"requester ({actor})")


def info(session: Session, row: ErasureRequest,
         counts: ErasureCounts | None = None) -> ErasureRequestInfo:
    """The request as handed out (the case by its pseudonymous number)."""
    number = session.scalar(select(Case.case_number).where(Case.id == row.case_id)) or "?"
    return ErasureRequestInfo(
        id=row.id, case_id=row.case_id, case_number=number, reason=row.reason, state=row.state,
        requested_by=row.requested_by, requested_at=row.requested_at,
        decided_by=row.decided_by, decided_at=row.decided_at,
        decision_note=row.decision_note, counts=counts)
