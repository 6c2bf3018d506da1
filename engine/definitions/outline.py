"""What pages need to know of a deployed process without parsing BPMN themselves: its user
tasks (id, name) and its call activities (id, called process)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.definitions.xmlsafe import BPMN_NS, parse_document


@dataclass(frozen=True)
class ProcessOutline:
    """The user tasks and call activities of one process version (versions never change)."""

    key: str
    version: int
    user_tasks: tuple[tuple[str, str], ...]  # (element id, name)
    call_activities: tuple[tuple[str, str], ...]  # (element id, called process key)


def outline_of(key: str, version: int, file_name: str, xml: str) -> ProcessOutline:
    """Read the outline of process ``key`` from the stored BPMN of its version."""
    root = parse_document(file_name, xml.encode("utf-8")).getroot()
    user_tasks: tuple[tuple[str, str], ...] = ()
    calls: tuple[tuple[str, str], ...] = ()
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        if process.get("id") != key:
            continue
        user_tasks = tuple((str(el.get("id", "")), str(el.get("name") or el.get("id", "")))
                           for el in process.iter(f"{{{BPMN_NS}}}userTask"))
        calls = tuple((str(el.get("id", "")), str(el.get("calledElement", "")))
                      for el in process.iter(f"{{{BPMN_NS}}}callActivity"))
    return ProcessOutline(key, version, user_tasks, calls)
