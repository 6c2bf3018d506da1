"""Cases: register one and start its process, read it, list and search cases, and the cheap
visibility checks the web layer's authorization asks for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from engine.definitions import deploy
from engine.errors import InvalidInput, NotFound
from engine.execution import cases
from engine.model import CaseHit, CaseInfo, CaseSummary, Page
from engine.people import access, search
from engine.people.blind_index import az_is
from engine.persistence.models import Case
from engine.services.context import SYSTEM_ACTOR, EngineContext, check_json, storable

DEFAULT_PROCESS = "refugee_lifecycle"


class CaseService:
    """``staffel.cases``: one method, one transaction."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def start(self, person: dict[str, Any], land: str, entry: str = "asylum",
              bamf_aktenzeichen: str | None = None, process_key: str = DEFAULT_PROCESS,
              data: dict[str, Any] | None = None, actor: str = SYSTEM_ACTOR,
              court: str | None = None) -> CaseInfo:
        """Create a case and start the newest version of its process with initial data.

        ``court``: the competent Verwaltungsgericht (``engine.law.courts``), whose seat's
        holidays move the last day to sue; None: the Land's default court.
        """
        with self.ctx.unit(actor) as uow:
            version = deploy.latest_version(uow.session, process_key)
            if version is None:
                raise NotFound(f"process {process_key!r} is not deployed")
            case = cases.create_case(uow.session, person, land, entry, bamf_aktenzeichen, uow.now,
                                     court)
            uow.record("case_created", case_id=case.id, entry=entry, land=land, court=case.court)
            initial = {"case_id": case.id, "land": land, "entry": entry, **(data or {})}
            check_json("data", initial)
            self.ctx.runtime.start(uow, case, version, initial).save()
            return cases.case_info(uow.session, case, uow.now, self.ctx.outside_events)

    def get(self, case_id: str) -> CaseInfo:
        """One case with deadlines, open tasks and handovers (NotFound if there is none)."""
        with self.ctx.db.read() as session:
            case = session.get(Case, case_id) if storable(case_id, 32) else None
            if case is None:
                raise NotFound("no such case")
            return cases.case_info(session, case, self.ctx.time.now(session),
                                   self.ctx.outside_events)

    def list(self, *, stage: str | None = None, q: str | None = None,
             case_ids: list[str] | None = None, page: int = 1,
             per_page: int = 50) -> Page[CaseInfo]:
        """Cases, newest first, filtered by stage, a search text or visible ids."""
        with self.ctx.db.read() as session:
            stmt = select(Case)
            if stage:
                stmt = stmt.where(Case.stage == stage)
            if q:
                like = f"%{q.strip()}%"
                stmt = stmt.where(Case.case_number.ilike(like) | az_is(session, [q]))
            if case_ids is not None:
                stmt = stmt.where(Case.id.in_(case_ids))
            total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            rows = session.scalars(stmt.order_by(Case.created_at.desc(), Case.id)
                                   .limit(per_page).offset((page - 1) * per_page))
            now = self.ctx.time.now(session)
            return Page([cases.case_info(session, r, now, self.ctx.outside_events)
                         for r in rows], total, page, per_page)

    def summaries(self, *, teams: Iterable[str] | None = None, stage: str | None = None,
                  q: str | None = None, page: int = 1, per_page: int = 50,
                  by_aktenzeichen: bool = True) -> Page[CaseSummary]:
        """Cases visible to ``teams`` (None: all), newest first, without personal data;
        ``q`` matches the case number or (``by_aktenzeichen``) the BAMF-Aktenzeichen."""
        with self.ctx.db.read() as session:
            return access.list_case_summaries(session, teams=teams, stage=stage, q=q,
                                              page=page, per_page=per_page,
                                              by_aktenzeichen=by_aktenzeichen)

    def search(self, *, teams: Iterable[str] | None, text: str | None = None,
               birth_date: str | None = None, stage: str | None = None,
               by_person: bool = True, page: int = 1, per_page: int = 20) -> Page[CaseHit]:
        """Cases visible to ``teams`` (None: all) by case number, BAMF-Aktenzeichen, name
        (umlaut-tolerant, every word) and date of birth (ISO); ``by_person=False`` (for
        administrators) searches numbers only and returns no person fields."""
        with self.ctx.db.read() as session:
            return search.search_cases(session, teams=teams, text=text, birth_date=birth_date,
                                       stage=stage, by_person=by_person, page=page,
                                       per_page=per_page)

    def duplicates(self, person: dict[str, Any], bamf_aktenzeichen: str | None, *,
                   teams: Iterable[str] | None) -> tuple[CaseHit, ...]:
        """Cases that may be this person already (same Aktenzeichen, or same name and date
        of birth), over all cases; person fields only where ``teams`` work on the case."""
        with self.ctx.db.read() as session:
            found = search.duplicate_cases(session, person, bamf_aktenzeichen)
            visible = {c.id for c in found
                       if teams is None or access.case_visible(session, c.id, teams)}
            return tuple(search.hits(found, visible))

    def visible(self, case_id: str, teams: Iterable[str] | None) -> bool:
        """True if the case exists and one of ``teams`` has or had a task on it (None: any)."""
        if not storable(case_id, 32):
            return False
        with self.ctx.db.read() as session:
            return access.case_visible(session, case_id, teams)

    def find_id(self, case_id: str | None = None,
                correlation: dict[str, Any] | None = None) -> str:
        """Resolve a case id or a correlation key to a case id (NotFound / InvalidInput)."""
        if correlation is not None and not all(isinstance(v, str) for v in correlation.values()):
            raise InvalidInput("correlation values must be strings",
                               [{"field": "correlation", "message": "values must be strings"}])
        with self.ctx.db.read() as session:
            return cases.find_case(session, case_id, correlation).id
