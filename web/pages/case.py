"""The case view: person (as far as the viewer may see it), stage timeline, the diagram with the
open tasks highlighted, deadlines, handovers and the audit trail.

Which process version a case runs comes from its ``instance_started`` audit event, so the
diagram is always the one the case was started with, even after newer deployments.
"""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import AuditEntry, CaseInfo, NotFound, Staffel
from web import authz
from web.auth import Actor, page_login_required
from web.pages.case_events import recordable
from web.pages.common import bp, engine, page_actor
from web.pages.diagrams import case_diagrams, diagram_version
from web.pages.labels import message_label, timeline

AUDIT_LIMIT = 500
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
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}: {shown}")
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
    info = eng.cases.get(case_id)
    events = eng.audit.events(case_id, limit=AUDIT_LIMIT)
    process = case_process(events)
    diagrams = (case_diagrams(eng, *process, info.open_tasks, case_id=case_id)
                if process else [])
    return render_template(
        "pages/case.html", case=info, actor=actor,
        can_view_task=lambda t: authz.can_view_task(actor, t),
        can_fetch_handover=lambda h: authz.can_fetch_handover(actor, h.from_team, h.to_team),
        show_person=authz.may_see_person(eng, actor, case_id),
        steps=timeline(info.stage, visited_stages(info, events)), process=process,
        diagrams=diagrams, recordable=recordable(eng, actor, case_id),
        events=events, detail_text=detail_text, audit_limit=AUDIT_LIMIT,
        deadlines=sorted(info.deadlines.values(), key=lambda d: d.date))


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
