"""What the import pages share: who may use them, and the page number of a listing."""

from __future__ import annotations

from flask import request

from engine import NotFound
from web import authz
from web.auth import Actor
from web.pages.common import engine, page_actor

PER_PAGE = 20


def allowed() -> Actor:
    """The actor, if the Eingangszone's import pages are theirs to use; else 404."""
    actor = page_actor()
    if not authz.can_use_imports(actor):
        raise NotFound("no such page")
    return actor


def allowed_with_people() -> Actor:
    """The actor, if he may also see the persons in the agency lines (the Eingangszone, not
    administrators: :func:`web.authz.may_see_person`); else 404."""
    actor = allowed()
    authz.require_person_visible(engine(), actor)
    return actor


def page_arg() -> int:
    """The ``page`` query argument, clamped to 1..10,000."""
    try:
        return max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        return 1
