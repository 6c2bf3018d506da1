"""Rolling a process back to an earlier version: the files that version was built from are
deployed again, so they become the NEWEST version; history is never rewritten.

Which files: the BPMN file defining the process (``file_name`` of the version), the forms its
user tasks use (``forms/<name>``) and the DMN files holding the decisions its business rule
tasks call, each in the content the old version was deployed with. Called processes are not
rolled back (they are processes of their own, with their own history): the new version calls
them as they are deployed now. Other processes defined in the same BPMN file get the old
content too (a file is deployed whole).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.definitions.deploy import (
    FORMS_DIR,
    _forms_used,
    latest_version,
    version_files,
)
from engine.definitions.validation import document_references
from engine.definitions.versions import get_version
from engine.definitions.xmlsafe import parse_document
from engine.errors import Conflict, DeployError, Problem
from engine.persistence.models import DefinitionFile, ProcessVersion


def _decision_ids(row: DefinitionFile) -> set[str]:
    """The decision ids a stored DMN file defines (empty when it cannot be read)."""
    try:
        root = parse_document(row.name, row.content.encode("utf-8")).getroot()
    except DeployError:
        return set()
    namespace = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
    return {d.get("id") or "" for d in root.iter(namespace + "decision")}


def restore_files(session: Session, key: str, version: int) -> dict[str, str]:
    """The files to deploy again to make version ``version`` of ``key`` the newest content.

    NotFound for an unknown version; Conflict when the newest version already has that content.
    """
    old: ProcessVersion = get_version(session, key, version)
    newest = latest_version(session, key)
    if newest is not None and newest.content_hash == old.content_hash:
        raise Conflict(f"version {newest.version} of {key} already has the content of "
                       f"version {version}: nothing to roll back",
                       [{"field": "version", "message": "is already the newest content"}])
    files = version_files(session, old)
    diagram = files.get(old.file_name)
    if diagram is None:
        raise DeployError([Problem(old.file_name, "source file of this version is missing")])
    wanted = {old.file_name} | {FORMS_DIR + form for form in _forms_used(old.spec)}
    called = set(document_references(parse_document(
        diagram.name, diagram.content.encode("utf-8"))).decision_callers)
    for name, row in files.items():
        if row.kind == "dmn" and _decision_ids(row) & called:
            wanted.add(name)
    return {name: files[name].content for name in sorted(wanted) if name in files}
