"""``POST /api/v1/process-definitions/test-run``: walk a synthetic case through a draft.

The draft is uploaded like a deployment (one document as ``application/xml`` with
``?filename=``, or multipart with several); it is laid over the deployed source set in a
throwaway engine, so nothing is stored. Settings are query parameters. A draft that does not
validate is a 422 with every problem (as for a deployment), bad settings a 422 naming the field.
"""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields, validate

from engine import DEFAULT_OUTCOME, DEFAULT_STEPS, MAIN_PROCESS, MAX_STEPS, DeployError
from web import authz
from web.api.common import actor, engine, errors, protect
from web.api.definitions import _UPLOAD_DOC, uploaded_files
from web.api.schemas import Text

log = logging.getLogger("staffel.api")
blp = protect(Blueprint("test-run", __name__, url_prefix="/api/v1/process-definitions",
                        description="Test runs of drafts on a throwaway engine."))


class TestRunArgsSchema(ma.Schema):
    """Settings of a test run (query parameters)."""

    class Meta:
        """Unknown parameters are errors."""

        unknown = ma.RAISE

    filename = Text(validate=validate.Length(min=1, max=200),
                    metadata={"description": "file name of a single uploaded document"})
    outcome = Text(load_default=DEFAULT_OUTCOME, validate=validate.Length(min=1, max=60),
                   metadata={"description": "outcome of the BAMF decision delivered"})
    land = Text(load_default="NW", validate=validate.Length(min=2, max=4))
    entry = fields.String(load_default="asylum",
                          validate=validate.OneOf(["asylum", "resettlement"]))
    start = Text(load_default=MAIN_PROCESS, validate=validate.Length(min=1, max=200),
                 metadata={"description": "process key the synthetic case starts"})
    max_steps = fields.Integer(load_default=DEFAULT_STEPS,
                               validate=validate.Range(min=1, max=MAX_STEPS))
    withhold = fields.List(Text(validate=validate.Length(min=1, max=100)),
                           load_default=list, validate=validate.Length(max=50),
                           metadata={"description": "messages not to deliver (repeatable)"})


class TestRunStepSchema(ma.Schema):
    """One step: what was done, on which element, when, with which data."""

    number = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "start, user_task, message, "
                                                                 "timer"})
    element_id = fields.String(allow_none=True)
    name = fields.String(required=True)
    element_type = fields.String(allow_none=True)
    process = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    at = fields.String(required=True, metadata={"description": "simulated time (ISO 8601)"})
    stage = fields.String(required=True)
    data = fields.Dict(required=True)
    deadlines = fields.List(fields.String(), required=True)


class TestRunDeadlineSchema(ma.Schema):
    """A deadline the synthetic case got."""

    key = fields.String(required=True)
    date = fields.String(required=True)
    legal_basis = fields.String(required=True)
    land = fields.String(required=True)
    computed_at = fields.String(required=True)


class TestRunResultSchema(ma.Schema):
    """The walk: steps, deadlines, the elements walked per process, and why it stopped."""

    valid = fields.Boolean(required=True)
    steps = fields.List(fields.Nested(TestRunStepSchema), required=True)
    deadlines = fields.List(fields.Nested(TestRunDeadlineSchema), required=True)
    path = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)
    waiting = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                          required=True)
    final_stage = fields.String(allow_none=True)
    benefit_system = fields.String(allow_none=True)
    completed = fields.Boolean(required=True)
    stop_reason = fields.String(required=True, metadata={
        "description": "completed, stuck, step_limit or error"})
    message = fields.String(required=True)
    started_at = fields.String(allow_none=True)
    ended_at = fields.String(allow_none=True)
    settings = fields.Dict(required=True)


@blp.post("/test-run")
@blp.doc(**_UPLOAD_DOC)
@blp.arguments(TestRunArgsSchema, location="query", unknown=ma.RAISE)
@blp.response(200, TestRunResultSchema)
@errors(blp, 401, 403, 422)
def test_run(args: dict[str, Any]) -> dict[str, Any]:
    """Walk a synthetic case through the deployed definitions overlaid with the upload.

    Tasks are completed with data generated from their forms, awaited messages are delivered
    with payloads from their schemas (``bamf_decision`` with ``outcome``), the simulated clock
    jumps to the next timer when nothing else can move. Nothing is stored.
    """
    who = actor()
    authz.require(authz.can_edit_definitions(who),
                  "only process owners and admins test drafts")
    files = uploaded_files()
    result = engine().testruns.run(
        files, outcome=args["outcome"], land=args["land"], entry=args["entry"],
        process_key=args["start"], max_steps=args["max_steps"], withhold=args["withhold"])
    if not result.valid:
        raise DeployError(result.problems, "the draft is not valid")
    log.info("test run by %s: %s after %d steps", who.username, result.stop_reason,
             len(result.steps))
    body = result.to_dict()
    body.pop("problems", None)
    return body
