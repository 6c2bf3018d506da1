"""Schemas of the personal-data operations of a case: the read log, the access report
(Art. 15 GDPR) and the withdrawal of consent (see :mod:`web.personal_data`)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

MAX_READS = 1000


class ReadArgsSchema(ma.Schema):
    """How many entries of the read log, newest first."""

    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=MAX_READS))


class ReadSchema(ma.Schema):
    """Someone was shown the person's data."""

    at = fields.String(required=True, metadata={"description": "when (UTC, ISO 8601)"})
    actor = fields.String(required=True, metadata={"description": "username"})
    subject = fields.String(required=True, metadata={
        "description": "case, case_list, task:<id>, handover:<id>, access_report, "
                       "clarification:<id>, import_original:<id>"})
    channel = fields.String(required=True, metadata={"enum": ["page", "api", "cli"]})


class ReadListSchema(ma.Schema):
    """The read log of a case, newest first."""

    items = fields.List(fields.Nested(ReadSchema), required=True)


class ConsentWithdrawalSchema(ma.Schema):
    """The day the person withdrew the consent (default: today, engine time)."""

    withdrawn_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "not before the consent was given, not in the future"})


class CaseConsentSchema(ma.Schema):
    """The consent the case records, and its withdrawal."""

    given = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "null: no process of the case records consent"})
    date = fields.String(required=True, allow_none=True)
    purpose = fields.String(required=True, allow_none=True)
    recipients = fields.List(fields.String(), required=True)
    withdrawn_on = fields.String(required=True, allow_none=True)
    withdrawal_recorded_by = fields.String(required=True, allow_none=True)
    withdrawal_recorded_at = fields.String(required=True, allow_none=True)


class ReportCaseSchema(ma.Schema):
    """The case the person's data belongs to."""

    id = fields.String(required=True)
    case_number = fields.String(required=True)
    land = fields.String(required=True)
    entry = fields.String(required=True)
    stage = fields.String(required=True)
    court = fields.String(required=True, allow_none=True)
    benefit_system = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True)
    closed_at = fields.String(required=True, allow_none=True)
    erased_at = fields.String(required=True, allow_none=True)


class RecipientSchema(ma.Schema):
    """A team that received the person's data."""

    team = fields.String(required=True)
    kind = fields.String(required=True, metadata={
        "enum": ["handover", "tasks"],
        "description": "handover: received handover packages; tasks: had tasks on the case"})
    fields_ = fields.List(fields.String(), required=True, data_key="fields",
                          attribute="fields")
    legal_basis = fields.String(required=True, allow_none=True)
    first_at = fields.String(required=True)
    last_at = fields.String(required=True)
    count = fields.Integer(required=True)


class PurposeSchema(ma.Schema):
    """A purpose of the processing and its legal basis."""

    purpose = fields.String(required=True)
    legal_basis = fields.String(required=True)


class RetentionSchema(ma.Schema):
    """How long the data is kept."""

    days_after_closing = fields.Integer(required=True, allow_none=True, metadata={
        "description": "null: no retention period configured (kept until erasure request)"})
    closed_at = fields.String(required=True, allow_none=True)
    erase_after = fields.String(required=True, allow_none=True)


class AccessReportSchema(ma.Schema):
    """Everything Staffel holds about the person of one case (Art. 15 GDPR)."""

    case = fields.Nested(ReportCaseSchema, required=True)
    person = fields.Dict(required=True)
    bamf_aktenzeichen = fields.String(required=True, allow_none=True)
    deadlines = fields.List(fields.Dict(), required=True)
    handovers = fields.List(fields.Dict(), required=True)
    recipients = fields.List(fields.Nested(RecipientSchema), required=True)
    consent = fields.Nested(CaseConsentSchema, required=True)
    purposes = fields.List(fields.Nested(PurposeSchema), required=True)
    retention = fields.Nested(RetentionSchema, required=True)
    reads = fields.List(fields.Nested(ReadSchema), required=True)
    comments = fields.List(fields.Dict(), metadata={
        "description": "comments on the case's tasks: at, author, task_id, text (null once "
                       "erased)"})
    generated_at = fields.String(required=True)
