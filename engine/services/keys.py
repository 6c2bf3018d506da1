"""``staffel.keys``: which key the stored personal data is under, and key rotation
(:mod:`engine.privacy.keys`; docs/security.md, "Encryption at rest")."""

from __future__ import annotations

import logging
from collections.abc import Callable

from engine.privacy.keys import (
    DEFAULT_BATCH,
    ENCRYPTED,
    KeyReport,
    TableKeys,
    has_plain_cases,
    scan_batch,
)
from engine.services.context import EngineContext

log = logging.getLogger("staffel.keys")


class KeyService:
    """Status and rotation of the encrypted values."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def status(self) -> KeyReport:
        """Count the stored values per table: under the newest key, older keys, unencrypted."""
        return self._walk(rewrite=False, batch=DEFAULT_BATCH, progress=None)

    def rotate(self, batch: int = DEFAULT_BATCH,
               progress: Callable[[str, TableKeys], None] | None = None) -> KeyReport:
        """Re-encrypt every value not under the newest data key (and encrypt and index values
        written before encryption), one transaction per ``batch`` rows; resumable."""
        if batch < 1:
            raise ValueError("batch must be at least 1")
        report = self._walk(rewrite=True, batch=batch, progress=progress)
        log.info("keys rotated: %d values rewritten", report.rewritten)
        return report

    def seal_legacy(self) -> KeyReport | None:
        """After the upgrade to encryption: encrypt and index what was stored in clear (the
        first start does it; None when there is nothing to do)."""
        with self.ctx.db.read() as session:
            if not has_plain_cases(session):
                return None
        log.warning("personal data stored unencrypted: encrypting it now")
        return self.rotate()

    def _walk(self, *, rewrite: bool, batch: int,
              progress: Callable[[str, TableKeys], None] | None) -> KeyReport:
        report = KeyReport()
        for model, pk, columns in ENCRYPTED:
            counts = report.tables.setdefault(model.__tablename__, TableKeys())
            after = None
            while True:
                scope = self.ctx.db.write() if rewrite else self.ctx.db.read()
                with scope as session:
                    after = scan_batch(session, model, pk, columns, counts, rewrite=rewrite,
                                       size=batch, after=after)
                if progress is not None:
                    progress(model.__tablename__, counts)
                if after is None:
                    break
        return report
