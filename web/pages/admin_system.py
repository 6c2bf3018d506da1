"""Administration pages besides the users (issue 15, point 15); administrators only, 404 for
everyone else.

* ``GET /admin`` — the overview ("Verwaltung") linking to the pages below.
* ``GET /admin/teams`` — the team registry (``engine/law/teams.py``), read-only: key, German and
  English name, the lane names that mean the team, the team mailbox of ``TEAM_EMAILS`` (if
  configured) and how many active users belong to it.
* ``GET|POST /admin/clock`` — the engine time and mode; with the simulated clock it moves
  forward with the API's guards (admins only, forward only, at most 3660 days; due timers
  fire on the way, the page says how many). With the system clock the page does not exist
  (404) and the overview does not link it.
* ``GET /admin/health`` — database state (the readiness probe of ``/health/ready``), the
  scheduler's heartbeat per worker and job, timers due now and overdue, the last reminder run
  and the deployed processes (the data of ``/health``).

No page shows a person's data (they show only keys, counts, times and usernames).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from adapters import team_emails
from engine import BERLIN, TEAMS, NotFound
from web.api.durations import MAX_DURATION
from web.auth import page_login_required
from web.authz import can_advance_clock
from web.pages.admin_users import admin_username
from web.pages.common import bp, engine, page_actor

log = logging.getLogger("staffel.pages")
UNITS = {"hours": timedelta(hours=1), "days": timedelta(days=1), "weeks": timedelta(weeks=1)}
DAY_START = time(0, 0)  # "to a day": the beginning of that day in Berlin


@bp.app_template_global("clock_is_simulated")
def clock_is_simulated() -> bool:
    """For the menu and the overview: is the simulated clock configured."""
    try:
        return engine().clock.mode() == "simulated"
    except Exception:  # a page must never break on the menu
        return False


@bp.get("/admin")
@page_login_required
def admin_overview() -> ResponseReturnValue:
    """Links to the administration pages."""
    admin_username()
    return render_template("admin/index.html", simulated=clock_is_simulated())


def _mailboxes() -> dict[str, str]:
    try:
        return team_emails(current_app.config.get("TEAM_EMAILS"))
    except ValueError:
        log.warning("TEAM_EMAILS is not valid; the team page shows no mailboxes")
        return {}


@bp.get("/admin/teams")
@page_login_required
def admin_teams() -> ResponseReturnValue:
    """The team registry, read-only."""
    admin_username()
    members: dict[str, int] = {}
    for user in engine().people.overview():
        for team in user.teams if user.active else ():
            members[team] = members.get(team, 0) + 1
    return render_template("admin/teams.html", teams=TEAMS, mailboxes=_mailboxes(),
                           members=members)


def _clock_admin() -> str:
    """The administrator; 404 when the clock is not simulated (the page does not exist)."""
    username = admin_username()
    if not clock_is_simulated():
        raise NotFound("the system clock cannot be moved")
    return username


def _clock_page(values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                status: int = 200) -> ResponseReturnValue:
    clock = engine().clock
    return render_template("admin/clock.html", now=clock.now(), mode=clock.mode(),
                           next_due=engine().timers.next_due(),
                           values=values or {"amount": "", "unit": "days", "to": ""},
                           errors=errors or {}, units=UNITS), status


@bp.get("/admin/clock")
@page_login_required
def admin_clock() -> ResponseReturnValue:
    """The engine time and the form to move it."""
    _clock_admin()
    return _clock_page()


def _target(values: dict[str, str], now: datetime) -> tuple[datetime | None, dict[str, str]]:
    """The time to move to, from either an amount of a unit or a day; field errors."""
    if values["to"]:
        try:
            day = datetime.strptime(values["to"], "%Y-%m-%d").date()
        except ValueError:
            return None, {"to": _("Enter a date such as 2027-05-03.")}
        target = datetime.combine(day, DAY_START, tzinfo=BERLIN)
        field = "to"
    else:
        field = "amount"
        try:
            amount = int(values["amount"])
        except ValueError:
            return None, {"amount": _("Enter a whole number, or choose a day.")}
        if amount <= 0:
            return None, {"amount": _("Enter a number greater than 0: the clock only moves "
                                      "forward.")}
        if amount > MAX_DURATION.days * 24:
            return None, {"amount": _("At most 3660 days at once.")}
        target = now + amount * UNITS.get(values["unit"], UNITS["days"])
    if target <= now:
        return None, {field: _("The day lies before the engine time: the clock only moves "
                               "forward.")}
    if target - now > MAX_DURATION:
        return None, {field: _("At most 3660 days at once.")}
    return target, {}


@bp.post("/admin/clock")
@page_login_required
def admin_clock_advance() -> ResponseReturnValue:
    """Move the simulated clock forward, firing due timers on the way."""
    username = _clock_admin()
    if not can_advance_clock(page_actor()):  # the API's rule (admins only), said once more
        raise NotFound("no such page")
    values = {"amount": request.form.get("amount", "")[:12].strip(),
              "unit": request.form.get("unit", "days")[:10],
              "to": request.form.get("to", "")[:20].strip()}
    target, errors = _target(values, engine().clock.now())
    if target is None:
        return _clock_page(values, errors, 422)
    moved_to, fired = engine().clock.advance(to=target, actor=username)
    log.info("clock advanced to %s by %s on the page; %d timer(s) fired",
             moved_to.isoformat(), username, fired)
    flash(ngettext("The engine time is now %(time)s; %(num)d timer fired on the way.",
                   "The engine time is now %(time)s; %(num)d timers fired on the way.", fired,
                   time=moved_to.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")), "success")
    return redirect(url_for("pages.admin_clock"))


@bp.get("/admin/health")
@page_login_required
def admin_health() -> ResponseReturnValue:
    """Database, scheduler heartbeat, timers, reminders, deployed processes."""
    admin_username()
    eng = engine()
    state = eng.database_state(1.0)
    report: Any = None
    latest: dict[str, int] = {}
    if state.reachable:
        report = eng.health.report()
        for version in eng.definitions.versions():
            latest.setdefault(version.key, version.version)
    return render_template("admin/health.html", state=state, report=report,
                           processes=sorted(latest.items()),
                           reminders_configured=eng.scheduler_hooks().send_reminders
                           is not None)
