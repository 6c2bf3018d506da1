"""The supervisor dashboard (``/dashboard``) and the lists behind its numbers.

* ``GET /dashboard`` — overdue work by team and task type with age buckets, the 12-week
  overdue trend, handovers waiting, legal deadlines of the next 14 days, cases per stage, new
  and closed cases per week, and a heatmap on the BPMN diagram (``?team=``, ``?process=``).
* ``GET /dashboard/overdue`` — the overdue tasks behind a number (``team``, ``task``,
  ``bucket``, ``min_days``) with the inbox's bulk reassignment (``POST /inbox/assign``).
* ``GET /dashboard/overdue.csv`` — the same list as CSV, without personal data, in the page's
  language (:mod:`adapters.csv_export`: ``;``, UTF-8 with BOM, German headers, team names and
  dates ``TT.MM.JJJJ``; English when English was chosen).
* ``GET /dashboard/cases`` — the cases behind a stage or weekly count (``stage`` or ``week`` +
  ``kind=new|closed``).
* ``GET /dashboard/waits`` — the cases behind a count of the panel "waiting for messages from
  outside" (``message``, ``bucket`` of working days waited, ``overdue=1``: follow-up late);
  case numbers only, no names.
* ``GET /dashboard/process/<key>.bpmn`` — the newest diagram of a process, for the heatmap.

Supervisors see their teams, admins all (:func:`web.api.supervisor.supervisor_scope`); other
roles get the 403 page. Charts are drawn by ``static/js/dashboard.js`` (Chart.js) and
``static/js/heatmap.js`` (bpmn-js) from JSON in the page; every chart has a table of its data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _

from adapters.csv_export import Column, csv_bytes, header, team_label
from engine import (
    BUCKETS,
    TEAM_KEYS,
    WAIT_BUCKETS,
    DashboardSummary,
    NotFound,
    OverdueTask,
    berlin_day,
)
from web.api.supervisor import supervisor_scope
from web.auth import Actor, page_login_required
from web.csv_download import csv_download, page_csv_language
from web.i18n import current_language
from web.pages.common import bp, engine, page_actor
from web.pages.dashboard_heat import HeatMap
from web.pages.inbox import assignable_users
from web.pages.labels import STAGES, message_label, team_name

OVERDUE_COLUMNS: tuple[Column, ...] = (
    ("Fallnummer", "case_number"), ("Team", "team"), ("Aufgabe", "task"),
    ("Fällig am", "due_on"), ("Tage überfällig", "days_overdue"))
OVERDUE_FILTERS = ("team", "process", "task", "bucket", "min_days")  # in the order links show them


def _team_arg(args: Any) -> str | None:
    team = args.get("team", "")
    return team if team in TEAM_KEYS else None


def _int_arg(args: Any, name: str, default: int, high: int = 10_000) -> int:
    try:
        return max(1, min(int(args.get(name, default)), high))
    except ValueError:
        return default


def deadline_label(key: str) -> str:
    """The name of a watched legal deadline."""
    names = {"lawsuit_deadline": _("Lawsuit deadline (§74 AsylG)"),
             "sgb2_application_deadline": _("SGB II application due"),
             "permit_renewal_reminder": _("Permit renewal reminder (§81(4) AufenthG)")}
    return names.get(key, key.replace("_", " "))


def bucket_label(bucket: str) -> str:
    """An age bucket in words."""
    return _("more than 10 days") if bucket == ">10" else _("%(range)s days", range=bucket)


def wait_bucket_label(bucket: str) -> str:
    """An age bucket of waits in words (working days)."""
    if bucket == WAIT_BUCKETS[-1]:
        return _("more than 30 working days")
    return _("%(range)s working days", range=bucket.replace("-", "–"))


def waits_url(**params: Any) -> str:
    """The list of cases behind a count of the waits panel."""
    values = [(k, params[k]) for k in ("team", "message", "bucket", "overdue")
              if params.get(k) not in (None, "", False)]
    return url_for("pages.dashboard_waits") + ("?" + urlencode(values) if values else "")


def week_label(monday: date) -> str:
    """A short label of a week for chart axes (its Monday, e.g. ``08.03.``)."""
    pattern = "dd.MM." if current_language() == "de" else "MMM d"
    return str(format_date(monday, pattern))


def heat_entries(heat: HeatMap, process: str | None, team: str | None) -> list[dict[str, Any]]:
    """The badges of the shown diagram with their links: a user task opens the inbox of that
    task (its overdue number the overdue list), a call activity the called process's map."""
    if process is None:
        return []
    rows = []
    for e in heat.entries(process):
        if e.called:
            query = {"process": e.called, **({"team": team} if team else {})}
            href = url_for("pages.dashboard") + "?" + urlencode(query) + "#h-heatmap"
            rows.append({"id": e.element_id, "open": e.open, "overdue": e.overdue,
                         "title": e.title, "href": href, "overdueHref": href, "call": True})
        else:
            rows.append({"id": e.element_id, "open": e.open, "overdue": e.overdue,
                         "title": e.title, "href": inbox_url(type=e.element_id),
                         "overdueHref": overdue_url(process=process, task=e.element_id,
                                                    team=team), "call": False})
    return sorted(rows, key=lambda r: (-r["overdue"], -r["open"], r["title"]))


