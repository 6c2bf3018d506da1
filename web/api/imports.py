"""Agency files machine to machine (issue 12): the REST face of the import pages.

* ``POST /api/v1/imports`` — ``multipart/form-data`` with ``kind`` (permits, decisions,
  courses) and ``file``: 201 with the report; 200 with the earlier report when the same
  content was imported before (nothing changes); 422 naming the field (``kind`` or ``file``)
  and the reason when the upload is no valid list at all (nothing is stored then).
* ``GET /api/v1/imports`` (paged), ``GET /api/v1/imports/{id}`` (the report, as the page's
  ``report.json``), ``GET /api/v1/imports/{id}/report.csv`` (the page's CSV).
* ``GET /api/v1/clarifications`` (``state``, paged), ``GET /api/v1/clarifications/{id}``,
  ``POST .../resolve`` (``{case_number, alternative?}``) and ``POST .../discard``
  (``{reason}``): 422 with the field, 409 when decided already or the case cannot use the
  message.

The importer (:class:`adapters.imports.Importer`) and the bookkeeping (``staffel.imports``)
do the work, as for the CLI and the pages. Who may: :func:`web.authz.can_use_imports`
(Eingangszone, its supervisors, admins); everyone else gets 404, as on the pages. Logs name
ids, kinds and usernames only.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint

from adapters.imports import KINDS, Importer
from adapters.imports.model import MAX_IMPORT_BYTES
from adapters.imports.report import csv_bytes
from engine import InvalidInput, NotFound, Page
from web import authz, personal_data
from web.api.common import actor, engine, errors, protect
from web.api.import_schemas import (
    UPLOAD_DOC,
    ClarificationArgsSchema,
    ClarificationPageSchema,
    ClarificationSchema,
    DiscardSchema,
    ImportPageSchema,
    ImportReportSchema,
    ResolveSchema,
    clarification_body,
    file_body,
    report_body,
)
from web.api.schemas import PageArgsSchema
from web.csv_download import api_csv_language, csv_download

log = logging.getLogger("staffel.api")
blp = protect(Blueprint("imports", __name__, url_prefix="/api/v1",
                        description="Agency files of the Eingangszone: imports and their "
                                    "clarifications (Klärfälle)."))
MAX_ID = 2**31 - 1  # the id columns are 32-bit integers


@blp.before_request
def _only_the_eingangszone() -> None:
    """404 for everyone but the Eingangszone, its supervisors and admins (as the pages)."""
    if not authz.can_use_imports(actor()):
        raise NotFound("not found")


def _known(item_id: int, what: str) -> int:
    if not 0 < item_id <= MAX_ID:
        raise NotFound(f"no such {what}")
    return item_id


def _uploaded() -> tuple[str, str, bytes]:
    """kind, file name and content of the multipart upload; 422 naming what is missing."""
    problems: list[dict[str, str]] = []
    kind = request.form.get("kind", "")
    if kind not in KINDS:
        problems.append({"field": "kind", "message": f"must be one of {', '.join(KINDS)}"})
    upload = request.files.get("file")
    data = b""
    if upload is None:
        problems.append({"field": "file", "message": "is required: send the list as the "
                                                     "multipart/form-data file part 'file'"})
    else:
        data = upload.stream.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            problems.append({"field": "file", "message": f"the file is larger than "
                                                         f"{MAX_IMPORT_BYTES // 2**20} MiB"})
        elif not data:
            problems.append({"field": "file", "message": "the file is empty"})
    if problems:
        raise InvalidInput("the upload is not valid: nothing was imported", problems)
    return kind, (upload.filename if upload is not None else None) or "upload", data


# -- imports -------------------------------------------------------------------------------------
@blp.post("/imports")
@blp.doc(**UPLOAD_DOC)
@blp.response(201, ImportReportSchema, headers={"Location": {
    "description": "the report: /api/v1/imports/{file_id}", "schema": {"type": "string"}}})
@blp.alt_response(200, schema=ImportReportSchema,
                  description="the same content was imported before: its report, nothing "
                              "changed")
@errors(blp, 401, 404, 409, 422)
def upload_import() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Import a permit list, BAMF decisions or a course report (CSV or XML).

    Send ``multipart/form-data`` with ``kind`` and ``file``. Each line is matched to its case
    and delivered (or kept until the case waits for it); lines without a case become
    clarifications, invalid lines are reported with column and reason. 201 with the report;
    200 with the earlier report when the same content (sha256) was imported before. 422 with
    the field (``kind``, ``file``) and the reason (and the line, where there is one) when the
    file is no valid list of that kind at all — nothing is stored then. 409 when the same
    file is being imported at this very moment.
    """
    who = actor()
    kind, name, data = _uploaded()
    try:
        result = Importer(engine()).import_file(kind, name, data, who.username)
    except InvalidInput as err:  # ImportRejected: the file as a whole
        line = err.errors[0].get("line") if err.errors else None
        log.info("%s file rejected for %s (line %s)", kind, who.username, line)
        raise
    desk = engine().imports
    body = report_body(desk.file(result.file_id), desk.lines(result.file_id),
                       result.already_imported)
    log.info("import %d (%s) by %s: %s%s", result.file_id, kind, who.username,
             body["counts"], ", imported before" if result.already_imported else "")
    status = 200 if result.already_imported else 201
    return body, status, {"Location": f"/api/v1/imports/{result.file_id}"}


