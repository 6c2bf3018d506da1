"""The inbox: my tasks and my teams' unassigned ones, soonest due first, with filters, pages,
claim / give back, and (supervisors) reassignment of one or several tasks at once.

Every action is a plain form post that redirects back to the inbox with its filters; htmx
sends the same forms and swaps only the result list (the redirect is followed by the browser
and answered with the fragment, because the request still carries ``HX-Request``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from engine import (
    TASK_SORTS,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Staffel,
    TaskQuery,
    due_window,
)
from web import authz
from web.auth import Actor, page_login_required
from web.pages.common import bp, engine, is_htmx, page_actor, safe_next
from web.pages.labels import STAGES

PER_PAGE = 20
SCOPES = ("open", "mine", "team")  # mine+unassigned, only mine, everything of my teams
NOBODY = "-"  # the assignee filter's value for "nobody holds it"


@dataclass(frozen=True)
class Filters:
    """The inbox filters, read from the query string."""

    task_type: str = ""
    stage: str = ""
    overdue: bool = False
    case_number: str = ""
    scope: str = "open"
    due_from: date | None = None
    due_to: date | None = None
    assignee: str = ""  # a username, NOBODY, or "" for anyone
    sort: str = "due"
    descending: bool = False
    page: int = 1
    #: (field, message) of values that could not be used (shown next to the filters)
    problems: tuple[tuple[str, str], ...] = ()

    def params(self, **changes: Any) -> dict[str, Any]:
        """The filters as query parameters (empty ones left out), with ``changes`` applied."""
        values = {"type": self.task_type, "stage": self.stage,
                  "overdue": "1" if self.overdue else "", "case": self.case_number,
                  "scope": self.scope,
                  "due_from": self.due_from.isoformat() if self.due_from else "",
                  "due_to": self.due_to.isoformat() if self.due_to else "",
                  "assignee": self.assignee, "sort": self.sort,
                  "desc": "1" if self.descending else "", "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items()
                if v not in ("", None) and not (k == "page" and v == 1)
                and not (k == "sort" and v == "due")}

    def sort_url(self, key: str) -> str:
        """The address that sorts by ``key`` (again: the other way round), from page 1."""
        turn = self.sort == key and not self.descending
        return self.url(sort=key, desc="1" if turn else "", page=1)

    def aria_sort(self, key: str) -> str:
        """``aria-sort`` of a column header."""
        if self.sort != key:
            return "none"
        return "descending" if self.descending else "ascending"

    def url(self, **changes: Any) -> str:
        """The inbox address with these filters."""
        query = urlencode(self.params(**changes))
        return url_for("pages.inbox") + (f"?{query}" if query else "")


def _day(args: Any, key: str, problems: list[tuple[str, str]]) -> date | None:
    raw = args.get(key, "").strip()[:20]
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append((key, _("“%(value)s” is not a date: enter it as DD.MM.YYYY.",
                                value=raw)))
        return None


def read_filters(args: Any, actor: Actor) -> Filters:
    """Parse the filters of a request; unknown values fall back to the defaults, dates that
    cannot be used are left out and named in ``problems``."""
    default_scope = "team" if actor.has_role("supervisor") else "open"
    scope = args.get("scope", default_scope)
    try:
        page = max(1, min(int(args.get("page", 1)), 10_000))
    except ValueError:
        page = 1
    stage = args.get("stage", "")
    sort = args.get("sort", "due")
    problems: list[tuple[str, str]] = []
    due_from, due_to = _day(args, "due_from", problems), _day(args, "due_to", problems)
    if due_from and due_to and due_to < due_from:
        problems.append(("due_to", _("The end of the due range lies before its start.")))
        due_to = None
    return Filters(task_type=args.get("type", "")[:200].strip(),
                   stage=stage if stage in STAGES else "",
                   overdue=args.get("overdue") in ("1", "on", "true"),
                   case_number=args.get("case", "")[:40].strip().upper(),
                   scope=scope if scope in SCOPES else default_scope,
                   due_from=due_from, due_to=due_to,
                   assignee=args.get("assignee", "")[:100].strip(),
                   sort=sort if sort in TASK_SORTS else "due",
                   descending=args.get("desc") in ("1", "true"), page=page,
                   problems=tuple(problems))


def inbox_query(actor: Actor, f: Filters) -> TaskQuery:
    """The engine query of the inbox: authz's team scope plus the page's filters."""
    base = authz.task_query(actor, scope="mine" if f.scope == "mine" else "team",
                            overdue=True if f.overdue else None, page=f.page,
                            per_page=PER_PAGE)
    due_from, due_before = due_window(f.due_from, f.due_to)
    return replace(
        base, name=f.task_type or None, stage=f.stage or None,
        case_number=f.case_number or None,
        unassigned_or_assignee=actor.username if f.scope == "open" else None,
        assignee=base.assignee or (f.assignee if f.assignee not in ("", NOBODY) else None),
        unassigned=f.assignee == NOBODY,
        due_from=due_from, due_before=due_before,
        sort=f.sort, descending=f.descending)


def _user_tasks(eng: Staffel, key: str, version: int,
                teams: frozenset[str] | None) -> tuple[tuple[str, str], ...]:
    """(id, name) of the user tasks of one deployed version that can land in ``teams``
    (the engine caches outlines)."""
    try:
        return eng.definitions.outline(key, version).user_tasks_of(teams)
    except NotFound:
        return ()


def task_types(eng: Staffel, teams: frozenset[str] | None) -> list[tuple[str, str]]:
    """(element id, name) of the user tasks of the newest version of every process that can
    land in one of ``teams`` (None: every team, for administrators)."""
    seen: dict[str, str] = {}
    newest: dict[str, int] = {}
    for v in eng.definitions.versions():
        newest.setdefault(v.key, v.version)
    for key, version in sorted(newest.items()):
        for element_id, name in _user_tasks(eng, key, version, teams):
            seen.setdefault(element_id, name)
    return sorted(seen.items(), key=lambda item: item[1].casefold())


def colleagues(eng: Staffel, actor: Actor) -> list[tuple[str, list[str]]]:
    """(team, usernames) of the active members of the actor's teams: whom the assignee
    filter offers (administrators: every team)."""
    teams = authz.visible_teams(actor)
    names = sorted(teams) if teams is not None else sorted({t for u in eng.people.list()
                                                            for t in u.teams})
    return [(team, [u.username for u in eng.people.list(team) if u.active]) for team in names]


def assignable_users(eng: Staffel, actor: Actor) -> list[tuple[str, list[str]]]:
    """For a supervisor: (team, usernames) of every team he leads; else nothing."""
    if not actor.has_role("supervisor"):
        return []
    return [(team, [u.username for u in eng.people.list(team) if u.active])
            for team in sorted(actor.teams)]


@bp.get("/")
@bp.get("/inbox")
@page_login_required
def inbox() -> ResponseReturnValue:
    """The inbox page (or only its result list for htmx). A process owner (the one role
    without work on cases) has no inbox: he lands on the list of his diagrams."""
    actor = page_actor()
    if not authz.can_see_work(actor):
        return redirect(url_for("pages.editor_list"))
    f = read_filters(request.args, actor)
    eng = engine()
    page = eng.tasks.list(inbox_query(actor, f))
    pages = max(1, -(-page.total // PER_PAGE))
    if f.page > pages:  # past the end (the list got shorter): show the last page
        f = replace(f, page=pages)
        page = eng.tasks.list(inbox_query(actor, f))
    context = {"filters": f, "page": page, "pages": pages, "actor": actor,
               "can_assign": actor.has_role("supervisor"),
               "can_act": lambda t: authz.can_act_on_task(actor, t),
               "may_assign": lambda t: authz.can_assign(actor, t),
               "users": assignable_users(eng, actor)}
    if is_htmx() and request.headers.get("HX-Target") == "inbox-results":
        html = render_template("pages/_inbox_results.html", **context)
    else:
        types = task_types(eng, authz.visible_teams(actor))
        html = render_template("pages/inbox.html", task_types=types, stages=STAGES,
                               colleagues=colleagues(eng, actor), nobody=NOBODY,
                               saved=eng.saved_filters.list(actor.username), **context)
    # the same address answers a whole page or a fragment: caches must tell them apart
    return html, 200, {"Vary": "HX-Request, HX-Target"}


def _back() -> ResponseReturnValue:
    return redirect(safe_next(request.form.get("next"), url_for("pages.inbox")))


@bp.post("/tasks/<task_id>/claim")
@page_login_required
def claim(task_id: str) -> ResponseReturnValue:
    """Take a task of one's team."""
    actor = page_actor()
    task = authz.authorize_task(engine(), actor, task_id, "claim")
    try:
        engine().tasks.claim(task_id, actor.username)
        flash(_("You took the task “%(title)s” (case %(case)s).", title=task.title,
                case=task.case_number), "success")
    except Conflict:
        flash(_("Someone else took the task “%(title)s” first.", title=task.title), "error")
    return _back()


