"""Which diagrams the case view shows, and what is marked on them.

A case runs one top process (from its ``instance_started`` audit event) that may call other
processes (call activities, several levels deep). Where the case is comes from the engine
(``staffel.timers.pending``, read from the instance state): the open user tasks, the elements
where it waits (messages, timers, event-based gateways), and the call activities whose called
process is running — exactly those, not every call activity that calls the same process
elsewhere. The view shows the top diagram and the diagram of every running called process;
the position is marked ``open`` (red frame), the elements already completed ``done`` (a light
fill). A called process is taken in the version that was deployed with (or before) the case's
top version, which is the one its instance runs. Processes of one file share one diagram.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine import CasePosition, ProcessVersionInfo, Staffel, TaskInfo

Calls = tuple[tuple[str, str], ...]  # (call activity id, called process key)
#: the order of the marks within one process: tasks, then waits, then running calls
KIND_ORDER = ("task", "message", "timer", "call", "subprocess")


@dataclass
class Diagram:
    """One diagram of the case view: the process to load, the element ids where the case is
    (``marked``) and those it has completed (``done``)."""

    key: str
    version: int
    name: str
    file_name: str
    marked: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)


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


def case_diagrams(eng: Staffel, top_key: str, top_version: int, open_tasks: list[TaskInfo],
                  *, case_id: str | None = None) -> list[Diagram]:
    """The diagrams to show for a case, top first, with its position and its walked path.

    ``case_id`` names the case (without it, the case of the open tasks; a case with neither
    shows only its top diagram, unmarked).
    """
    versions = versions_for(eng, top_key, top_version)
    case_id = case_id or next((t.case_id for t in open_tasks), None)
    position = eng.timers.pending(case_id) if case_id else CasePosition()
    running: dict[str, list[str]] = {}
    for p in position.pending:
        if p.kind == "call" and p.called:
            running.setdefault(p.process_key, []).append(p.called)
    order: list[str] = []
    queue = [top_key]
    while queue:  # the top process and the processes it runs now, callers first
        key = queue.pop(0)
        if key in order or key not in versions:
            continue
        order.append(key)
        queue.extend(running.get(key, ()))
    by_file: dict[str, Diagram] = {}
    for key in order:
        v = versions[key]
        here = [p for p in position.pending if p.process_key == key]
        marked = [p.element_id for kind in KIND_ORDER for p in here if p.kind == kind]
        diagram = by_file.setdefault(v.file_name, Diagram(key, v.version, v.name, v.file_name))
        diagram.marked.extend(m for m in marked if m not in diagram.marked)
        diagram.done.extend(d for d in position.done.get(key, ()) if d not in diagram.done)
    for diagram in by_file.values():  # an element open again (a loop) is open, not done
        diagram.done = [d for d in diagram.done if d not in diagram.marked]
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
