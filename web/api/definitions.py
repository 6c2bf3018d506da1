"""``/api/v1/process-definitions``: validate, deploy, version history, XML, diff and migration
of running cases (process owners and admins; the list itself stays in :mod:`web.api.misc`).

Uploads are one document as the raw body (``application/xml``; the name from ``?filename=``
or ``Content-Disposition``, default ``upload.bpmn``) or ``multipart/form-data`` with several
files. Every problem is a 422 naming file, line and element; nothing is stored then.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import marshmallow as ma
from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import fields, validate

from engine import DeployError, NotFound, Problem
from web import authz
from web.api.common import actor, engine, errors, protect
from web.api.schemas import Text
from web.auth import Actor

log = logging.getLogger("staffel.api")
blp = protect(Blueprint("definitions", __name__, url_prefix="/api/v1/process-definitions",
                        description="Validate, deploy and roll out process definitions."))

DEFAULT_NAME = "upload.bpmn"
MAX_FILES = 50
MAX_NAME = 200
MAX_VERSION = 2**31 - 1
_VERSION_RANGE = validate.Range(min=1, max=MAX_VERSION)
_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?["']?([^"';]+)""", re.IGNORECASE)
_UPLOAD_DOC = {"requestBody": {"required": True, "content": {
    "application/xml": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "additionalProperties": {
        "type": "string", "format": "binary"}}}}}}


# -- schemas ----------------------------------------------------------------------------------
class VersionRefSchema(ma.Schema):
    """A process key and one of its versions."""

    key = fields.String(required=True)
    version = fields.Integer(required=True)


class ValidationResultSchema(ma.Schema):
    """The upload is valid; nothing was stored."""

    valid = fields.Boolean(required=True)
    versions = fields.List(fields.Nested(VersionRefSchema), required=True)


class DeployedSchema(ma.Schema):
    """The versions created by a deployment (empty when no content changed)."""

    versions = fields.List(fields.Nested(VersionRefSchema), required=True)
    unchanged = fields.List(fields.Nested(VersionRefSchema), required=True)


class VersionHistoryItemSchema(ma.Schema):
    """One version of a process with its count of running cases."""

    version = fields.Integer(required=True)
    name = fields.String(required=True)
    file_name = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)
    deployed_by = fields.String(required=True)
    running_cases = fields.Integer(required=True)
    restored_from = fields.Integer(allow_none=True)


class VersionHistorySchema(ma.Schema):
    """Every version of a process, newest first."""

    key = fields.String(required=True)
    items = fields.List(fields.Nested(VersionHistoryItemSchema), required=True)


class DiffQuerySchema(ma.Schema):
    """Two versions to compare."""

    class Meta:
        """Unknown fields are errors."""

        unknown = ma.RAISE

    from_ = fields.Integer(required=True, data_key="from", validate=_VERSION_RANGE)
    to = fields.Integer(required=True, validate=_VERSION_RANGE)


class DiffElementSchema(ma.Schema):
    """An element added, removed or changed, with the changed fields (from/to)."""

    element_id = fields.String(required=True)
    type = fields.String(required=True)
    name = fields.String(allow_none=True)
    changes = fields.Dict(keys=fields.String(), values=fields.Dict())


class DiffSchema(ma.Schema):
    """Elements added, removed and changed between two versions."""

    key = fields.String(required=True)
    from_ = fields.Integer(required=True, data_key="from")
    to = fields.Integer(required=True)
    added = fields.List(fields.Nested(DiffElementSchema), required=True)
    removed = fields.List(fields.Nested(DiffElementSchema), required=True)
    changed = fields.List(fields.Nested(DiffElementSchema), required=True)


class MigrationRequestSchema(ma.Schema):
    """Move running cases from one version to another (or only check with dry_run)."""

    class Meta:
        """Unknown fields are errors."""

        unknown = ma.RAISE

    from_ = fields.Integer(required=True, data_key="from", validate=_VERSION_RANGE)
    to = fields.Integer(required=True, validate=_VERSION_RANGE)
    case_ids = fields.List(Text(validate=validate.Length(min=1, max=32)),
                           validate=validate.Length(max=10_000), allow_none=True)
    dry_run = fields.Boolean(load_default=True)


class MigrationCaseSchema(ma.Schema):
    """What happened (or would happen) to one case."""

    case_id = fields.String(required=True)
    case_number = fields.String(allow_none=True)
    instance_id = fields.String(allow_none=True)
    migratable = fields.Boolean(required=True)
    migrated = fields.Boolean(required=True)
    reasons = fields.List(fields.String(), required=True)


class MigrationReportSchema(ma.Schema):
    """Per case: can it move / did it move, and why not."""

    dry_run = fields.Boolean(required=True)
    items = fields.List(fields.Nested(MigrationCaseSchema), required=True)


# -- helpers ----------------------------------------------------------------------------------
def _owner() -> Actor:
    who = actor()
    authz.require(authz.can_edit_definitions(who),
                  "only process owners and admins manage process definitions")
    return who


def _check_name(name: str, problems: list[Problem]) -> str:
    clean = name.strip().replace("\\", "/").lstrip("/")
    if not clean or len(clean) > MAX_NAME or "\x00" in clean or ".." in clean.split("/"):
        problems.append(Problem(name[:MAX_NAME] or "(none)",
                                f"file name must be 1-{MAX_NAME} characters without '..'"))
    return clean