@blp.get("/imports")
@blp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@blp.response(200, ImportPageSchema)
@errors(blp, 401, 404)
def list_imports(page: int, per_page: int) -> dict[str, Any]:
    """Past imports with their counts, newest first."""
    files = engine().imports.files(page, per_page)
    return {"items": [file_body(f) for f in files.items], "total": files.total,
            "page": files.page, "per_page": files.per_page}


@blp.get("/imports/<int:file_id>")
@blp.response(200, ImportReportSchema)
@errors(blp, 401, 404)
def get_import(file_id: int) -> dict[str, Any]:
    """The report of one import: the file, its counts and every line with its outcome."""
    desk = engine().imports
    info = desk.file(_known(file_id, "import"))
    return report_body(info, desk.lines(file_id))


@blp.get("/imports/<int:file_id>/report.csv")
@blp.response(200, {"type": "string"}, content_type="text/csv")
@errors(blp, 401, 404)
def import_report_csv(file_id: int) -> Response:
    """Every line of the report as CSV (UTF-8 with BOM, ``;``, safe against spreadsheet
    formulas), the same file the report page offers; English headers, German ones with
    ``Accept-Language: de``."""
    rows = engine().imports.lines(_known(file_id, "import"))
    lang = api_csv_language()
    return csv_download(csv_bytes(rows, lang), f"import-{file_id}-report.csv", lang)


# -- clarifications ------------------------------------------------------------------------------
@blp.get("/clarifications")
@blp.arguments(ClarificationArgsSchema, location="query", as_kwargs=True)
@blp.response(200, ClarificationPageSchema)
@errors(blp, 401, 404)
def list_clarifications(state: str, page: int, per_page: int) -> dict[str, Any]:
    """Clarifications in one state: open (oldest first), resolved or discarded (newest
    first)."""
    authz.require_person_visible(engine(), actor())  # the lines name persons
    found: Page[Any] = engine().imports.clarifications(state, page, per_page)
    personal_data.log_clarification_reads(engine(), actor(), found.items, personal_data.API)
    return {"items": [clarification_body(c) for c in found.items], "total": found.total,
            "page": found.page, "per_page": found.per_page}


@blp.get("/clarifications/<int:clarification_id>")
@blp.response(200, ClarificationSchema)
@errors(blp, 401, 404)
def get_clarification(clarification_id: int) -> dict[str, Any]:
    """One clarification with the line's fields, message and candidate cases."""
    authz.require_person_visible(engine(), actor())  # the lines name persons
    return _shown(engine().imports.clarification(_known(clarification_id, "clarification")))


def _shown(item: Any) -> dict[str, Any]:
    """The body of a clarification, after logging that the caller reads it."""
    personal_data.log_clarification_reads(engine(), actor(), [item], personal_data.API)
    return clarification_body(item)


@blp.post("/clarifications/<int:clarification_id>/resolve")
@blp.arguments(ResolveSchema)
@blp.response(200, ClarificationSchema)
@errors(blp, 400, 401, 404, 409)
def resolve_clarification(body: dict[str, Any], clarification_id: int) -> dict[str, Any]:
    """Deliver the line's message to the case with this number.

    The message is delivered, or kept until the case waits for it (``resolution.kept``).
    422 (field ``case_number``) for an empty or unknown number, (field ``alternative``) when
    a §25(2) permit needs Alt. 1 or 2 and the case's stage does not tell; 409 when the
    clarification is decided already or the case can never use the message (closed, or none
    of its processes waits for it); 404 for an unknown clarification.
    """
    authz.require_person_visible(engine(), actor())  # the lines name persons
    who = actor()
    receipt = engine().imports.resolve(_known(clarification_id, "clarification"),
                                       body["case_number"], who.username,
                                       body.get("alternative"))
    log.info("clarification %d resolved by %s to case %s: %s", clarification_id,
             who.username, receipt.case.case_number, receipt.outcome)
    return _shown(engine().imports.clarification(clarification_id))


@blp.post("/clarifications/<int:clarification_id>/discard")
@blp.arguments(DiscardSchema)
@blp.response(200, ClarificationSchema)
@errors(blp, 400, 401, 404, 409)
def discard_clarification(body: dict[str, Any], clarification_id: int) -> dict[str, Any]:
    """Close a clarification without delivering anything; a reason (at most 500 characters)
    is required. 409 when it is decided already."""
    authz.require_person_visible(engine(), actor())  # the lines name persons
    who = actor()
    engine().imports.discard(_known(clarification_id, "clarification"), body["reason"],
                             who.username)
    log.info("clarification %d discarded by %s", clarification_id, who.username)
    return _shown(engine().imports.clarification(clarification_id))
