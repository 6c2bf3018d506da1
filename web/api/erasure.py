"""Erasure requests (Art. 17 GDPR, four eyes; docs/privacy.md).

* ``POST /api/v1/cases/{case_id}/erasure-requests`` — a team lead (supervisor) of a team with
  work on the case asks to erase the person's data, with a reason (1–500 characters, naming
  no name, birth date or Aktenzeichen). 201; 409 while the case runs, when it is erased
  already or has an open request.
* ``GET /api/v1/erasure-requests`` — the pending requests (administrators): case numbers,
  reasons, requesters; never a person's data.
* ``POST /api/v1/erasure-requests/{request_id}/decision`` — an administrator approves (the
  erasure runs at once, the answer carries its counts) or rejects; 409 when decided already,
  when the administrator asked for it himself (four eyes), or when the case cannot be erased.
"""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields, validate

from engine import ErasureRequestInfo
from web import authz
from web.api.common import actor, engine, errors, protect
from web.api.schemas import Text

log = logging.getLogger("staffel.api.erasure")
blp = protect(Blueprint("erasure", __name__, url_prefix="/api/v1",
                        description="Erasure requests for one person's data (four eyes)."))


class ErasureRequestCreateSchema(ma.Schema):
    """Why the person's data is to be erased now."""

    reason = Text(required=True, validate=validate.Length(max=2000),
                  metadata={"description": "required, at most 500 characters; no name, "
                                           "birth date or Aktenzeichen"})


class ErasureDecisionSchema(ma.Schema):
    """Approve (erase now) or reject, with an optional note."""

    approve = fields.Boolean(required=True, truthy={True}, falsy={False})
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                metadata={"description": "at most 500 characters"})


class ErasureCountsSchema(ma.Schema):
    """What the erasure removed, counted."""

    person_fields = fields.Integer()
    aktenzeichen = fields.Integer()
    name_tokens = fields.Integer()
    instances = fields.Integer()
    process_values = fields.Integer()
    messages = fields.Integer()
    import_originals = fields.Integer()
    task_drafts = fields.Integer(metadata={"description": "drafts of the case's tasks deleted"})
    comment_texts = fields.Integer(metadata={"description": "comments on the case's tasks "
                                             "whose text was removed"})


class ErasureRequestSchema(ma.Schema):
    """An erasure request (pseudonymous: the case by id and number)."""

    id = fields.Integer(required=True)
    case_id = fields.String(required=True)
    case_number = fields.String(required=True)
    reason = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "pending, approved, "
                                                                  "rejected"})
    requested_by = fields.String(required=True)
    requested_at = fields.DateTime(required=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)
    counts = fields.Nested(ErasureCountsSchema, allow_none=True)


class ErasureRequestListSchema(ma.Schema):
    """The pending requests, oldest first."""

    items = fields.List(fields.Nested(ErasureRequestSchema), required=True)


def _body(info: ErasureRequestInfo) -> dict[str, Any]:
    body = dict(info.__dict__)
    body["counts"] = info.counts.as_dict() if info.counts else None
    return body


@blp.post("/cases/<case_id>/erasure-requests")
@blp.arguments(ErasureRequestCreateSchema)
@blp.response(201, ErasureRequestSchema)
@errors(blp, 401, 403, 404, 409, 422)
def request_erasure(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    """Ask to erase the person's data of an ended case (team leads of its teams)."""
    who = actor()
    authz.require_erasure_requester(engine(), who, case_id)
    info = engine().erasure.request(case_id, body["reason"], who.username)
    log.info("erasure of case %s requested by %s (request %d)", info.case_number,
             who.username, info.id)
    return _body(info)


@blp.get("/erasure-requests")
@blp.response(200, ErasureRequestListSchema)
@errors(blp, 401, 403)
def pending_erasures() -> dict[str, Any]:
    """The pending erasure requests (administrators)."""
    authz.require(authz.can_decide_erasure(actor()), "only administrators decide erasures")
    return {"items": [_body(i) for i in engine().erasure.pending()]}


@blp.post("/erasure-requests/<int:request_id>/decision")
@blp.arguments(ErasureDecisionSchema)
@blp.response(200, ErasureRequestSchema)
@errors(blp, 401, 403, 404, 409, 422)
def decide_erasure(body: dict[str, Any], request_id: int) -> dict[str, Any]:
    """Approve (erase now) or reject a pending request; never the requester himself."""
    who = actor()
    authz.require(authz.can_decide_erasure(who), "only administrators decide erasures")
    info = engine().erasure.decide(request_id, body["approve"], who.username, body.get("note"))
    log.info("erasure request %d %s by %s", request_id, info.state, who.username)
    return _body(info)
