"""Inbox filters a user saved under a name: at most :data:`MAX_SAVED_FILTERS` each, a name
unique per user (saving under a taken name replaces that filter's query).

The query is the inbox's own query string; the engine keeps it as it is and checks only its
shape (length, URL query characters), the web layer builds and reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput, NotFound
from engine.people.users import find_user
from engine.persistence.preference_models import (
    FILTER_NAME_LENGTH,
    FILTER_QUERY_LENGTH,
    SavedFilter,
)

MAX_SAVED_FILTERS = 20
_QUERY = re.compile(r"[A-Za-z0-9_.~%+=&-]*")


@dataclass(frozen=True)
class SavedFilterInfo:
    """A saved inbox filter as callers see it."""

    id: int
    name: str
    query: str


def check_filter(name: object, query: object) -> tuple[str, str]:
    """The cleaned name and query of a filter to save; InvalidInput naming each bad field."""
    errors = []
    clean_name = name.strip() if isinstance(name, str) else ""
    if not clean_name:
        errors.append({"field": "name", "message": "a name is required"})
    elif len(clean_name) > FILTER_NAME_LENGTH or not clean_name.isprintable():
        errors.append({"field": "name",
                       "message": f"at most {FILTER_NAME_LENGTH} printable characters"})
    clean_query = query if isinstance(query, str) else ""
    if len(clean_query) > FILTER_QUERY_LENGTH or not _QUERY.fullmatch(clean_query):
        errors.append({"field": "query", "message": "not an inbox query string"})
    if errors:
        raise InvalidInput("the filter cannot be saved", errors)
    return clean_name, clean_query


def _user_id(session: Session, username: str) -> int:
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"user {username} not found")
    return user.id


def list_filters(session: Session, username: str) -> list[SavedFilterInfo]:
    """The saved filters of a user, by name."""
    user = find_user(session, username)
    if user is None:
        return []
    rows = session.scalars(select(SavedFilter).where(SavedFilter.user_id == user.id)
                           .order_by(func.lower(SavedFilter.name), SavedFilter.id))
    return [SavedFilterInfo(row.id, row.name, row.query) for row in rows]


def save_filter(session: Session, username: str, name: str, query: str,
                now: datetime) -> tuple[SavedFilterInfo, bool]:
    """Save (or replace, same name) a filter; returns it and whether it was new. InvalidInput
    when the user already has :data:`MAX_SAVED_FILTERS`."""
    user_id = _user_id(session, username)
    row = session.scalars(select(SavedFilter).where(SavedFilter.user_id == user_id,
                                                    SavedFilter.name == name)).one_or_none()
    created = row is None
    if row is None:
        count = session.scalar(select(func.count()).select_from(SavedFilter)
                               .where(SavedFilter.user_id == user_id)) or 0
        if count >= MAX_SAVED_FILTERS:
            raise InvalidInput("too many saved filters", [{
                "field": "name",
                "message": f"at most {MAX_SAVED_FILTERS} saved filters; delete one first"}])
        row = SavedFilter(user_id=user_id, name=name, query=query, created_at=now)
        session.add(row)
    else:
        row.query = query
    session.flush()
    return SavedFilterInfo(row.id, row.name, row.query), created


def delete_filter(session: Session, username: str, filter_id: int) -> str:
    """Delete one of the user's own filters and return its name; NotFound for any other."""
    user_id = _user_id(session, username)
    row = session.get(SavedFilter, filter_id)
    if row is None or row.user_id != user_id:
        raise NotFound("saved filter not found")
    name = row.name
    session.delete(row)
    return name
