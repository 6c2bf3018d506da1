"""``/api/v1/cases``: create a case, list the visible ones, one case, its audit trail, and the
personal-data duties of a case: who read its person's data, the access report (Art. 15 GDPR),
the withdrawal of consent (see :mod:`web.personal_data`)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from engine import CaseInfo, CaseSummary, Page
from web import authz, personal_data
from web.api.common import actor, engine, errors, protect
from web.api.privacy_schemas import (
    AccessReportSchema,
    CaseConsentSchema,
    ConsentWithdrawalSchema,
    ReadArgsSchema,
    ReadListSchema,
)
from web.api.schemas import (
    AuditListSchema,
    CaseCreateSchema,
    CaseListArgsSchema,
    CasePageSchema,
    CaseSchema,
)
from web.outbound import NO_STORE

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
    ``person`` and ``bamf_aktenzeichen`` are null for administrators (no person's data);
    an answer with the person is logged in the read log first."""
    who = actor()
    authz.require_case_visible(engine(), who, case_id)
    case = engine().cases.get(case_id)
    if not authz.may_see_person(engine(), who, case_id):
        return replace(case, person=None, bamf_aktenzeichen=None)
    personal_data.log_read(engine(), who, case_id, "case", personal_data.API)
    return case


@blp.get("/<case_id>/audit")
@blp.response(200, AuditListSchema)
@errors(blp, 401, 403, 404)
def case_audit(case_id: str) -> dict[str, Any]:
    """The case's audit trail, oldest first (pseudonymous ids only)."""
    authz.require_case_visible(engine(), actor(), case_id)
    return {"items": engine().audit.events(case_id, limit=AUDIT_LIMIT)}


# -- personal-data duties ------------------------------------------------------------------------
@blp.get("/<case_id>/reads")
@blp.arguments(ReadArgsSchema, location="query", as_kwargs=True)
@blp.response(200, ReadListSchema)
@errors(blp, 401, 403, 404)
def case_reads(case_id: str, limit: int) -> dict[str, Any]:
    """Who was shown the person's data of the case, when and how, newest first: supervisors
    of teams with work on the case (caseworkers 403, administrators 404)."""
    personal_data.require_reads(engine(), actor(), case_id)
    reads = engine().personal_data.reads(case_id, limit)
    return {"items": [personal_data.read_json(r) for r in reads]}


@blp.get("/<case_id>/access-report")
@blp.response(200, AccessReportSchema)
@errors(blp, 401, 403, 404)
def access_report(case_id: str) -> Any:
    """Everything Staffel holds about the case's person (Art. 15 GDPR): data, deadlines,
    handovers, recipients, consent, purposes, storage period, reads. Members of teams with
    work on the case; administrators 404. The report itself is logged as a read."""
    who = actor()
    personal_data.require_person(engine(), who, case_id)
    personal_data.log_read(engine(), who, case_id, "access_report", personal_data.API)
    report = engine().personal_data.access_report(case_id)
    return personal_data.report_json(report), 200, NO_STORE


@blp.post("/<case_id>/consent-withdrawal")
@blp.arguments(ConsentWithdrawalSchema)
@blp.response(201, CaseConsentSchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def withdraw_consent(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    """Record that the person withdrew the consent on ``withdrawn_on`` (default today):
    handover packages from that day on leave out what it covered. 422 for a day in the
    future or before the consent; 409 when there is no consent or it was withdrawn already."""
    who = actor()
    personal_data.require_person(engine(), who, case_id)
    consent = engine().personal_data.withdraw_consent(case_id, body.get("withdrawn_on"),
                                                      who.username)
    log.info("consent of case %s withdrawal recorded by %s", case_id, who.username)
    return personal_data.consent_json(consent)
