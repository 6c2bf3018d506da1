"""Marshmallow schemas of the REST API v1: the contract from which the OpenAPI spec is made.

Input schemas reject unknown fields (422) and NUL characters (PostgreSQL cannot store them);
response schemas describe exactly what the views return.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import ValidationError, fields, validate

from engine import COURTS, ENTRIES, LANDS

MAX_PAGE = 100_000
MAX_PER_PAGE = 200


def _no_nul(value: Any, depth: int = 0) -> None:
    if depth > 20:
        raise ValidationError("is nested too deeply")
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError("must not contain NUL characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key, depth + 1)
            _no_nul(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _no_nul(item, depth + 1)


class Text(fields.String):
    """A string without NUL characters."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        result = super()._deserialize(value, attr, data, **kwargs)
        _no_nul(result)
        return result


class JsonObject(fields.Dict):
    """A JSON object of plain JSON values (no NUL characters, at most 20 levels deep)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(keys=fields.String(), values=fields.Raw(allow_none=True), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        result = super()._deserialize(value, attr, data, **kwargs)
        _no_nul(result)
        return result


# -- errors, auth ------------------------------------------------------------------------------
class FieldErrorSchema(ma.Schema):
    """One problem with one input field."""

    field = fields.String(required=True, metadata={"description": "dotted path of the field"})
    message = fields.String(required=True)


class ErrorSchema(ma.Schema):
    """The one error shape of every failure."""

    code = fields.String(required=True, metadata={"example": "invalid_input"})
    message = fields.String(required=True)
    errors = fields.List(fields.Dict(), required=True,
                         metadata={"description": "field errors: {field, message} (deploy "
                                   "problems also carry file, line, element_id)"})


class TokenRequestSchema(ma.Schema):
    """Credentials for a bearer token."""

    username = Text(required=True, validate=validate.Length(min=1, max=100))
    password = Text(required=True, validate=validate.Length(min=1, max=1024),
                    load_only=True)


class TokenSchema(ma.Schema):
    """A bearer token and when it expires."""

    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


# -- tasks -------------------------------------------------------------------------------------
class TaskSchema(ma.Schema):
    """A human task as an inbox shows it."""

    id = fields.String(required=True)
    case_id = fields.String(required=True)
    case_number = fields.String(required=True)
    process_key = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "BPMN element id"})
    title = fields.String(required=True)
    team = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": ["open", "completed", "cancelled"]})
    assignee = fields.String(required=True, allow_none=True)
    due_at = fields.DateTime(required=True, allow_none=True)
    overdue = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(required=True, allow_none=True)
    completed_by = fields.String(required=True, allow_none=True)


class TaskDetailSchema(TaskSchema):
    """A task with its form (JSON Schema) and current data."""

    form = fields.Dict(required=True, allow_none=True,
                       metadata={"description": "JSON Schema of the task's form"})
    data = fields.Dict(required=True)


class TaskPageSchema(ma.Schema):
    """One page of tasks."""

    items = fields.List(fields.Nested(TaskSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class PageArgsSchema(ma.Schema):
    """Pagination query parameters."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class CompleteSchema(ma.Schema):
    """Form data that completes a task."""

    data = JsonObject(load_default=dict, metadata={"description": "fields of the task's form"})


class AssignSchema(ma.Schema):
    """Whom to assign a task to."""

    username = Text(required=True, validate=validate.Length(min=1, max=100))


# -- cases -------------------------------------------------------------------------------------
class PersonInSchema(ma.Schema):
    """The minimal personal data of a new case (GDPR Art. 5: nothing else is accepted)."""

    family_name = Text(required=True, validate=validate.Length(min=1, max=200))
    given_name = Text(required=True, validate=validate.Length(min=1, max=200))
    birth_date = fields.Date(required=True)
    nationality = Text(validate=validate.Length(min=1, max=40))
    languages = fields.List(Text(validate=validate.Length(min=1, max=40)),
                            validate=validate.Length(max=20))
    interpreter_needed = fields.Boolean()


