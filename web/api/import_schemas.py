"""Marshmallow schemas of ``/api/v1/imports`` and ``/api/v1/clarifications`` (the agency files
of the Eingangszone), kept apart from :mod:`web.api.schemas`.

The report of an import has the shape of the pages' ``report.json``: the file (id, kind, name,
format, encoding, separator, who uploaded it when), its counts, and every line with its
outcome (values that do not apply are ``null``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from adapters.imports import KINDS
from adapters.imports.model import MAX_IMPORT_BYTES
from engine import ClarificationInfo, FileInfo, RowInfo
from web.api.schemas import PageArgsSchema, Text

CLARIFICATION_STATES = ("open", "resolved", "discarded")
OUTCOMES = ("correlated", "buffered", "clarification", "invalid", "duplicate")

UPLOAD_DOC: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["kind", "file"],
        "properties": {
            "kind": {"type": "string", "enum": list(KINDS),
                     "description": "permits (Ausländerbehörde), decisions (BAMF), courses "
                                    "(course providers)"},
            "file": {"type": "string", "format": "binary",
                     "description": f"the list as CSV or XML, at most "
                                    f"{MAX_IMPORT_BYTES // 2**20} MiB"}}}}}}}


# -- imports -------------------------------------------------------------------------------------
class ImportCountsSchema(ma.Schema):
    """How many lines the file has and what became of them."""

    rows = fields.Integer(required=True)
    correlated = fields.Integer(required=True, metadata={"description": "delivered to the case"})
    buffered = fields.Integer(required=True, metadata={
        "description": "kept for the case until it waits for the message"})
    clarification = fields.Integer(required=True, metadata={
        "description": "Klärfälle: no case, several cases, or the case cannot use it"})
    invalid = fields.Integer(required=True)
    duplicate = fields.Integer(required=True, metadata={
        "description": "the same line earlier in the file or in an earlier import"})


class ImportFileSchema(ma.Schema):
    """One imported file (without its lines)."""

    file_id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    file_name = fields.String(required=True)
    sha256 = fields.String(required=True)
    format = fields.String(required=True, metadata={"enum": ["csv", "xml"]})
    encoding = fields.String(required=True)
    separator = fields.String(required=True, allow_none=True)
    uploaded_by = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)
    status = fields.String(required=True, metadata={
        "enum": ["running", "done"], "description": "running: interrupted, resumed when the "
                                                     "same file is imported again"})
    counts = fields.Nested(ImportCountsSchema, required=True)


class ImportLineSchema(ma.Schema):
    """What became of one line of the file."""

    line = fields.Integer(required=True)
    outcome = fields.String(required=True, metadata={"enum": list(OUTCOMES)})
    case_number = fields.String(required=True, allow_none=True)
    message_name = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True, metadata={
        "description": "reason code, e.g. no_match, ambiguous, bad_date, already_imported"})
    field = fields.String(required=True, allow_none=True,
                          metadata={"description": "the column of an invalid line"})
    detail = fields.String(required=True, allow_none=True)
    clarification_id = fields.Integer(required=True, allow_none=True)
    clarification_state = fields.String(required=True, allow_none=True,
                                        metadata={"enum": [*CLARIFICATION_STATES, None]})


class ImportReportSchema(ImportFileSchema):
    """The report of an import: the file, its counts and every line."""

    already_imported = fields.Boolean(required=True, metadata={
        "description": "true when this content was imported before: nothing changed"})
    lines = fields.List(fields.Nested(ImportLineSchema), required=True)


class ImportPageSchema(ma.Schema):
    """One page of imported files, newest first."""

    items = fields.List(fields.Nested(ImportFileSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


# -- clarifications ------------------------------------------------------------------------------
class CandidateSchema(ma.Schema):
    """A case the line may belong to."""

    case_id = fields.String(required=True)
    case_number = fields.String(required=True)


class ClarificationSchema(ma.Schema):
    """A line that found no case (Klärfall), with what is needed to decide it."""

    id = fields.Integer(required=True)
    file_id = fields.Integer(required=True)
    file_name = fields.String(required=True)
    line = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    state = fields.String(required=True, metadata={"enum": list(CLARIFICATION_STATES)})
    reason = fields.String(required=True, metadata={
        "description": "no_match, ambiguous, az_person_mismatch, not_usable, "
                       "paragraph_alternative, process_error, conflict"})
    fields_ = fields.Dict(required=True, data_key="fields", metadata={
        "description": "aktenzeichen, family_name, given_name, birth_date of the line "
                       "(emptied once decided)"})
    message_name = fields.String(required=True)
    payload = fields.Dict(required=True)
    candidates = fields.List(fields.Nested(CandidateSchema), required=True)
    created_at = fields.DateTime(required=True)
    resolved_by = fields.String(required=True, allow_none=True)
    resolved_at = fields.DateTime(required=True, allow_none=True)
    resolution = fields.Dict(required=True, allow_none=True, metadata={
        "description": "resolved: case_id, case_number, kept; discarded: reason"})


class ClarificationPageSchema(ma.Schema):
    """One page of clarifications (open: oldest first; decided: newest first)."""

    items = fields.List(fields.Nested(ClarificationSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class ClarificationArgsSchema(PageArgsSchema):
    """Which clarifications to list."""

    state = fields.String(load_default="open", validate=validate.OneOf(CLARIFICATION_STATES))


class ResolveSchema(ma.Schema):
    """The case to deliver the line's message to."""

    case_number = Text(required=True, validate=validate.Length(max=60),
                       metadata={"description": "Staffel case number, e.g. ST-2027-0001-0042"})
    alternative = Text(validate=validate.Length(max=5), metadata={
        "description": "for a §25(2) permit without Alt. 1/2 whose case's stage does not "
                       "tell: \"1\" or \"2\""})


class DiscardSchema(ma.Schema):
    """Why the line is closed without delivering anything."""

    reason = Text(required=True, validate=validate.Length(max=2000),
                  metadata={"description": "required, at most 500 characters"})


# -- dumping helpers -----------------------------------------------------------------------------
def file_body(info: FileInfo) -> dict[str, Any]:
    """An import file as :class:`ImportFileSchema` dumps it."""
    return {"file_id": info.id, "kind": info.kind, "file_name": info.file_name,
            "sha256": info.sha256, "format": info.file_format, "encoding": info.encoding,
            "separator": info.separator, "uploaded_by": info.uploaded_by,
            "uploaded_at": info.uploaded_at, "status": info.status, "counts": info.counts}


def report_body(info: FileInfo, rows: list[RowInfo], already: bool = False) -> dict[str, Any]:
    """An import's report as :class:`ImportReportSchema` dumps it."""
    return {**file_body(info), "already_imported": already, "lines": rows}


def clarification_body(info: ClarificationInfo) -> dict[str, Any]:
    """A clarification as :class:`ClarificationSchema` dumps it."""
    body = asdict(info)
    body["fields_"] = body.pop("fields")
    body["candidates"] = [{"case_id": i, "case_number": n} for i, n in info.candidates]
    return body
