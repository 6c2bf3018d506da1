"""Moving running cases to a newer version of a process, from the page.

* ``GET /editor/<key>/migrate`` (``?from=a&to=b``) — choose the versions; with both given, the
  dry run: per running case its number, where it stands, whether it can move and why not, with
  a checkbox (every movable case preselected).
* ``POST /editor/<key>/migrate`` — form ``csrf_token``, ``from``, ``to``, ``case`` (repeated):
  moves the chosen cases (each in a transaction of its own, audit ``instance_migrated``) and
  shows the result per case. Cases that cannot move stay untouched and are listed with why.

Process owners and admins only (403 page otherwise); bad input is answered with the page and
a 422, nothing changed.
"""

from __future__ import annotations

import re
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import InvalidInput, NotFound
from web.auth import page_login_required
from web.pages.common import bp, engine
from web.pages.editor import _int, _owner

MAX_CASES = 5000
_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^waiting element (?P<el>\S+) does not exist in version (?P<v>\d+)$"),
     "The case waits at %(el)s, which does not exist in version %(v)s."),
    (re.compile(r"^passed element (?P<el>\S+) does not exist in version (?P<v>\d+)$"),
     "The case passed %(el)s, which does not exist in version %(v)s."),
    (re.compile(r"^(?:waiting|passed) element (?P<el>\S+) is a (?P<new>\w+) in version "
                r"(?P<v>\d+), not a (?P<old>\w+)$"),
     "%(el)s is a %(new)s in version %(v)s, no longer a %(old)s."),
    (re.compile(r"^the running called process (?P<el>\S+) is not part of version (?P<v>\d+)$"),
     "The called process %(el)s is running but is not part of version %(v)s."),
    (re.compile(r"^the called process (?P<el>\S+) changed and is already running$"),
     "The called process %(el)s changed and is already running."),
    (re.compile(r"^the case has no running instance of this version$"),
     "The case does not run on this version."),
]


def reason_text(reason: str) -> str:
    """A reason of the engine's migration check in the page language."""
    for pattern, template in _REASONS:
        found = pattern.match(reason)
        if found:
            return _(template, **found.groupdict())
    return _("The case cannot be moved: %(reason)s", reason=reason)


def _choice(numbers: list[int]) -> tuple[int | None, int | None, str | None]:
    """The versions asked for, and what is wrong with them (None when fine or not asked)."""
    raw_a, raw_b = request.values.get("from"), request.values.get("to")
    if raw_a is None and raw_b is None:
        return None, None, None
    a, b = _int(raw_a), _int(raw_b)
    if a not in numbers or b not in numbers:
        return a, b, _("Choose two versions of this process.")
    if a is not None and b is not None and b <= a:
        return a, b, _("The target version must be newer than the current one.")
    return a, b, None


def _render(key: str, numbers: list[int], status: int = 200, **context: Any) -> ResponseReturnValue:
    items = engine().definitions.history(key)
    running = {item["version"]: item["running_cases"] for item in items}
    default_from = next((n for n in reversed(numbers[1:]) if running.get(n)), None) \
        or (numbers[1] if len(numbers) > 1 else None)
    context.setdefault("a", default_from)
    context.setdefault("b", numbers[0])
    return render_template("editor/migrate.html", key=key, numbers=numbers, running=running,
                           name=items[0]["name"] or key, reason_text=reason_text,
                           **context), status


@bp.get("/editor/<key>/migrate")
@page_login_required
def editor_migrate(key: str) -> ResponseReturnValue:
    """Choose the versions; with both chosen, the dry run with the cases to select."""
    _owner()
    numbers = [item["version"] for item in engine().definitions.history(key)]
    a, b, error = _choice(numbers)
    if error:
        return _render(key, numbers, 422, a=a, b=b, error=error)
    if a is None or b is None:
        return _render(key, numbers)
    report = engine().migrations.dry_run(key, a, b)
    return _render(key, numbers, a=a, b=b, report=report)


@bp.post("/editor/<key>/migrate")
@page_login_required
def editor_migrate_run(key: str) -> ResponseReturnValue:
    """Move the chosen cases; the result per case."""
    actor = _owner()
    numbers = [item["version"] for item in engine().definitions.history(key)]
    a, b, error = _choice(numbers)
    if error or a is None or b is None:
        return _render(key, numbers, 422, a=a, b=b, error=error or _(
            "Choose two versions of this process."))
    chosen = [c for c in request.form.getlist("case") if c]
    if not chosen or len(chosen) > MAX_CASES or any(len(c) > 32 for c in chosen):
        report = engine().migrations.dry_run(key, a, b)
        return _render(key, numbers, 422, a=a, b=b, report=report,
                       error=_("Select at least one case to move."))
    try:
        result = engine().migrations.migrate(key, a, b, sorted(set(chosen)), actor=actor.username)
    except (InvalidInput, NotFound):
        return _render(key, numbers, 422, a=a, b=b,
                       error=_("Choose two versions of this process."))
    moved = sum(1 for item in result if item["migrated"])
    return _render(key, numbers, a=a, b=b, result=result, moved=moved)
