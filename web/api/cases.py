"""``/api/v1/cases``: create a case, list the visible ones, one case, its audit trail."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from engine import CaseInfo, CaseSummary, Page
from web import authz
from web.api.common import actor, engine, errors, protect
from web.api.schemas import (
    AuditListSchema,
    CaseCreateSchema,
    CaseListArgsSchema,
    CasePageSchema,
    CaseSchema,
)

log = logging.getLogger("staffel.api")
blp = protect(Blueprint("cases", __name__, url_prefix="/api/v1/cases",
                        description="Cases: one person's way through the lifecycle."))
AUDIT_LIMIT = 2000


@blp.get("")
@blp.arguments(CaseListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, CasePageSchema)
@errors(blp, 401, 403)
def list_cases(**args: Any) -> Page[CaseSummary]:
    """List the cases my teams have or had a task on (admins: all), newest first; ``q``
    matches the case number, or the BAMF-Aktenzeichen too (not for administrators)."""
    who = actor()
    teams = authz.case_list_teams(who)
    return engine().cases.summaries(teams=teams, stage=args.get("stage"), q=args.get("q"),
                                    page=args["page"], per_page=args["per_page"],
                                    by_aktenzeichen=authz.may_search_people(who))


@blp.post("")
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseSchema)
@errors(blp, 400, 401, 403)
def create_case(body: dict[str, Any]) -> CaseInfo:
    """Create a case and start its process (Eingangszone caseworkers, supervisors, admins)."""
    who = actor()
    authz.require(authz.can_create_case(who),
                  "only Eingangszone caseworkers, supervisors and admins create cases")
    person = dict(body["person"])
    person["birth_date"] = person["birth_date"].isoformat()
    case = engine().cases.start(person, body["land"], body["entry"],
                               body.get("bamf_aktenzeichen"),
                               process_key=current_app.config["CASE_PROCESS"],
                               actor=who.username, court=body.get("court"))
    log.info("case %s created by %s", case.case_number, who.username)
    return case


@blp.get("/<case_id>")
@blp.response(200, CaseSchema)
@errors(blp, 401, 403, 404)
def get_case(case_id: str) -> CaseInfo:
    """One case with deadlines, open tasks and handovers; 404 unless my teams worked on it.
    ``person`` and ``bamf_aktenzeichen`` are null for administrators (no person's data)."""
    who = actor()
    authz.require_case_visible(engine(), who, case_id)
    case = engine().cases.get(case_id)
    if not authz.may_see_person(engine(), who, case_id):
        case = replace(case, person=None, bamf_aktenzeichen=None)
    return case


@blp.get("/<case_id>/audit")
@blp.response(200, AuditListSchema)
@errors(blp, 401, 403, 404)
def case_audit(case_id: str) -> dict[str, Any]:
    """The case's audit trail, oldest first (pseudonymous ids only)."""
    authz.require_case_visible(engine(), actor(), case_id)
    return {"items": engine().audit.events(case_id, limit=AUDIT_LIMIT)}
