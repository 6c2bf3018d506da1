"""``GET /admin/rules``: the legal rules in force — each rule's value, whether it comes from
the law as built in or from the operator's settings file (``STAFFEL_RULES``), its changes over
time, and what it means. Read-only (the file is the place to change them); administrators and
process owners; everyone else 404.
"""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from engine import NotFound, rule_docs
from web.auth import page_login_required
from web.pages.common import bp, engine, page_actor
from web.pages.rule_labels import rule_text


@bp.get("/admin/rules")
@page_login_required
def rules_page() -> ResponseReturnValue:
    """The legal rules in force."""
    actor = page_actor()
    if not actor.has_role("admin", "process_owner"):
        raise NotFound("no such page")
    book = engine().rulebook
    rows = [{"name": name, "text": rule_text(name), "steps": book.timeline(name),
             "from_file": name in book.set_by_file} for name in sorted(rule_docs())]
    return render_template("admin/rules.html", book=book, rows=rows)
