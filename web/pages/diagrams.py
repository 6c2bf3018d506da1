"""Which diagrams the case view shows, and what is marked on them.

A case runs one top process (from its ``instance_started`` audit event) that may call other
processes (call activities, several levels deep). The view shows the top diagram and every
called diagram on the way to an open task; open user tasks are marked, and so is each call
activity that leads to one. A called process is taken in the version that was deployed with
(or before) the case's top version, which is the one its instance runs. Processes of one file
share one diagram.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine import ProcessVersionInfo, Staffel, TaskInfo

Calls = tuple[tuple[str, str], ...]  # (call activity id, called process key)


@dataclass
class Diagram:
    """One diagram of the case view: the process to load and the element ids to mark."""

    key: str
    version: int
    name: str
    file_name: str
    marked: list[str] = field(default_factory=list)


def versions_for(eng: Staffel, top_key: str, top_version: int) -> dict[str, ProcessVersionInfo]:
    """The version of every process key that belongs with the case's top version."""
    every = eng.definitions.versions()  # newest first per key
    top = next((v for v in every if v.key == top_key and v.version == top_version), None)
    if top is None:
        return {}
    chosen = {top_key: top}
    for v in every:
        if v.key not in chosen and v.deployed_at <= top.deployed_at:
            chosen[v.key] = v
    return chosen


def _calls(eng: Staffel, v: ProcessVersionInfo) -> Calls:
    """The call activities of one process version (the engine caches outlines)."""
    return eng.definitions.outline(v.key, v.version).call_activities


def case_diagrams(eng: Staffel, top_key: str, top_version: int,
                  open_tasks: list[TaskInfo]) -> list[Diagram]:
    """The diagrams to show for a case, top first, with the open positions marked."""
    versions = versions_for(eng, top_key, top_version)
    graph: dict[str, Calls] = {}
    order: list[str] = []
    queue = [top_key]
    while queue:
        key = queue.pop(0)
        if key in graph or key not in versions:
            continue
        graph[key] = _calls(eng, versions[key])
        order.append(key)
        queue.extend(called for _id, called in graph[key])
    leads = {t.process_key for t in open_tasks}
    changed = True
    while changed:
        grown = {k for k, calls in graph.items() if any(c in leads for _i, c in calls)}
        changed = not grown <= leads
        leads |= grown
    by_file: dict[str, Diagram] = {}
    for key in order:
        if key != top_key and key not in leads:
            continue
        v = versions[key]
        marked = [t.name for t in open_tasks if t.process_key == key]
        marked += [call_id for call_id, called in graph[key] if called in leads]
        diagram = by_file.setdefault(v.file_name, Diagram(key, v.version, v.name, v.file_name))
        diagram.marked.extend(m for m in marked if m not in diagram.marked)
    return list(by_file.values())


def diagram_version(eng: Staffel, top_key: str, top_version: int,
                    key: str) -> ProcessVersionInfo | None:
    """The version of ``key`` the case uses, if ``key`` is the top process or called by it."""
    versions = versions_for(eng, top_key, top_version)
    reachable: set[str] = set()
    queue = [top_key]
    while queue:
        current = queue.pop(0)
        if current in reachable or current not in versions:
            continue
        reachable.add(current)
        queue.extend(called for _id, called in _calls(eng, versions[current]))
    return versions.get(key) if key in reachable else None
