"""Agency files for the Eingangszone (issue 7): upload, reports, and the clarifications
("Klärfälle") of rows that found no case.

* ``GET /imports`` — upload form (kind + file) and the past imports
* ``POST /imports`` — take a file; a file that is no valid list is answered 422 with the reason
* ``GET /imports/<id>`` — the report: counts, every line not correlated with its reason
* ``GET /imports/<id>/original`` — the file as uploaded; ``/report.json``, ``/report.csv``
* ``GET /imports/clarifications`` (``state=open|resolved|discarded``, ``page``)
* ``POST /imports/clarifications/<id>/resolve`` (``case_number``) and ``.../discard``
  (``reason``): 422 with the field for bad input, 409 when decided already / not waiting

Members of the Eingangszone, the supervisors who lead it, and admins only
(:func:`web.authz.can_use_imports`); everyone else gets 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from adapters.imports import KINDS, Importer, ImportRejected
from adapters.imports.model import MAX_IMPORT_BYTES
from adapters.imports.report import csv_bytes, full_json
from engine import NotFound
from web import authz, personal_data
from web.auth import page_login_required, session_actor
from web.csv_download import csv_download, page_csv_language
from web.pages.common import bp, engine
from web.pages.imports_access import PER_PAGE, allowed, allowed_with_people, page_arg

PROBLEMS_SHOWN = 500


def kind_label(kind: str) -> str:
    """The German name of an import kind."""
    return {"permits": _("Residence permits (Ausländerbehörde)"),
            "decisions": _("BAMF decisions"),
            "courses": _("Course provider reports")}.get(kind, kind)


def outcome_label(outcome: str) -> str:
    """What happened to a line, in words."""
    return {"correlated": _("delivered to the case"), "clarification": _("to clarify"),
            "invalid": _("invalid"), "duplicate": _("already taken"),
            "buffered": _("kept until the case gets there")}.get(outcome, outcome)


def reason_label(reason: str | None) -> str:
    """A reason code in words."""
    if not reason:
        return ""
    return {
        "missing": _("a required value is empty"),
        "too_long": _("a value is too long"),
        "bad_date": _("not a date (DD.MM.YYYY or YYYY-MM-DD)"),
        "bad_paragraph": _("unknown legal basis of the permit"),
        "valid_before_issued": _("valid until lies before the issue date"),
        "notified_before_decision": _("served or posted before the decision date"),
        "field_count": _("wrong number of columns"),
        "bad_report": _("unknown kind of report"),
        "bad_dtz": _("unknown DTZ level"),
        "bad_lid": _("LiD result not understood"),
        "bad_attendance": _("attendance must be 0 to 100 %"),
        "no_match": _("no case found"),
        "ambiguous": _("several cases match"),
        "az_person_mismatch": _("Aktenzeichen and date of birth belong to different cases"),
        "not_waiting": _("the case is not waiting for this message"),  # imports before 0009
        "not_usable": _("the case can no longer use this message"),
        "paragraph_alternative": _("§25(2) without alternative; the case's stage does not "
                                   "tell which"),
        "process_error": _("the process could not continue"),
        "conflict": _("the case was changed at the same time"),
        "rejected_by_process": _("the process does not accept the values"),
        "duplicate_in_file": _("the same row appears earlier in the file"),
        "already_imported": _("imported before"),
        "resolved_by_hand": _("assigned by hand"),
    }.get(reason, reason)


@bp.app_context_processor
def _import_helpers() -> dict[str, Any]:
    def open_clarifications() -> int | None:
        actor = session_actor()
        if actor is None or not authz.may_see_person(engine(), actor):
            return None
        return engine().imports.open_count()

    def can_import() -> bool:
        actor = session_actor()
        return actor is not None and authz.can_use_imports(actor)

    return {"open_clarifications": open_clarifications, "can_import": can_import,
            "import_kind": kind_label, "import_outcome": outcome_label,
            "import_reason": reason_label}


def _index(errors: dict[str, str] | None = None, kind: str = "",
           status: int = 200) -> ResponseReturnValue:
    files = engine().imports.files(page_arg(), PER_PAGE)
    return render_template("imports/index.html", files=files, kinds=KINDS, kind=kind,
                           errors=errors or {}, max_mib=MAX_IMPORT_BYTES // 2**20,
                           pages=max(1, -(-files.total // PER_PAGE))), status


@bp.get("/imports")
@page_login_required
def imports() -> ResponseReturnValue:
    """Upload form and past imports."""
    allowed()
    return _index()


@bp.post("/imports")
@page_login_required
def import_upload() -> ResponseReturnValue:
    """Take an uploaded file in and show its report."""
    actor = allowed()
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    if kind not in KINDS:
        return _index({"kind": _("Choose what kind of file this is.")}, kind, 422)
    if upload is None or not upload.filename:
        return _index({"file": _("Choose a file.")}, kind, 422)
    data = upload.stream.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        return _index({"file": _("The file is larger than %(mib)d MiB.",
                                 mib=MAX_IMPORT_BYTES // 2**20)}, kind, 422)
    try:
        result = Importer(engine()).import_file(kind, upload.filename, data, actor.username)
    except ImportRejected as err:
        where = _(" (line %(line)d)", line=err.line) if err.line else ""
        return _index({"file": _("The file was rejected whole, nothing was imported: "
                                 "%(reason)s%(where)s", reason=err.reason, where=where)},
                      kind, 422)
    if result.already_imported:
        flash(_("This file was imported before; nothing was changed. Here is its report."),
              "info")
    else:
        flash(_("The file was imported."), "success")
    return redirect(url_for("pages.import_report", file_id=result.file_id))


@bp.get("/imports/<int:file_id>")
@page_login_required
def import_report(file_id: int) -> ResponseReturnValue:
    """The report of one import."""
    allowed()
    desk = engine().imports
    info = desk.file(file_id)
    problems = desk.lines(file_id, problems_only=True, limit=PROBLEMS_SHOWN + 1)
    return render_template("imports/report.html", file=info, problems=problems[:PROBLEMS_SHOWN],
                           more=len(problems) > PROBLEMS_SHOWN)


def _attachment(body: bytes, name: str, mimetype: str) -> Response:
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name) or "import"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=\"{safe}\"; "
                               f"filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@bp.get("/imports/<int:file_id>/original")
@page_login_required
def import_original(file_id: int) -> ResponseReturnValue:
    """The file as it was uploaded (the Eingangszone only: it holds persons' data)."""
    actor = allowed_with_people()
    name, content = engine().imports.original(file_id)
    personal_data.log_read(engine(), actor, None, f"import_original:{file_id}",
                           personal_data.PAGE)
    return _attachment(content, name, "application/octet-stream")


@bp.get("/imports/<int:file_id>/report.<fmt>")
@page_login_required
def import_report_file(file_id: int, fmt: str) -> ResponseReturnValue:
    """The whole report (every line) as JSON or CSV."""
    allowed()
    if fmt not in ("json", "csv"):
        raise NotFound("no such format")
    desk = engine().imports
    info, rows = desk.file(file_id), desk.lines(file_id)
    if fmt == "json":
        return _attachment(full_json(info, rows), f"import-{file_id}-report.json",
                           "application/json")
    lang = page_csv_language()
    return csv_download(csv_bytes(rows, lang), f"import-{file_id}-report.csv", lang)