class CaseCreateSchema(ma.Schema):
    """A new case."""

    person = fields.Nested(PersonInSchema, required=True)
    bamf_aktenzeichen = Text(allow_none=True, validate=validate.Length(min=3, max=40))
    land = fields.String(required=True, validate=validate.OneOf(sorted(LANDS)))
    entry = fields.String(required=True, validate=validate.OneOf(list(ENTRIES)))
    court = fields.String(allow_none=True, validate=validate.OneOf(sorted(COURTS)), metadata={
        "description": "the competent Verwaltungsgericht (key, e.g. VG_AUGSBURG), whose seat's "
                       "holidays move the last day to sue; a court of the case's Land; "
                       "left out or null: the Land's default court"})

    @ma.validates_schema
    def _court_in_land(self, data: dict[str, Any], **_kwargs: Any) -> None:
        court, land = COURTS.get(data.get("court") or ""), data.get("land")
        if court is not None and land is not None and court.land != land:
            raise ValidationError(f"{court.name} is in {court.land}, the case's Land is {land}",
                                  "court")


class PersonSchema(ma.Schema):
    """The personal data of a case."""

    family_name = fields.String()
    given_name = fields.String()
    birth_date = fields.String()
    nationality = fields.String()
    languages = fields.List(fields.String())
    interpreter_needed = fields.Boolean()


class DeadlineSchema(ma.Schema):
    """A computed legal deadline."""

    date = fields.Date(required=True)
    legal_basis = fields.String(required=True)
    land = fields.String(required=True)


class HandoverSchema(ma.Schema):
    """A warm handover between two teams."""

    id = fields.Integer(required=True, metadata={
        "description": "handover id (GET /api/v1/handovers/{id}/package, .../appointment.ics)"})
    key = fields.String(required=True)
    from_team = fields.String(required=True)
    to_team = fields.String(required=True)
    state = fields.String(required=True)
    legal_basis = fields.String(required=True)
    purpose = fields.String(required=True)
    consent = fields.Boolean(required=True, allow_none=True)
    shared_fields = fields.List(fields.String(), required=True)
    appointment_at = fields.DateTime(required=True, allow_none=True)
    proposed_at = fields.DateTime(required=True)
    proposed_by = fields.String(required=True)
    acknowledged_at = fields.DateTime(required=True, allow_none=True)
    acknowledged_by = fields.String(required=True, allow_none=True)
    escalated_at = fields.DateTime(required=True, allow_none=True)


class CaseSummarySchema(ma.Schema):
    """A case in a list (no personal data)."""

    id = fields.String(required=True)
    case_number = fields.String(required=True)
    stage = fields.String(required=True)
    benefit_system = fields.String(required=True, allow_none=True)
    land = fields.String(required=True)
    entry = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(required=True, allow_none=True)


class WaitSchema(ma.Schema):
    """A message from outside the case waits for."""

    message = fields.String(required=True)
    label = fields.String(required=True)
    element_id = fields.String(required=True)
    since = fields.DateTime(required=True, allow_none=True)
    expected_team = fields.String(required=True, allow_none=True, metadata={
        "description": "the team expected to send it or to act when it does not come"})
    watchdog_due = fields.DateTime(required=True, allow_none=True, metadata={
        "description": "when the expected team gets a follow-up task (its Watch_ timer)"})
    buffered = fields.Boolean(required=True, metadata={
        "description": "a message of this name is kept for the case already"})


class KeptMessageSchema(ma.Schema):
    """A message kept for the case until it waits for it."""

    id = fields.Integer(required=True)
    message = fields.String(required=True)
    label = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True, allow_none=True)
    source = fields.String(required=True)
    received_by = fields.String(required=True)


class CaseSchema(CaseSummarySchema):
    """A case with its person, deadlines, open tasks, handovers, waits and kept messages."""

    status = fields.String(required=True, metadata={"enum": ["new", "running", "completed"]})
    court = fields.String(required=True, allow_none=True, metadata={
        "description": "the case's Verwaltungsgericht (key); its seat's holidays move the last "
                       "day to sue"})
    court_name = fields.Function(lambda case: COURTS[case.court].name if case.court in COURTS
                                 else None, required=True, allow_none=True)
    bamf_aktenzeichen = fields.String(required=True, allow_none=True)
    person = fields.Nested(PersonSchema, required=True, allow_none=True, metadata={
        "description": "null for readers without work on the case (administrators)"})
    deadlines = fields.Dict(keys=fields.String(), values=fields.Nested(DeadlineSchema),
                            required=True)
    open_tasks = fields.List(fields.Nested(TaskSchema), required=True)
    handovers = fields.List(fields.Nested(HandoverSchema), required=True)
    waiting_for = fields.List(fields.Nested(WaitSchema), required=True)
    buffered = fields.List(fields.Nested(KeptMessageSchema), required=True)


