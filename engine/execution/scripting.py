"""The one script engine all diagrams run with: the sandbox plus the allowed helpers."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from engine.errors import ScriptError
from engine.execution.clock import active_now
from engine.execution.effects import CASE_HELPERS, current_land
from engine.execution.sandbox import SandboxScriptEngine
from engine.execution.tasks import end_of_working_days
from engine.law import calendar, deadlines
from engine.law.calendar import as_date
from engine.law.lands import BERLIN
from engine.law.outside_events import DEFAULT_OUTSIDE_EVENTS, OutsideEvents
from engine.law.rules import LegalRules
from engine.law.settings import RuleBook, as_rulebook


def timer_at(day: Any, hour: int = 0) -> str:
    """The ISO instant a ``timeDate`` timer needs: ``hour`` o'clock of ``day``, Berlin time."""
    local = datetime.combine(calendar.as_date(day), time(hour=int(hour)), tzinfo=BERLIN)
    return local.isoformat()


def sla_due(working_days: int) -> str:
    """The ISO instant a task created now with this SLA becomes overdue (case's Land)."""
    return end_of_working_days(active_now(), int(working_days), current_land()).isoformat()


def today() -> date:
    """The engine clock's current date in Europe/Berlin (simulated in tests and demos)."""
    return active_now().astimezone(BERLIN).date()


def rule_value(name: str, day: Any = None, *, rules: LegalRules | RuleBook) -> Any:
    """The value of one legal parameter (``rule('handover_ack_working_days')``), or the value
    in force on ``day`` (``rule('lawsuit_weeks', served_on)``); without a day: the value
    that has no date of change."""
    book = as_rulebook(rules)
    known = {f.name for f in dataclasses.fields(book.base)}
    if not isinstance(name, str) or name not in known:
        raise ScriptError(f"unknown legal rule {name!r}")
    return getattr(book.on(as_date(day, "day")) if day is not None else book.base, name)


def watcher(events: OutsideEvents) -> Callable[[str], str]:
    """``watch_due(message)``: when a wait for ``message`` that starts now is followed up
    (the message's follow-up period in working days of the case's Land). A plain closure over
    the frozen registry: nothing a script can reach to change it."""

    def watch_due(message: str) -> str:
        """The ISO instant a wait for ``message`` starting now gets its follow-up task."""
        days = events.watch_working_days(str(message))
        return end_of_working_days(active_now(), days, current_land()).isoformat()

    return watch_due


def helper_functions(rules: LegalRules | RuleBook, events: OutsideEvents = DEFAULT_OUTSIDE_EVENTS
                     ) -> dict[str, Callable[..., Any]]:
    """Deadline helpers bound to the configured legal rules, plus case and time helpers."""
    helpers: dict[str, Callable[..., Any]] = {}
    for name, func in deadlines.HELPERS.items():
        if "rules" in inspect.signature(func).parameters:
            helpers[name] = bind_rules(func, rules)
        else:
            helpers[name] = func
    helpers.update(CASE_HELPERS)
    helpers["timer_at"] = timer_at
    helpers["sla_due"] = sla_due
    helpers["watch_due"] = watcher(events)
    helpers["today"] = today
    helpers["rule"] = bind_rules(rule_value, rules)
    return helpers


def bind_rules(func: Callable[..., Any], rules: LegalRules | RuleBook) -> Callable[..., Any]:
    """``func`` with the engine's rules: a plain closure, never ``functools.partial`` (whose
    ``keywords`` a script could rewrite for every case); a script cannot pass other rules."""

    @functools.wraps(func)
    def with_rules(*args: Any, **kwargs: Any) -> Any:
        if "rules" in kwargs:
            raise ScriptError("the legal rules are the engine's: a script cannot pass its own")
        return func(*args, rules=rules, **kwargs)

    return with_rules


def make_script_engine(rules: LegalRules | RuleBook, time_limit: float = 1.0,
                       events: OutsideEvents = DEFAULT_OUTSIDE_EVENTS) -> SandboxScriptEngine:
    """Return the sandboxed script engine with the helper allow-list."""
    return SandboxScriptEngine(helpers=helper_functions(rules, events), time_limit=time_limit)
