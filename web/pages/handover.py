"""Outbound pages: the printable handover package, the appointment download and the
supervisors' statistics download (session login; the same rules as the API, see
:mod:`web.outbound`).

* ``GET /handovers/<id>/package`` — the printable package (linked from the case view)
* ``GET /handovers/<id>/appointment.ics`` — the joint appointment as an invitation
* ``GET /dashboard/statistics.csv`` — statistics without personal data (``weeks``,
  ``min_count``), linked from the dashboard; in the page's language (German: German headers,
  team names, dates ``TT.MM.JJJJ``), ``;``-separated, UTF-8 with BOM
"""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from adapters.statistics_export import DEFAULT_MIN_COUNT
from engine import InvalidInput
from web import outbound
from web.api.supervisor import supervisor_scope
from web.auth import page_login_required
from web.csv_download import page_csv_language
from web.pages.common import bp, engine, error_page, page_actor


@bp.get("/handovers/<handover_id>/package")
@page_login_required
def handover_package(handover_id: str) -> ResponseReturnValue:
    """The printable package of a handover (404 unless my team sends or receives it)."""
    eng = engine()
    package = outbound.handover_package(eng, page_actor(), handover_id, "html", "page")
    back = url_for("pages.case", case_id=package.record.case_id, _anchor="handovers")
    return outbound.html_response(outbound.package_html(package, back_url=back))


@bp.get("/handovers/<handover_id>/appointment.ics")
@page_login_required
def handover_appointment(handover_id: str) -> ResponseReturnValue:
    """The joint appointment of a handover as an ``.ics`` download."""
    return outbound.appointment_response(engine(), page_actor(), handover_id, "page")


def _whole_number(name: str, default: int) -> int:
    text = request.args.get(name, "")
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise InvalidInput(f"{name} must be a whole number",
                           [{"field": name, "message": "must be a whole number"}])
    return int(text)


@bp.get("/dashboard/statistics.csv")
@page_login_required
def dashboard_statistics_csv() -> ResponseReturnValue:
    """Download the statistics (counts only) of my teams (admins: all)."""
    teams = supervisor_scope(page_actor())
    try:
        weeks = _whole_number("weeks", 12)
        min_count = _whole_number("min_count", DEFAULT_MIN_COUNT)
        return outbound.statistics_response(engine(), teams, weeks, min_count,
                                            page_csv_language())
    except InvalidInput as err:
        fields = ", ".join(e.get("field", "") for e in err.errors)
        return error_page(422, _("Not possible"),
                          _("The statistics cannot be made with these settings (%(fields)s): "
                            "%(message)s", fields=fields, message=err.message))
