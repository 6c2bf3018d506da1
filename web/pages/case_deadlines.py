"""The deadline table of the case view (issue 15, point 6): upcoming dates first, then the
passed ones, each with how far away it is in words, and a warning where a date passed but the
step it triggers did not happen (:func:`engine.missed_steps`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from engine import CaseInfo, DeadlineInfo, MissedStep, missed_steps
from web.pages.labels import deadline_name


@dataclass(frozen=True)
class DeadlineRow:
    """One line of the table."""

    info: DeadlineInfo
    name: str
    when: str  # "today", "in 3 days", "5 days ago" in the page language
    passed: bool
    warning: str | None


def _when(day: date, today: date) -> str:
    days = (day - today).days
    if days == 0:
        return _("today")
    if days > 0:
        return ngettext("in %(num)d day", "in %(num)d days", days)
    return ngettext("%(num)d day ago", "%(num)d days ago", -days)


def missed_text(step: MissedStep) -> str:
    """The warning of a missed step in the page language."""
    what = {
        "benefits_still_asylblg": _("the benefits are still paid under the AsylbLG (the "
                                    "transfer to SGB II has not happened)"),
        "sgb2_application_missing": _("the SGB II application has not arrived yet"),
        "ip_still_responsible": _("the case is still at the Integration Point (stage S5)"),
    }.get(step.key, step.key)
    return _("%(deadline)s (%(date)s) has passed, but %(what)s.",
             deadline=deadline_name(step.deadline), date=format_date(step.day, "medium"),
             what=what)


def deadline_rows(case: CaseInfo, today: date) -> tuple[list[DeadlineRow], list[DeadlineRow],
                                                        list[str]]:
    """(upcoming rows soonest first, passed rows latest first, warnings) of a case on
    ``today`` (the engine's Berlin day)."""
    missed = missed_steps(case, today)
    warn = {step.deadline: missed_text(step) for step in missed}
    rows = [DeadlineRow(d, deadline_name(d.key), _when(d.date, today), d.date < today,
                        warn.get(d.key)) for d in case.deadlines.values()]
    upcoming = sorted((r for r in rows if not r.passed), key=lambda r: r.info.date)
    passed = sorted((r for r in rows if r.passed), key=lambda r: r.info.date, reverse=True)
    return upcoming, passed, [missed_text(step) for step in missed]
