"""The editor's drafts: read, save (optimistic revision check), discard, and deploy from the
editor, which removes the draft in the same transaction. Every change is in the audit trail
(``draft_saved``, ``draft_discarded``, ``deployed``)."""

from __future__ import annotations

from typing import Any

from engine.definitions import deploy, drafts
from engine.definitions.drafts import DraftInfo
from engine.errors import NotFound
from engine.model import DeployResult
from engine.services.context import EngineContext


class DraftService:
    """``staffel.drafts``: one method, one transaction."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def get(self, key: str) -> DraftInfo | None:
        """The current draft of ``key`` (``None`` if there is none)."""
        with self.ctx.db.read() as session:
            row = drafts.get_draft(session, key)
            return drafts.to_info(row) if row is not None else None

    def all(self) -> dict[str, DraftInfo]:
        """Every current draft by process key."""
        with self.ctx.db.read() as session:
            return drafts.list_drafts(session)

    def save(self, key: str, xml: bytes | str, base_version: Any, revision: Any,
             actor: str) -> DraftInfo:
        """Store the editor's XML as the draft of ``key``; 409 if ``revision`` is stale."""
        with self.ctx.unit(actor) as uow:
            row = drafts.save_draft(uow.session, key, xml, base_version, revision, actor,
                                    uow.now)
            uow.record("draft_saved", element_id=key, revision=row.revision,
                       base_version=row.base_version, size=len(row.xml.encode("utf-8")))
            return drafts.to_info(row)

    def discard(self, key: str, revision: Any, actor: str) -> None:
        """Throw away the draft of ``key``; 409 if ``revision`` is stale, 404 if none."""
        with self.ctx.unit(actor) as uow:
            row = drafts.discard_draft(uow.session, key, revision)
            uow.record("draft_discarded", element_id=key, revision=row.revision,
                       reason="discarded")

    def deploy(self, key: str, xml: bytes | str, actor: str) -> DeployResult:
        """Deploy the editor's XML under the process's file name and drop its draft.

        Raises :class:`DeployError` with every problem (nothing stored, the draft kept).
        """
        with self.ctx.unit(actor) as uow:
            latest = deploy.latest_version(uow.session, key)
            if latest is None:
                raise NotFound(f"process {key!r} is not deployed")
            result = deploy.deploy(uow.session, {latest.file_name: xml}, actor, uow.now)
            for v in result.new_versions:
                uow.record("deployed", element_id=v.key, version=v.version, file=v.file_name)
            revision = drafts.remove_draft(uow.session, key)
            if revision is not None:
                uow.record("draft_discarded", element_id=key, revision=revision,
                           reason="deployed")
            return result
