"""The case view: person (as far as the viewer may see it), stage timeline, the diagram with the
open tasks highlighted, deadlines, handovers, the personal-data section (access report,
consent withdrawal, and for supervisors the reads of the person's data) and the audit trail.

Which process version a case runs comes from its ``instance_started`` audit event, so the
diagram is always the one the case was started with, even after newer deployments.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import BERLIN, AuditEntry, CaseInfo, Conflict, InvalidInput, NotFound, Staffel
from web import authz, personal_data
from web.auth import Actor, page_login_required
from web.outbound import NO_STORE
from web.pages.case_deadlines import deadline_rows
from web.pages.case_events import recordable
from web.pages.common import bp, engine, page_actor
from web.pages.diagrams import case_diagrams, diagram_version
from web.pages.labels import detail_name, detail_value, message_label, timeline
from web.pages.privacy_labels import privacy_helpers

AUDIT_LIMIT = 500
READS_SHOWN = 50  # the newest reads on the case page (all: GET /api/v1/cases/{id}/reads)
HIDDEN_DETAILS = frozenset({"hash", "prev_hash", "recorded_by", "ended_by_message"})


def case_process(events: list[AuditEntry]) -> tuple[str, int] | None:
    """(process key, version) the case was started with, from its audit trail."""
    for event in events:
        if event.action == "instance_started":
            key, version = event.details.get("process"), event.details.get("version")
            if isinstance(key, str) and isinstance(version, int):
                return key, version
    return None


def visited_stages(case: CaseInfo, events: list[AuditEntry]) -> set[str]:
    """Every stage the case has been in (from ``stage_changed`` events) and the current one."""
    visited = {case.stage}
    for event in events:
        if event.action == "stage_changed":
            visited.update(str(event.details[k]) for k in ("old", "new")
                           if event.details.get(k))
    return visited


def detail_text(details: dict[str, Any]) -> str:
    """The details of an audit event as short ``key: value`` text; an outside event recorded
    by hand and a task a report made moot say so in words."""
    parts = []
    if details.get("source") == "hand":
        parts.append(_("recorded by hand by %(user)s", user=details.get("recorded_by", "")))
    if details.get("ended_by_message"):
        parts.append(_("done by the report: %(message)s",
                       message=message_label(str(details["ended_by_message"]))))
    for key, value in details.items():
        if key in HIDDEN_DETAILS or value in (None, "", [], {}):
            continue
        parts.append(f"{detail_name(key)}: {detail_value(key, value)}")  # issue 15, point 13
    return "; ".join(parts)


def _visible_case(case_id: str) -> tuple[Staffel, Actor]:
    eng, actor = engine(), page_actor()
    authz.require_case_visible(eng, actor, case_id)
    return eng, actor


@bp.get("/cases/<case_id>")
@page_login_required
def case(case_id: str) -> ResponseReturnValue:
    """The case page (404 for a case none of the viewer's teams worked on)."""
    eng, actor = _visible_case(case_id)
    return _case_page(eng, actor, case_id)


def _case_page(eng: Staffel, actor: Actor, case_id: str, status: int = 200,
               withdrawal: dict[str, str] | None = None) -> ResponseReturnValue:
    """Render the case page; the person's data is logged as read before it is shown."""
    info = eng.cases.get(case_id)
    show_person = authz.may_see_person(eng, actor, case_id)
    if show_person:
        personal_data.log_read(eng, actor, case_id, "case", personal_data.PAGE)
    show_reads = personal_data.may_see_reads(eng, actor, case_id)
    events = eng.audit.events(case_id, limit=AUDIT_LIMIT)
    process = case_process(events)
    diagrams = (case_diagrams(eng, *process, info.open_tasks, case_id=case_id)
                if process else [])
    return render_template(
        "pages/case.html", case=info, actor=actor,
        can_view_task=lambda t: authz.can_view_task(actor, t),
        can_fetch_handover=lambda h: authz.can_fetch_handover(actor, h.from_team, h.to_team),
        show_person=show_person, show_reads=show_reads,
        consent=eng.personal_data.consent(case_id) if show_person else None,
        reads=eng.personal_data.reads(case_id, READS_SHOWN) if show_reads else [],
        withdrawal=withdrawal or {}, **privacy_helpers(),
        steps=timeline(info.stage, visited_stages(info, events)), process=process,
        diagrams=diagrams, recordable=recordable(eng, actor, case_id),
        events=events, detail_text=detail_text, audit_limit=AUDIT_LIMIT,
        deadlines=deadline_rows(info, eng.clock.now().astimezone(BERLIN).date())), status


@bp.get("/cases/<case_id>/process.bpmn")
@page_login_required
def case_xml(case_id: str) -> ResponseReturnValue:
    """The BPMN source of the case's process version, or (``?key=``) of a process it calls."""
    eng, _actor = _visible_case(case_id)
    process = case_process(eng.audit.events(case_id, limit=50))
    if process is None:
        raise NotFound("the case has no process")
    version = diagram_version(eng, *process, request.args.get("key", process[0]))
    if version is None:
        raise NotFound("the case does not use this process")
    xml = eng.definitions.xml(version.key, version.version)
    return Response(xml, mimetype="application/xml",
                    headers={"Cache-Control": "private, max-age=300",
                             "X-Content-Type-Options": "nosniff"})


@bp.post("/cases/<case_id>/consent-withdrawal")
@page_login_required
def consent_withdrawal(case_id: str) -> ResponseReturnValue:
    """Record the withdrawal of the person's consent (teams with work on the case); the case
    page again with the error next to the date (422) or the conflict (409)."""
    eng, actor = engine(), page_actor()
    personal_data.require_person(eng, actor, case_id)
    day = request.form.get("withdrawn_on", "").strip()[:20]
    try:
        eng.personal_data.withdraw_consent(case_id, day or None, actor.username)
    except InvalidInput as err:
        message = err.errors[0]["message"] if err.errors else err.message
        return _case_page(eng, actor, case_id, 422,
                          {"value": day, "error": withdrawal_error(message)})
    except Conflict as err:
        flash(_("Not possible: %(reason)s", reason=withdrawal_error(err.message)), "error")
        return _case_page(eng, actor, case_id, 409, {"value": day})
    flash(_("The withdrawal of the consent was recorded."), "success")
    return redirect(url_for("pages.case", case_id=case_id, _anchor="privacy"))


def withdrawal_error(message: str) -> str:
    """The German text of the engine's reason a withdrawal day is refused."""
    if "after today" in message:
        return _("The day lies in the future.")
    if "before" in message:
        return _("The day lies before the consent was given (or the case was created).")
    if "date" in message:
        return _("Enter a date.")
    if "already" in message:
        return _("the consent was withdrawn already")
    return _("the case records no consent")


@bp.get("/cases/<case_id>/access-report")
@page_login_required
def access_report(case_id: str) -> ResponseReturnValue:
    """The printable access report of the case's person (Art. 15 GDPR): teams with work on
    the case; administrators 404. Logged as a read."""
    eng, actor = engine(), page_actor()
    personal_data.require_person(eng, actor, case_id)
    personal_data.log_read(eng, actor, case_id, "access_report", personal_data.PAGE)
    report = eng.personal_data.access_report(case_id)
    html = render_template("pages/access_report.html", r=report,
                           back_url=url_for("pages.case", case_id=case_id, _anchor="privacy"),
                           **privacy_helpers())
    return Response(html, mimetype="text/html", headers=NO_STORE)
