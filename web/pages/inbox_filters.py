"""Saved inbox filters: a user saves the inbox's current filters under a name and finds them
again as links above the filters (``POST /inbox/filters``, ``POST /inbox/filters/<id>/delete``).

The stored query is rebuilt from the parsed filters (never the posted text as it is), so a
saved filter holds only what the inbox understands; page numbers are not saved.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine import MAX_SAVED_FILTERS, InvalidInput
from web.auth import page_login_required
from web.pages.common import bp, engine, page_actor
from web.pages.inbox import read_filters


def _problem_text(err: InvalidInput) -> str:
    fields = {e.get("field") for e in err.errors}
    if err.message == "too many saved filters":
        return _("You have %(max)d saved filters already: delete one first.",
                 max=MAX_SAVED_FILTERS)
    if "name" in fields:
        return _("Give the filter a name of at most 60 characters.")
    return _("The current filters cannot be saved.")


@bp.post("/inbox/filters")
@page_login_required
def save_inbox_filter() -> ResponseReturnValue:
    """Save the inbox's current filters under a name (the same name replaces them)."""
    actor = page_actor()
    posted = parse_qs(request.form.get("query", "")[:2000], keep_blank_values=False)
    filters = read_filters(MultiDict([(k, v[0]) for k, v in posted.items()]), actor)
    query = urlencode(filters.params(page=1))
    try:
        saved, created = engine().saved_filters.save(actor.username,
                                                     request.form.get("name", ""), query)
    except InvalidInput as err:
        flash(_problem_text(err), "error")
        return redirect(filters.url())
    if created:
        flash(_("Filter “%(name)s” saved.", name=saved.name), "success")
    else:
        flash(_("Filter “%(name)s” updated.", name=saved.name), "success")
    return redirect(filters.url())


@bp.post("/inbox/filters/<int:filter_id>/delete")
@page_login_required
def delete_inbox_filter(filter_id: int) -> ResponseReturnValue:
    """Delete one of one's saved filters (404 for anyone else's)."""
    actor = page_actor()
    name = engine().saved_filters.delete(actor.username, filter_id)  # NotFound: 404 page
    flash(_("Filter “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("pages.inbox"))