def chart_data(summary: DashboardSummary, heat: list[dict[str, Any]]) -> dict[str, Any]:
    """What the charts and the heatmap draw (the page also shows all of it as tables)."""
    return {
        "buckets": list(BUCKETS),
        "bucketLabels": [bucket_label(b) for b in BUCKETS],
        "byTeam": [{"label": team_name(g.key), "counts": [g.counts[b] for b in BUCKETS]}
                   for g in summary.by_team],
        "trend": {"labels": [week_label(w.week_start) for w in summary.trend],
                  "values": [w.overdue for w in summary.trend]},
        "stages": {"labels": [s.stage for s in summary.stages],
                   "values": [s.count for s in summary.stages]},
        "weeks": {"labels": [week_label(w.week_start) for w in summary.weeks],
                  "new": [w.new for w in summary.weeks],
                  "closed": [w.closed for w in summary.weeks]},
        "heat": heat,
        "text": {"overdue": _("Overdue tasks"), "open": _("open"), "late": _("overdue"),
                 "inside": _("in the called process, click to open it"),
                 "new": _("New cases"), "closed": _("Closed cases"),
                 "cases": _("Open cases"), "diagramError": _("The diagram cannot be shown; "
                                                             "the table below has the numbers.")},
    }


def inbox_url(**params: Any) -> str:
    """The inbox filtered like a dashboard number (all of the supervisor's teams)."""
    values = {"scope": "team", **{k: v for k, v in params.items() if v not in (None, "")}}
    return url_for("pages.inbox") + "?" + urlencode(values)


def overdue_url(**params: Any) -> str:
    """The dashboard's overdue list with these filters."""
    values = [(k, params[k]) for k in OVERDUE_FILTERS
              if params.get(k) not in (None, "") and not (k == "min_days" and params[k] == 1)]
    return url_for("pages.dashboard_overdue") + ("?" + urlencode(values) if values else "")


@bp.get("/dashboard")
@page_login_required
def dashboard() -> ResponseReturnValue:
    """The dashboard of the supervisor's teams (or of one of them: ``?team=``)."""
    actor = page_actor()
    team = _team_arg(request.args)
    teams = supervisor_scope(actor, team)
    eng = engine()
    summary = eng.supervision.summary(teams)
    heat_map = HeatMap(eng, summary.heatmap)
    process = heat_map.default_process(request.args.get("process"))
    processes = sorted(((k, name) for k, name, _n in heat_map.processes()),
                       key=lambda pair: pair[1].casefold())
    heat = heat_entries(heat_map, process, team)
    return render_template(
        "dashboard/dashboard.html", s=summary, team=team, my_teams=_my_teams(actor),
        process=process, processes=processes, heat=heat, data=chart_data(summary, heat),
        buckets=BUCKETS, bucket_label=bucket_label, deadline_label=deadline_label,
        inbox_url=inbox_url, overdue_url=overdue_url, stages=STAGES,
        open_cases=sum(s.count for s in summary.stages), wait_buckets=WAIT_BUCKETS,
        wait_bucket_label=wait_bucket_label, waits_url=waits_url, message_label=message_label,
        waiting_total=sum(g.total for g in summary.waits))


def _my_teams(actor: Actor) -> list[str]:
    teams = supervisor_scope(actor)
    return sorted(TEAM_KEYS if teams is None else teams)


def _overdue_filters() -> dict[str, Any]:
    args = request.args
    bucket = args.get("bucket", "")
    process, task = args.get("process", ""), args.get("task", "")
    if ":" in args.get("type", ""):  # the form's task type select: "process:element"
        process, _sep, task = args["type"].partition(":")
    return {"team": _team_arg(args), "task": task[:200].strip() or None,
            "process": process[:200].strip() or None,
            "bucket": bucket if bucket in BUCKETS else None,
            "min_days": _int_arg(args, "min_days", 1)}


