"""What the API and the pages share for outbound data: the handover package (JSON and the
printable page), the appointment's iCalendar invitation and the statistics CSV.

Authorization is :func:`web.authz.authorize_handover` (sending and receiving team only;
everyone else 404) and :func:`web.api.supervisor.supervisor_scope` for statistics. Every
package handed out writes the audit event ``handover_package_shared`` (field names only).

Settings (app config / ``STAFFEL_*``): ``TEAM_EMAILS`` (team mailboxes, also used by the
notifier), ``INTERPRETER_EMAIL`` (the interpreter service invited when an interpreter is
booked), ``SMTP_FROM`` (organizer when the sending team has no address),
``HANDOVER_APPOINTMENT_MINUTES`` (length of the joint appointment, default 60).
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from flask import Response, current_app, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from adapters import team_emails
from adapters.handover_package import CATEGORIES, HandoverPackage, build_package
from adapters.ical import DEFAULT_MINUTES, invitation, to_ics
from adapters.statistics_export import check_min_count, statistics_csv
from engine import InvalidInput, NotFound, Staffel, check_weeks
from web import authz, personal_data
from web.auth import Actor
from web.csv_download import csv_download

log = logging.getLogger("staffel.outbound")
FORMATS = ("json", "html")
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def handover_package(eng: Staffel, actor: Actor, handover_id: str, fmt: str,
                     channel: str = personal_data.API) -> HandoverPackage:
    """Check access, build the package, record in the audit trail what goes to whom and
    log the read (``handover:<id>``; a read that cannot be logged is not served)."""
    if fmt not in FORMATS:
        raise InvalidInput("format must be json or html",
                           [{"field": "format", "message": "must be json or html"}])
    authz.authorize_handover(eng, actor, handover_id)
    record = eng.handovers.record(handover_id)
    package = build_package(record, eng.clock.now())
    names = package.field_names()
    eng.handovers.record_shared(record.id, names, package.rule.legal_basis, fmt, actor.username)
    personal_data.log_read(eng, actor, record.case_id, f"handover:{record.id}", channel)
    log.info("handover %s: package (%s) fetched by %s, %d field(s)", record.id, fmt,
             actor.username, len(names))
    return package


def category_label(key: str) -> str:
    """The name of a data category of the package."""
    names = {"identity": _("Person and reference numbers"),
             "residence_status": _("Residence status"), "benefits": _("Benefits"),
             "deadlines": _("Deadlines"), "language_level": _("Language level and course"),
             "qualifications": _("Qualifications"), "household": _("Household")}
    return names.get(key, key)


def field_label(name: str) -> str:
    """The name of one package field."""
    names = {
        "family_name": _("Family name"), "given_name": _("Given name"),
        "birth_date": _("Date of birth"), "nationality": _("Nationality"),
        "languages": _("Languages"), "interpreter_needed": _("Interpreter needed"),
        "bamf_aktenzeichen": _("BAMF file number"), "stage": _("Stage"),
        "entry": _("Entry"), "decision_outcome": _("BAMF decision"),
        "decision_date": _("Decision date"), "decision_served_on": _("Served on"),
        "permit_paragraph": _("Residence permit (paragraph)"),
        "permit_issued_on": _("Permit issued on"), "permit_valid_until": _("Permit valid until"),
        "gestattung_valid_until": _("Permission to stay valid until"),
        "fiktion_certificate_issued": _("Fiktionsbescheinigung issued"),
        "fiktion_valid_until": _("Fiktionsbescheinigung valid until"),
        "arrival_date": _("Arrival date"), "benefit_system": _("Benefits"),
        "asylblg_from": _("AsylbLG since"), "sgb2_approved_from": _("SGB II approved from"),
        "sgb2_approval_months": _("SGB II approval period (months)"),
        "sgb2_application_status": _("SGB II application"),
        "deadlines": _("Deadlines"), "language_level": _("Language level"),
        "dtz_level": _("DTZ level"), "lid_passed": _("'Leben in Deutschland' passed"),
        "course_type": _("Course type"), "course_hours": _("Course hours"),
        "course_obligated": _("Obliged to attend the course"),
        "qualification": _("Occupation / qualification"), "household": _("Household"),
    }
    return names.get(name, name)


def reason_label(reason: str | None) -> str:
    """Why a field (or the whole package) was left out."""
    names = {"not_selected": _("not chosen by the sending team"),
             "no_legal_basis": _("not covered by the legal basis"),
             "no_consent": _("no recorded consent for this recipient"),
             "consent_withdrawn": _("consent withdrawn"),
             "not_recorded": _("not recorded in Staffel"),
             "nothing_selected": _("the sending team chose no data"),
             "nothing_recorded": _("none of the chosen data is recorded")}
    return names.get(reason or "", reason or "")


def show_value(value: Any) -> str:
    """A package value as text for the printable page."""
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return str(format_date(date.fromisoformat(value), "medium"))
        except ValueError:
            return value
    return str(value)


def package_html(package: HandoverPackage, back_url: str | None = None) -> str:
    """The printable page of a package."""
    return render_template("pages/handover_package.html", p=package, json=package.to_json(),
                           categories=[c for c in CATEGORIES if package.data.get(c)],
                           category_label=category_label, field_label=field_label,
                           reason_label=reason_label, show_value=show_value,
                           back_url=back_url)


def html_response(html: str) -> Response:
    """A printable page that no cache keeps (it holds personal data)."""
    return Response(html, mimetype="text/html", headers=NO_STORE)


def _config_emails() -> dict[str, str]:
    try:
        return team_emails(current_app.config.get("TEAM_EMAILS"))
    except ValueError:
        log.warning("TEAM_EMAILS is not valid; invitations use users' addresses only")
        return {}


def appointment_response(eng: Staffel, actor: Actor, handover_id: str,
                         channel: str = personal_data.API) -> Response:
    """The ``.ics`` invitation of a handover's joint appointment (404 when none is recorded;
    the invitation is logged as a read of ``handover:<id>``)."""
    authz.authorize_handover(eng, actor, handover_id)
    record = eng.handovers.record(handover_id)
    config = current_app.config
    try:
        invite = invitation(
            record, eng.clock.now(), team_mailboxes=_config_emails(),
            interpreter_email=config.get("INTERPRETER_EMAIL") or None,
            organizer_email=config.get("SMTP_FROM") or None,
            minutes=int(config.get("HANDOVER_APPOINTMENT_MINUTES") or DEFAULT_MINUTES),
            case_url=url_for("pages.case", case_id=record.case_id, _external=True))
    except ValueError as exc:
        raise NotFound("the handover has no joint appointment") from exc
    personal_data.log_read(eng, actor, record.case_id, f"handover:{record.id}", channel)
    name = re.sub(r"[^A-Za-z0-9._-]", "_",
                  f"uebergabe-{record.case_number}-{record.handover.key}.ics")
    return Response(to_ics(invite), mimetype="text/calendar",
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})


def statistics_response(eng: Staffel, teams: frozenset[str] | None, weeks: int,
                        min_count: int, lang: str) -> Response:
    """The statistics CSV of ``teams`` (None: all) in ``lang`` as a download."""
    check_weeks(weeks)
    try:
        check_min_count(min_count)
    except ValueError as exc:
        raise InvalidInput(str(exc), [{"field": "min_count", "message": str(exc)}]) from exc
    report = eng.supervision.statistics(teams, weeks=weeks)
    name = f"staffel-statistik-{report.today.isoformat()}.csv"
    return csv_download(statistics_csv(report, min_count, lang), name, lang)
