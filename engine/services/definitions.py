"""Process definitions: deploy and validate BPMN, DMN and JSON-Schema files, the deployed
versions with their source, history and diff, the DMN tables, and the outline of a version
(user tasks, call activities) that pages show."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.definitions import decisions, deploy, rollback, versions
from engine.definitions.decisions import DecisionFileInfo
from engine.definitions.outline import ProcessOutline, outline_of
from engine.errors import Conflict, InvalidInput, NotFound, Problem
from engine.model import DeployResult, ProcessVersionInfo
from engine.persistence.models import DefinitionFile, ProcessVersion
from engine.services.context import SYSTEM_ACTOR, EngineContext

FORMS_DIRS = ("forms", "messages")


class DefinitionService:
    """``staffel.definitions``: one method, one transaction."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        # Versions never change, so their outline is cached for good (bounded).
        self._outline = functools.lru_cache(maxsize=512)(self._read_outline)

    def deploy(self, files: Mapping[str, bytes | str],
               actor: str = SYSTEM_ACTOR) -> DeployResult:
        """Validate and deploy files; raises DeployError with every problem, storing nothing."""
        with self.ctx.unit(actor) as uow:
            result = deploy.deploy(uow.session, files, actor, uow.now)
            for v in result.new_versions:
                uow.record("deployed", element_id=v.key, version=v.version, file=v.file_name)
            return result

    def rollback(self, key: str, version: int, actor: str = SYSTEM_ACTOR) -> DeployResult:
        """Deploy the content of an earlier version again as the NEWEST version of ``key``
        (its BPMN file, forms and DMN files; see :mod:`engine.definitions.rollback`), audited
        as ``rolled_back``. NotFound for an unknown version; Conflict (409) when the newest
        version already has that content; DeployError when it no longer deploys."""
        with self.ctx.unit(actor) as uow:
            files = rollback.restore_files(uow.session, key, version)
            result = deploy.deploy(uow.session, files, actor, uow.now)
            mine = [v for v in result.new_versions if v.key == key]
            if not mine:  # raising here undoes the whole unit: nothing stored
                raise Conflict(f"the newest version of {key} already has the content of "
                               f"version {version}: nothing to roll back",
                               [{"field": "version", "message": "is already the newest content"}])
            for v in result.new_versions:
                uow.record("deployed", element_id=v.key, version=v.version, file=v.file_name)
            uow.record("rolled_back", element_id=key, version=mine[0].version,
                       restored_version=version, files=sorted(files))
            return result

    def deploy_directory(self, directory: str | Path,
                         actor: str = SYSTEM_ACTOR) -> DeployResult:
        """Deploy every BPMN, DMN and JSON-Schema file below a directory."""
        return self.deploy_paths([Path(directory)], actor)

    def deploy_paths(self, paths: Iterable[Path], actor: str = SYSTEM_ACTOR) -> DeployResult:
        """Deploy files and directories (a form or message schema keeps its folder's name)."""
        files: dict[str, bytes] = {}
        paths = list(paths)
        for path in paths:
            if path.is_dir():
                files.update(deploy.read_directory(path))
            elif path.parent.name in FORMS_DIRS:
                files[f"{path.parent.name}/{path.name}"] = path.read_bytes()
            else:
                files[path.name] = path.read_bytes()
        if not files:
            where = ", ".join(str(p) for p in paths)
            raise InvalidInput(f"no .bpmn, .dmn or .schema.json files in {where}",
                               [{"field": "directory", "message": "is empty"}])
        return self.deploy(files, actor)

    def source_names(self) -> list[str]:
        """The names of every deployed file (``x.bpmn``, ``forms/y.schema.json``, ...)."""
        with self.ctx.db.read() as session:
            return sorted(session.scalars(select(DefinitionFile.name).distinct()))

    def validate(self, files: Mapping[str, bytes | str]) -> list[Problem]:
        """Run the whole deploy validation without storing anything."""
        with self.ctx.db.read() as session:
            return deploy.validate_files(session, files)

    def versions(self, key: str | None = None) -> list[ProcessVersionInfo]:
        """Deployed versions, newest first per key."""
        with self.ctx.db.read() as session:
            stmt = select(ProcessVersion).order_by(ProcessVersion.key,
                                                   ProcessVersion.version.desc())
            if key:
                stmt = stmt.where(ProcessVersion.key == key)
            return [deploy.version_info(r) for r in session.scalars(stmt)]

    def xml(self, key: str, version: int) -> str:
        """The BPMN source of one deployed version."""
        with self.ctx.db.read() as session:
            return deploy.xml_of_version(session, _version_row(session, key, version))

    def outline(self, key: str, version: int) -> ProcessOutline:
        """User tasks and call activities of one deployed version (NotFound if none)."""
        return self._outline(key, version)

    def _read_outline(self, key: str, version: int) -> ProcessOutline:
        with self.ctx.db.read() as session:
            row = _version_row(session, key, version)
            return outline_of(key, version, row.file_name, deploy.xml_of_version(session, row))

    def history(self, key: str) -> list[dict[str, Any]]:
        """Every version of ``key``, newest first, with deploy time, deployer and running cases."""
        with self.ctx.db.read() as session:
            return versions.history(session, key)

    def diff(self, key: str, a: int, b: int) -> dict[str, Any]:
        """Elements added, removed and changed between two versions of a process."""
        with self.ctx.db.read() as session:
            return versions.diff_versions(session, key, a, b)

    def decision_files(self) -> list[DecisionFileInfo]:
        """Every deployed DMN file (newest content), by name, with the processes calling it."""
        with self.ctx.db.read() as session:
            return decisions.decision_files(session)

    def decision_source(self, name: str) -> str:
        """The newest deployed content of one DMN file; NotFound if there is none."""
        with self.ctx.db.read() as session:
            return decisions.decision_source(session, name)


def _version_row(session: Any, key: str, version: int) -> ProcessVersion:
    row = session.scalars(select(ProcessVersion).where(
        ProcessVersion.key == key, ProcessVersion.version == version)).first()
    if row is None:
        raise NotFound(f"process {key!r} has no version {version}")
    return row
