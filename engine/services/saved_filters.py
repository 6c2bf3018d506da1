"""``staffel.saved_filters``: the inbox filters each user saved under a name (their own only)."""

from __future__ import annotations

from engine.people import saved_filters
from engine.people.saved_filters import SavedFilterInfo
from engine.services.context import EngineContext, storable


class SavedFilterService:
    """One method, one transaction; every call acts on the named user's own filters."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def list(self, username: str) -> list[SavedFilterInfo]:
        """The user's saved filters, by name."""
        if not storable(username, 100):
            return []
        with self.ctx.db.read() as session:
            return saved_filters.list_filters(session, username)

    def save(self, username: str, name: object, query: object) -> tuple[SavedFilterInfo, bool]:
        """Save a filter under a name (the same name replaces it); returns it and whether it
        is new. InvalidInput with the field for a bad name or query, or too many filters."""
        clean_name, clean_query = saved_filters.check_filter(name, query)
        with self.ctx.unit(username) as uow:
            return saved_filters.save_filter(uow.session, username, clean_name, clean_query,
                                             uow.now)

    def delete(self, username: str, filter_id: int) -> str:
        """Delete one of the user's filters (NotFound for anyone else's); returns its name."""
        with self.ctx.unit(username) as uow:
            return saved_filters.delete_filter(uow.session, username, filter_id)
