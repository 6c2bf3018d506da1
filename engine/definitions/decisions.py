"""DMN decision tables of the current source set: the deployed DMN files (newest content of
every name) with their decisions, the processes that call them and how often each file was
changed. Editing goes through the ordinary validate and deploy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.definitions import deploy
from engine.definitions.validation import document_references
from engine.definitions.xmlsafe import parse_document
from engine.errors import DeployError, NotFound
from engine.persistence.models import DefinitionFile


@dataclass(frozen=True)
class DecisionFileInfo:
    """One deployed DMN file: its newest content's metadata, decisions and callers."""

    name: str
    title: str
    decisions: list[tuple[str, str]]  # (decision id, name)
    revision: int  # how many different contents of this file were deployed (1 = the first)
    deployed_at: datetime
    deployed_by: str
    used_by: list[str] = field(default_factory=list)  # process ids calling its decisions


def _parse(row: DefinitionFile) -> tuple[str, list[tuple[str, str]]]:
    """(title, decisions) of a stored DMN file; empty when it cannot be read."""
    try:
        tree = parse_document(row.name, row.content.encode("utf-8"))
    except DeployError:
        return "", []
    root = tree.getroot()
    namespace = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
    decisions = [(d.get("id") or "", d.get("name") or d.get("id") or "")
                 for d in root.findall(namespace + "decision")]
    return root.get("name") or "", decisions


def decision_files(session: Session) -> list[DecisionFileInfo]:
    """Every deployed DMN file (newest content), by name, with the processes calling it."""
    current = deploy.current_sources(session)
    counts: dict[str, int] = {}
    for name in session.scalars(select(DefinitionFile.name).where(
            DefinitionFile.kind == "dmn")):
        counts[name] = counts.get(name, 0) + 1
    callers: dict[str, list[str]] = {}
    for row in current.values():
        if row.kind != "bpmn":
            continue
        try:
            refs = document_references(parse_document(row.name,
                                                      row.content.encode("utf-8")))
        except DeployError:
            continue
        for decision, processes in refs.decision_callers.items():
            for process in processes:
                if process not in callers.setdefault(decision, []):
                    callers[decision].append(process)
    result = []
    for row in sorted((r for r in current.values() if r.kind == "dmn"),
                      key=lambda r: r.name):
        title, decisions = _parse(row)
        used = sorted({p for d, _n in decisions for p in callers.get(d, [])})
        result.append(DecisionFileInfo(row.name, title or row.name, decisions,
                                       counts.get(row.name, 1), row.deployed_at,
                                       row.deployed_by, used))
    return result

def decision_source(session: Session, name: str) -> str:
    """The newest deployed content of one DMN file; NotFound if there is none."""
    row = deploy.current_source(session, name)
    if row is None or row.kind != "dmn":
        raise NotFound(f"no deployed DMN file {name!r}")
    return row.content