def uploaded_files() -> dict[str, bytes]:
    """The uploaded documents by name; DeployError (422) when the request carries none."""
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    if request.mimetype == "multipart/form-data":
        for field_name, storage in request.files.items(multi=True):
            name = _check_name(storage.filename or field_name, problems)
            if name in files:
                problems.append(Problem(name, "the same file name is uploaded twice"))
            files[name] = storage.read()
    else:
        found = _FILENAME.search(request.headers.get("Content-Disposition", ""))
        name = request.args.get("filename") or (found.group(1) if found else DEFAULT_NAME)
        files[_check_name(name, problems)] = request.get_data(cache=False)
    if not files or all(not content for content in files.values()):
        problems.append(Problem("(none)", "no document uploaded: send application/xml or "
                                          "multipart/form-data"))
    if len(files) > MAX_FILES:
        problems.append(Problem("(none)", f"at most {MAX_FILES} files at once"))
    if problems:
        raise DeployError(problems)
    return files


def _refs(items: Any) -> list[dict[str, Any]]:
    return [{"key": v.key, "version": v.version} for v in items]


# -- views ------------------------------------------------------------------------------------
@blp.post("/validate")
@blp.doc(**_UPLOAD_DOC)
@blp.response(200, ValidationResultSchema)
@errors(blp, 401, 403, 422)
def validate_definitions() -> dict[str, Any]:
    """Run the whole deploy validation on the uploaded documents; store nothing."""
    _owner()
    files = uploaded_files()
    problems = engine().definitions.validate(files)
    if problems:
        raise DeployError(problems, "the upload is not valid")
    return {"valid": True, "versions": []}


@blp.post("")
@blp.doc(**_UPLOAD_DOC)
@blp.response(201, DeployedSchema)
@errors(blp, 401, 403, 422)
def deploy_definitions() -> dict[str, Any]:
    """Validate and deploy; a process gets a new version only when its content changed."""
    who = _owner()
    result = engine().definitions.deploy(uploaded_files(), actor=who.username)
    new = {(v.key, v.version) for v in result.new_versions}
    log.info("deployment by %s: %s", who.username, sorted(new))
    return {"versions": _refs(result.new_versions),
            "unchanged": _refs(v for v in result.versions if (v.key, v.version) not in new)}


@blp.get("/<string:key>/versions")
@blp.response(200, VersionHistorySchema)
@errors(blp, 401, 403, 404)
def version_history(key: str) -> dict[str, Any]:
    """Every version of a process: deployed when and by whom, and how many cases run on it."""
    authz.require(authz.can_read_definitions(actor()), "your role may not list definitions")
    return {"key": key, "items": engine().definitions.history(key)}


@blp.get("/<string:key>/versions/<int:version>")
@blp.response(200, {"type": "string"}, content_type="application/xml")
@errors(blp, 401, 403, 404)
def version_xml(key: str, version: int) -> Response:
    """The BPMN source of one version (process owners and admins)."""
    _owner()
    if not 0 < version <= MAX_VERSION:
        raise NotFound(f"process {key!r} has no version {version}")
    xml = engine().definitions.xml(key, version)
    return Response(xml, mimetype="application/xml")


@blp.post("/<string:key>/versions/<int:version>/rollback")
@blp.response(201, DeployedSchema)
@errors(blp, 401, 403, 404, 409, 422)
def rollback_version(key: str, version: int) -> dict[str, Any]:
    """Roll back to an earlier version: its BPMN file, forms and DMN files are deployed again
    as the NEWEST version (history is kept), audited as ``rolled_back``. 404 for an unknown
    version, 409 when the newest version already has that content, 422 when the old content
    no longer deploys (nothing stored then)."""
    who = _owner()
    if not 0 < version <= MAX_VERSION:
        raise NotFound(f"process {key!r} has no version {version}")
    result = engine().definitions.rollback(key, version, actor=who.username)
    new = {(v.key, v.version) for v in result.new_versions}
    log.info("roll-back of %s to version %d by %s: %s", key, version, who.username, sorted(new))
    return {"versions": _refs(result.new_versions),
            "unchanged": _refs(v for v in result.versions if (v.key, v.version) not in new)}


@blp.get("/<string:key>/diff")
@blp.arguments(DiffQuerySchema, location="query", as_kwargs=True)
@blp.response(200, DiffSchema)
@errors(blp, 401, 403, 404, 422)
def version_diff(key: str, from_: int, to: int) -> dict[str, Any]:
    """Elements added, removed and changed (name, lane, timer, SLA, condition, form)."""
    _owner()
    return engine().definitions.diff(key, from_, to)


@blp.post("/<string:key>/migrations")
@blp.arguments(MigrationRequestSchema)
@blp.response(200, MigrationReportSchema)
@errors(blp, 401, 403, 404, 422)
def migrate(body: dict[str, Any], key: str) -> dict[str, Any]:
    """Check (dry_run, the default) or move running cases of one version to another.

    Each case moves in its own transaction; cases that cannot move stay as they were and
    are listed with the reasons.
    """
    who = _owner()
    eng = engine()
    if body["dry_run"]:
        items = eng.migrations.dry_run(key, body["from_"], body["to"], body.get("case_ids"))
    else:
        items = eng.migrations.migrate(key, body["from_"], body["to"], body.get("case_ids"),
                                  actor=who.username)
        log.info("migration of %s %s->%s by %s: %d moved", key, body["from_"], body["to"],
                 who.username, sum(1 for i in items if i["migrated"]))
    return {"dry_run": body["dry_run"], "items": items}
