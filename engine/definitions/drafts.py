"""Drafts of process diagrams saved from the editor: one current draft per process key.

A draft is a BPMN document that need not be valid yet (that is what drafts are for), but it
must be well-formed, safe XML (hardened parse) that still defines the process it is a draft
of. Saving overwrites the draft; each save names the ``revision`` it was edited from (0 when
there was no draft), so an editor that loaded an older state gets :class:`Conflict` instead of
silently overwriting a colleague's work. Deploying from the editor removes the draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engine.definitions import deploy
from engine.definitions.xmlsafe import MAX_DOCUMENT_BYTES, parse_document
from engine.errors import Conflict, DeployError, InvalidInput, NotFound
from engine.persistence.models import ProcessDraft, ProcessVersion

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
MAX_REVISION = 2**31 - 1


@dataclass(frozen=True)
class DraftInfo:
    """The current draft of a process."""

    key: str
    xml: str
    saved_by: str
    saved_at: datetime
    base_version: int
    revision: int


def to_info(row: ProcessDraft) -> DraftInfo:
    """The dataclass of a draft row."""
    return DraftInfo(row.key, row.xml, row.saved_by, row.saved_at, row.base_version,
                     row.revision)


def get_draft(session: Session, key: str) -> ProcessDraft | None:
    """The current draft of ``key``, or ``None``."""
    return session.get(ProcessDraft, key)


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field} {message}", [{"field": field, "message": message}])


def check_revision(revision: Any) -> int:
    """The revision a save or discard was edited from; 422 unless a whole number >= 0."""
    if isinstance(revision, bool) or not isinstance(revision, int) \
            or not 0 <= revision <= MAX_REVISION:
        raise _invalid("revision", "must be a whole number from 0")
    return revision


def check_xml(key: str, file_name: str, xml: bytes | str) -> str:
    """The draft's text; 422 (field ``xml``) unless it is safe, well-formed BPMN of ``key``."""
    raw = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid("xml", "is not UTF-8 text") from None
    try:
        tree = parse_document(file_name, raw, MAX_DOCUMENT_BYTES)
    except DeployError as err:
        problem = err.problems[0]
        where = f" (line {problem.line})" if problem.line else ""
        raise _invalid("xml", f"{problem.message}{where}") from None
    root = tree.getroot()
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise _invalid("xml", "is not a BPMN document (bpmn:definitions expected)")
    if not any(p.get("id") == key for p in root.iterfind(f"{{{BPMN_NS}}}process")):
        raise _invalid("xml", f"does not define the process {key!r}")
    return text


def _latest(session: Session, key: str) -> ProcessVersion:
    latest = deploy.latest_version(session, key)
    if latest is None:
        raise NotFound(f"process {key!r} is not deployed")
    return latest


def save_draft(session: Session, key: str, xml: bytes | str, base_version: Any,
               revision: Any, actor: str, now: datetime) -> ProcessDraft:
    """Store ``xml`` as the draft of ``key`` if ``revision`` is the current one; else Conflict."""
    latest = _latest(session, key)
    expected = check_revision(revision)
    if isinstance(base_version, bool) or not isinstance(base_version, int) \
            or not 0 < base_version <= latest.version:
        raise _invalid("base_version", f"must be a version of {key!r} (1 to {latest.version})")
    text = check_xml(key, latest.file_name, xml)
    current = get_draft(session, key)
    if (current.revision if current is not None else 0) != expected:
        raise _stale(current)
    if current is None:
        row = ProcessDraft(key=key, xml=text, saved_by=actor, saved_at=now,
                           base_version=base_version, revision=1)
        session.add(row)
        session.flush()
        return row
    result = session.execute(
        update(ProcessDraft)
        .where(ProcessDraft.key == key, ProcessDraft.revision == expected)
        .values(xml=text, saved_by=actor, saved_at=now, base_version=base_version,
                revision=expected + 1)
        .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 1) != 1:
        raise _stale(None)
    session.refresh(current)
    return current


def _stale(current: ProcessDraft | None) -> Conflict:
    if current is None:
        return Conflict("the draft was deployed or discarded meanwhile; reload the editor")
    return Conflict(f"the draft was saved meanwhile by {current.saved_by} (revision "
                    f"{current.revision}); reload the editor to see it",
                    [{"field": "revision", "message": f"is stale: current is {current.revision}"}])


def discard_draft(session: Session, key: str, revision: Any) -> ProcessDraft:
    """Remove the draft of ``key`` if ``revision`` is current; NotFound without a draft."""
    _latest(session, key)
    expected = check_revision(revision)
    current = get_draft(session, key)
    if current is None:
        raise NotFound(f"process {key!r} has no draft")
    if current.revision != expected:
        raise _stale(current)
    session.delete(current)
    session.flush()
    return current


def remove_draft(session: Session, key: str) -> int | None:
    """Drop the draft of ``key`` whatever its revision (after a deploy); its revision or None."""
    current = get_draft(session, key)
    if current is None:
        return None
    revision = current.revision
    session.execute(delete(ProcessDraft).where(ProcessDraft.key == key)
                    .execution_options(synchronize_session=False))
    session.expunge(current)
    return revision


def list_drafts(session: Session) -> dict[str, DraftInfo]:
    """Every current draft by process key."""
    return {row.key: to_info(row) for row in session.scalars(select(ProcessDraft))}
