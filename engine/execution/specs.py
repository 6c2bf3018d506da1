"""Cache of spec objects per process version: each version's spec is built once per process."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.execution.messages import catchable_names
from engine.execution.spiff import SpecBundle, spec_from_dict
from engine.persistence.models import ProcessVersion


class SpecCache:
    """Maps a process version id to its restored spec objects (specs are immutable)."""

    def __init__(self) -> None:
        self._bundles: dict[int, SpecBundle] = {}
        self._names: dict[int, frozenset[str]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, version_id: int) -> SpecBundle:
        """Return the spec bundle of a version, restoring it from the database once."""
        bundle = self._bundles.get(version_id)
        if bundle is not None:
            return bundle
        row = session.get(ProcessVersion, version_id)
        if row is None:
            raise NotFound(f"process version {version_id} does not exist")
        bundle = spec_from_dict(row.spec)
        with self._lock:
            return self._bundles.setdefault(version_id, bundle)

    def message_names(self, session: Session, version_id: int) -> frozenset[str]:
        """Every message name a version (with its called processes) can catch (cached)."""
        names = self._names.get(version_id)
        if names is None:
            names = catchable_names(self.get(session, version_id))
            with self._lock:
                self._names[version_id] = names
        return names

    def clear(self) -> None:
        """Forget every cached spec (tests)."""
        with self._lock:
            self._bundles.clear()
            self._names.clear()
