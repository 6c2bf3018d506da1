"""Server-rendered pages (Jinja + htmx): sign-in, inbox, task form, case view, and the vendor
files from ``node_modules``.

Routes (blueprint ``pages`` unless noted):

* ``GET|POST /login``, ``POST /logout``, ``POST /language`` (DE/EN in the session)
* ``GET /`` and ``GET /inbox`` (filters: ``type``, ``stage``, ``overdue``, ``case``, ``scope``,
  ``due_from``, ``due_to``, ``assignee``, ``sort``, ``desc``, ``page``);
  ``POST /tasks/<id>/claim``, ``POST /tasks/<id>/unclaim``, ``POST /inbox/assign``;
  ``POST /inbox/filters``, ``POST /inbox/filters/<id>/delete`` (saved filters)
* ``GET|POST /tasks/<id>`` (the task form; POST completes)
* ``GET /cases/<id>`` and ``GET /cases/<id>/process.bpmn``;
  ``GET|POST /cases/<id>/events/<message>`` (record an outside event by hand)
* ``GET /handovers/<id>/package`` (printable), ``GET /handovers/<id>/appointment.ics``,
  ``GET /dashboard/statistics.csv``
* ``GET|POST /imports``, ``GET /imports/<id>`` (+ ``/original``, ``/report.csv|json``),
  ``GET /imports/clarifications``, ``POST /imports/clarifications/<id>/resolve|discard``
* ``GET|POST /cases/<id>/erasure`` (erasure request), ``GET /admin/erasure``,
  ``POST /admin/erasure/<id>/approve|reject`` (four eyes; :mod:`web.pages.erasure`)
* ``GET /admin``, ``/admin/users`` (+ ``/new``, ``/<username>`` and its POSTs), ``/admin/teams``,
  ``GET|POST /admin/clock`` (simulated clock only), ``GET /admin/health``;
  ``GET|POST /password/<token>`` (one-time link, no sign-in; :mod:`web.pages.admin_users`)
* ``GET /static/vendor/<path>`` (blueprint ``vendor``; allow-listed ``node_modules`` files)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from flask_babel import format_date

from web.i18n import init_i18n
from web.pages import labels


def _isodate(value: Any) -> str:
    """Format an ISO date string (as stored in person data) in the page language."""
    if not value:
        return "–"
    try:
        return str(format_date(date.fromisoformat(str(value)), "medium"))
    except ValueError:
        return str(value)


def register_pages(app: Flask) -> None:
    """Install languages, page blueprints, error pages and template helpers on ``app``."""
    import web.pages.editor_drafts  # views register on bp
    import web.pages.editor_migrate  # noqa: F401
    from web.auth import session_actor
    from web.pages import (  # noqa: F401 - views register on bp
        admin_system,
        admin_users,
        case,
        case_events,
        cases,
        dashboard,
        decisions,
        editor,
        editor_testrun,
        editor_upload,
        erasure,
        handover,
        imports,
        imports_clarify,
        inbox,
        inbox_filters,
        login,
        password_reset,
        rules_page,
        task,
    )
    from web.pages.common import bp, register_app_error_pages
    from web.pages.vendor import bp as vendor_bp

    init_i18n(app)
    app.register_blueprint(bp)
    app.register_blueprint(vendor_bp)
    register_app_error_pages(app)
    app.jinja_env.globals.update(
        stage_name=labels.stage_name, team_name=labels.team_name, due_day=labels.due_day,
        berlin=labels.berlin, benefit_name=labels.benefit_name, court_label=labels.court_label,
        deadline_name=labels.deadline_name, action_name=labels.action_name,
        handover_state=labels.handover_state, shared_data_names=labels.shared_data_names)
    app.jinja_env.filters["isodate"] = _isodate

    @app.context_processor
    def _page_context() -> dict[str, Any]:
        from web.pages.common import engine

        try:
            now = engine().clock.now()
        except Exception:  # the footer must never break a page
            now = None
        return {"actor": session_actor(), "engine_now": now}
