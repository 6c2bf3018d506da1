"""Visibility queries: which cases a set of teams may see.

The rule (LIFECYCLE §1, issue 4): a team sees a case when it has or had a human task on it,
in any state. ``teams=None`` means "no restriction" (used for administrators); an empty set
of teams sees nothing. The filter is an ``EXISTS`` on the task projection, so it scales with
the number of cases without handing long id lists around.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from engine.model import CaseSummary, Page
from engine.people.blind_index import az_is
from engine.persistence.models import Case, HumanTask


def visible_to(teams: Iterable[str]) -> ColumnElement[bool]:
    """SQL condition on ``Case``: some task of one of ``teams`` exists (or existed) on it."""
    return exists().where(HumanTask.case_id == Case.id, HumanTask.team.in_(sorted(teams)))


def case_visible(session: Session, case_id: str, teams: Iterable[str] | None) -> bool:
    """True if the case exists and (unless ``teams`` is None) one of the teams worked on it."""
    stmt = select(Case.id).where(Case.id == case_id)
    if teams is not None:
        stmt = stmt.where(visible_to(teams))
    return session.scalar(stmt) is not None


def summary(case: Case) -> CaseSummary:
    """The list view of a case (no personal data)."""
    return CaseSummary(id=case.id, case_number=case.case_number, land=case.land,
                       entry=case.entry, stage=case.stage, benefit_system=case.benefit_system,
                       created_at=case.created_at, closed_at=case.closed_at)


def list_case_summaries(session: Session, *, teams: Iterable[str] | None, stage: str | None,
                        q: str | None, page: int, per_page: int,
                        by_aktenzeichen: bool = True) -> Page[CaseSummary]:
    """Return one page of visible cases, newest first, filtered by stage and search text.

    The search text matches the case number or (``by_aktenzeichen``) the BAMF Aktenzeichen;
    never names.
    """
    stmt = select(Case)
    if teams is not None:
        stmt = stmt.where(visible_to(teams))
    if stage:
        stmt = stmt.where(Case.stage == stage)
    if q and q.strip():
        text = q.strip()
        match = Case.case_number.icontains(text, autoescape=True)
        if by_aktenzeichen:  # the whole Aktenzeichen (it is encrypted: blind index)
            match = match | az_is(session, [text])
        stmt = stmt.where(match)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Case.created_at.desc(), Case.id)
                           .limit(per_page).offset((page - 1) * per_page))
    return Page([summary(r) for r in rows], total, page, per_page)