def _overdue_items(actor: Actor, f: dict[str, Any]) -> list[OverdueTask]:
    teams = supervisor_scope(actor, f["team"])
    return engine().supervision.overdue_tasks(teams, element_id=f["task"], process_key=f["process"],
                                  bucket=f["bucket"], min_days=f["min_days"])


@bp.get("/dashboard/overdue")
@page_login_required
def dashboard_overdue() -> ResponseReturnValue:
    """The overdue tasks behind a dashboard number, with bulk reassignment."""
    actor = page_actor()
    f = _overdue_filters()
    items = _overdue_items(actor, f)
    task_types = sorted({(f"{t.process_key}:{t.element_id}", t.title) for t in
                         _overdue_items(actor, {**f, "task": None, "process": None,
                                                "bucket": None})},
                        key=lambda pair: (pair[1].casefold(), pair[0]))
    return render_template(
        "dashboard/overdue.html", items=items, f=f, my_teams=_my_teams(actor),
        task_types=task_types, chosen_type=f"{f['process']}:{f['task']}" if f["task"] else "",
        buckets=BUCKETS, bucket_label=bucket_label,
        can_assign=actor.has_role("supervisor"), users=assignable_users(engine(), actor),
        here=overdue_url(**f), csv_url=url_for("pages.dashboard_overdue_csv", **{
            k: v for k, v in f.items() if v not in (None, 1)}))


def overdue_csv(items: list[OverdueTask], lang: str) -> bytes:
    """The overdue list as CSV in ``lang``: case number, team, task, due date, days overdue
    only (no assignee, no name)."""
    rows: list[Sequence[object]] = [header(OVERDUE_COLUMNS, lang)]
    rows += [[t.case_number, team_label(t.team, lang), t.title, t.due_on, t.days_overdue]
             for t in items]
    return csv_bytes(rows, lang)


@bp.get("/dashboard/overdue.csv")
@page_login_required
def dashboard_overdue_csv() -> ResponseReturnValue:
    """Download the overdue list (no personal data: not even assignees)."""
    items = _overdue_items(page_actor(), _overdue_filters())
    lang = page_csv_language()
    name = f"overdue-{berlin_day(engine().clock.now()).isoformat()}.csv"
    return csv_download(overdue_csv(items, lang), name, lang)


@bp.get("/dashboard/cases")
@page_login_required
def dashboard_cases() -> ResponseReturnValue:
    """The cases behind a stage count or a weekly count."""
    actor = page_actor()
    teams = supervisor_scope(actor, _team_arg(request.args))
    wanted = request.args.get("stage", "")
    stage = wanted if wanted in STAGES else None
    kind = "closed" if request.args.get("kind") == "closed" else "new"
    try:
        week = date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        week = None
    if stage is None and week is None:
        raise NotFound("choose a stage or a week")
    rows = engine().supervision.cases(teams, stage=stage, week=week, kind=kind)
    return render_template("dashboard/cases.html", rows=rows, stage=stage, week=week,
                           kind=kind)


@bp.get("/dashboard/waits")
@page_login_required
def dashboard_waits() -> ResponseReturnValue:
    """The cases waiting for messages from outside behind a number of the panel."""
    args = request.args
    team = _team_arg(args)
    teams = supervisor_scope(page_actor(), team)
    message = args.get("message", "")[:100].strip() or None
    bucket = args.get("bucket") if args.get("bucket") in WAIT_BUCKETS else None
    overdue = args.get("overdue") == "1"
    items = engine().supervision.waits(teams, message=message, bucket=bucket,
                                       follow_up_overdue=overdue)
    return render_template("dashboard/waits.html", items=items, team=team, message=message,
                           bucket=bucket, overdue=overdue, message_label=message_label,
                           wait_bucket_label=wait_bucket_label)


@bp.get("/dashboard/process/<key>.bpmn")
@page_login_required
def dashboard_process(key: str) -> ResponseReturnValue:
    """The newest deployed diagram of a process (for the heatmap)."""
    supervisor_scope(page_actor())
    versions = engine().definitions.versions(key)
    if not versions:
        raise NotFound("no such process")
    xml = engine().definitions.xml(key, versions[0].version)
    return Response(xml, mimetype="application/xml",
                    headers={"Cache-Control": "private, max-age=300",
                             "X-Content-Type-Options": "nosniff"})
