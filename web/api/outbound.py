"""Outbound data: the handover package, the joint appointment as iCalendar, statistics CSV.

* ``GET /api/v1/handovers/{id}/package`` — JSON (``?format=html``: the printable page); only
  the fields the legal basis or the recorded consent allows; every call is recorded in the
  audit trail (``handover_package_shared``: field names, legal basis, receiving team, actor).
  Members of the sending or the receiving team only (admins see no person's data); everyone
  else 404.
* ``GET /api/v1/handovers/{id}/appointment.ics`` — the invitation (RFC 5545), same access.
* ``GET /api/v1/statistics.csv`` — cases per stage, stage transitions per week, overdue tasks
  per team; counts only, small counts suppressed (``min_count``). Supervisors (their teams)
  and admins. ``;``-separated, UTF-8 with BOM (:mod:`adapters.csv_export`); English headers,
  team names and ISO dates, German ones (``TT.MM.JJJJ``) with ``Accept-Language: de``.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response
from flask_smorest import Blueprint
from marshmallow import fields, validate

from adapters.statistics_export import DEFAULT_MIN_COUNT, MAX_MIN_COUNT
from engine import MAX_WEEKS
from web import outbound
from web.api.common import actor, engine, errors, protect
from web.api.supervisor import supervisor_scope
from web.csv_download import api_csv_language

blp = protect(Blueprint("outbound", __name__, url_prefix="/api/v1",
                        description="Outbound: handover package, appointment, statistics."))


class PackageArgsSchema(ma.Schema):
    """How to deliver the package."""

    format = fields.String(load_default="json", validate=validate.OneOf(outbound.FORMATS),
                           metadata={"description": "json (default) or html (printable)"})


class StatisticsArgsSchema(ma.Schema):
    """Which weeks, and which counts to suppress."""

    weeks = fields.Integer(load_default=12, validate=validate.Range(min=1, max=MAX_WEEKS),
                           metadata={"description": "weeks of stage transitions, this one "
                                                    "included"})
    min_count = fields.Integer(
        load_default=DEFAULT_MIN_COUNT, validate=validate.Range(min=1, max=MAX_MIN_COUNT),
        metadata={"description": "counts from 1 to min_count-1 are suppressed (1: none)"})


class AppointmentSchema(ma.Schema):
    """The joint appointment of the handover."""

    at = fields.String(required=True, allow_none=True)
    mode = fields.String(required=True, allow_none=True)
    interpreter = fields.Boolean(required=True)


class PackageHandoverSchema(ma.Schema):
    """The handover the package belongs to."""

    id = fields.Integer(required=True)
    key = fields.String(required=True)
    case_number = fields.String(required=True)
    from_team = fields.String(required=True)
    to_team = fields.String(required=True)
    state = fields.String(required=True)
    purpose = fields.String(required=True)
    proposed_at = fields.String(required=True)
    proposed_by = fields.String(required=True)
    acknowledged_at = fields.String(required=True, allow_none=True)
    appointment = fields.Nested(AppointmentSchema, required=True)


class ConsentSchema(ma.Schema):
    """Whether consent is required for this recipient and whether it is recorded."""

    required = fields.Boolean(required=True)
    recorded = fields.Boolean(required=True)
    date = fields.String(required=True, allow_none=True)
    purpose = fields.String(required=True, allow_none=True)
    withdrawn_on = fields.String(required=True, allow_none=True, metadata={
        "description": "the day the person withdrew the consent (ISO date), else null"})


class WithheldSchema(ma.Schema):
    """A field left out of the package, and why."""

    field = fields.String(required=True)
    reason = fields.String(required=True, metadata={"enum": [
        "not_selected", "no_legal_basis", "no_consent", "consent_withdrawn", "not_recorded"]})


class PackageSchema(ma.Schema):
    """The handover package."""

    handover = fields.Nested(PackageHandoverSchema, required=True)
    legal_basis = fields.String(required=True, metadata={
        "description": "the statute (or consent) the transfer rests on"})
    recorded_legal_basis = fields.String(required=True)
    consent = fields.Nested(ConsentSchema, required=True)
    shared = fields.Boolean(required=True)
    reason = fields.String(required=True, allow_none=True, metadata={
        "description": "why nothing is shared (no_legal_basis, no_consent, consent_withdrawn, "
                       "...)"})
    fields_ = fields.List(fields.String(), required=True, data_key="fields", attribute="fields")
    data = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True,
                       metadata={"description": "category -> field -> value"})
    withheld = fields.List(fields.Nested(WithheldSchema), required=True)
    generated_at = fields.String(required=True)


_PACKAGE_CONTENT = {"responses": {"200": {"content": {
    "application/json": {"schema": PackageSchema},
    "text/html": {"schema": {"type": "string"}}}}}}


@blp.get("/handovers/<handover_id>/package")
@blp.arguments(PackageArgsSchema, location="query", as_kwargs=True)
@blp.response(200, PackageSchema)
@blp.doc(**_PACKAGE_CONTENT)
@errors(blp, 401, 403, 404, 422)
def handover_package(handover_id: str, **args: Any) -> Any:
    """The data the receiving team needs, limited to what the legal basis or consent allows."""
    fmt = args["format"]
    package = outbound.handover_package(engine(), actor(), handover_id, fmt)
    if fmt == "html":
        return outbound.html_response(outbound.package_html(package))
    return package.to_json(), 200, outbound.NO_STORE


@blp.get("/handovers/<handover_id>/appointment.ics")
@blp.response(200, {"type": "string"}, content_type="text/calendar")
@errors(blp, 401, 403, 404)
def handover_appointment(handover_id: str) -> Response:
    """The joint handover appointment as an iCalendar invitation (RFC 5545)."""
    return outbound.appointment_response(engine(), actor(), handover_id)


@blp.get("/statistics.csv")
@blp.arguments(StatisticsArgsSchema, location="query", as_kwargs=True)
@blp.response(200, {"type": "string"}, content_type="text/csv")
@errors(blp, 401, 403, 422)
def statistics(**args: Any) -> Response:
    """Counts per stage, stage transitions per week and overdue tasks per team (no personal
    data; small counts suppressed)."""
    teams = supervisor_scope(actor())
    return outbound.statistics_response(engine(), teams, args["weeks"], args["min_count"],
                                        api_csv_language())