@bp.post("/tasks/<task_id>/unclaim")
@page_login_required
def unclaim(task_id: str) -> ResponseReturnValue:
    """Give a task back to the team."""
    actor = page_actor()
    task = authz.authorize_task(engine(), actor, task_id, "unclaim")
    try:
        engine().tasks.unclaim(task_id, actor.username)
        flash(_("You gave the task “%(title)s” back to the team.", title=task.title),
              "success")
    except Conflict:
        flash(_("The task “%(title)s” is already done.", title=task.title), "error")
    return _back()


def _assign_failure(err: Exception, username: str) -> str:
    if isinstance(err, InvalidInput):
        return _("%(user)s is not a member of the task's team", user=username)
    if isinstance(err, Conflict):
        return _("the task is already done")
    if isinstance(err, Forbidden):
        return _("you do not lead the task's team")
    return _("the task does not exist")


@bp.post("/inbox/assign")
@page_login_required
def assign() -> ResponseReturnValue:
    """Supervisors: assign one or several tasks (check boxes) to a member of the team."""
    actor = page_actor()
    eng = engine()
    username = request.form.get("assignee", "").strip()
    ids = list(dict.fromkeys(request.form.getlist("task_ids")))[:PER_PAGE * 5]
    if not actor.has_role("supervisor"):
        raise Forbidden("only supervisors assign tasks")
    if not ids or not username:
        flash(_("Select at least one task and a person."), "error")
        return _back()
    done, failed = 0, []
    for task_id in ids:
        try:
            task = authz.authorize_task(eng, actor, task_id, "assign")
            authz.require_assignable(eng, task, username)
            eng.tasks.assign(task_id, username, actor.username)
            done += 1
        except (NotFound, Forbidden, Conflict, InvalidInput) as err:
            failed.append(_assign_failure(err, username))
    if done:
        flash(ngettext("%(num)d task assigned to %(user)s.",
                       "%(num)d tasks assigned to %(user)s.", done, user=username), "success")
    if failed:
        flash(ngettext("%(num)d task could not be assigned: %(why)s",
                       "%(num)d tasks could not be assigned: %(why)s", len(failed),
                       why="; ".join(sorted(set(failed)))), "error")
    return _back()