class CasePageSchema(ma.Schema):
    """One page of cases."""

    items = fields.List(fields.Nested(CaseSummarySchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class CaseListArgsSchema(PageArgsSchema):
    """Filters of the case list."""

    stage = Text(validate=validate.Length(min=1, max=8))
    q = Text(validate=validate.Length(min=1, max=100),
             metadata={"description": "part of the case number or BAMF Aktenzeichen"})


class AuditEventSchema(ma.Schema):
    """One event of a case's audit trail (pseudonymous ids only)."""

    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    instance_id = fields.String(required=True, allow_none=True)
    element_id = fields.String(required=True, allow_none=True)
    details = fields.Dict(required=True)


class AuditListSchema(ma.Schema):
    """A case's audit trail, oldest first."""

    items = fields.List(fields.Nested(AuditEventSchema), required=True)


# -- messages, clock, definitions ----------------------------------------------------------------
class CorrelationSchema(ma.Schema):
    """Finds the case by one reference number instead of its id."""

    bamf_aktenzeichen = Text(validate=validate.Length(min=1, max=40))
    case_number = Text(validate=validate.Length(min=1, max=32))

    @ma.validates_schema
    def _exactly_one(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if len(data) != 1:
            raise ValidationError("give exactly one of bamf_aktenzeichen and case_number",
                                  "bamf_aktenzeichen")


class MessageSchema(ma.Schema):
    """A message from outside (BAMF decision, permit issued, ...) for a waiting case."""

    name = Text(required=True, validate=validate.Length(min=1, max=100))
    case_id = Text(validate=validate.Length(min=1, max=64))
    correlation = fields.Nested(CorrelationSchema)
    payload = JsonObject(load_default=dict)
    message_id = Text(validate=validate.Length(min=1, max=200), metadata={
        "description": "the sender's id of this message: sending it again changes nothing"})

    @ma.validates_schema
    def _one_target(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if ("case_id" in data) == ("correlation" in data):
            raise ValidationError("give exactly one of case_id and correlation", "case_id")


class MessageAcceptedSchema(ma.Schema):
    """What became of a message: delivered to the waiting case (200), kept until the case gets
    there (202), or a resend of a message id seen before (200, nothing changed)."""

    outcome = fields.String(required=True, metadata={
        "enum": ["delivered", "buffered", "duplicate"]})
    state = fields.String(required=True, metadata={
        "description": "delivered, buffered, used, expired or discarded (for a duplicate: "
                       "what became of the first one)"})
    message = fields.String(required=True)
    message_id = fields.String(allow_none=True)
    expires_at = fields.DateTime(allow_none=True, metadata={
        "description": "a kept message is used until then; afterwards a person looks at it"})
    case_id = fields.String(required=True)
    case_number = fields.String(required=True)
    stage = fields.String(required=True)
    status = fields.String(required=True)


class ClockSchema(ma.Schema):
    """The engine time."""

    now = fields.DateTime(required=True)
    mode = fields.String(required=True, metadata={"enum": ["system", "simulated"]})


class ClockAdvanceSchema(ma.Schema):
    """Move the simulated clock to a time or by an ISO 8601 duration."""

    to = fields.AwareDateTime(metadata={"description": "ISO date-time with offset"})
    by = Text(validate=validate.Length(min=2, max=40),
              metadata={"description": "ISO 8601 duration in weeks, days, hours, minutes, "
                        "seconds, e.g. P30D, P2W, PT12H (no months or years)",
                        "example": "P30D"})

    @ma.validates_schema
    def _one_of(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if ("to" in data) == ("by" in data):
            raise ValidationError("give exactly one of 'to' and 'by'", "to")


class ClockAdvancedSchema(ma.Schema):
    """The new engine time and how many timers fired."""

    now = fields.DateTime(required=True)
    fired = fields.Integer(required=True)


class ProcessDefinitionSchema(ma.Schema):
    """One deployed version of a process."""

    key = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    file_name = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)
    deployed_by = fields.String(required=True)


class ProcessDefinitionListSchema(ma.Schema):
    """Every deployed version, newest first per key."""

    items = fields.List(fields.Nested(ProcessDefinitionSchema), required=True)
