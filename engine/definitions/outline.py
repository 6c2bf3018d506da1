"""What pages need to know of a deployed process without parsing BPMN themselves: its user
tasks (id, name, the team of their lane) and its call activities (id, called process)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.definitions.xmlsafe import BPMN_NS, parse_document
from engine.law.teams import team_for_lane


@dataclass(frozen=True)
class ProcessOutline:
    """The user tasks and call activities of one process version (versions never change)."""

    key: str
    version: int
    user_tasks: tuple[tuple[str, str], ...]  # (element id, name)
    call_activities: tuple[tuple[str, str], ...]  # (element id, called process key)
    #: (element id, team key) of the user tasks; ``@variable`` for a lane whose team is read
    #: from task data at run time, None for a task in no known lane
    task_teams: tuple[tuple[str, str | None], ...] = ()

    def user_tasks_of(self, teams: frozenset[str] | None) -> tuple[tuple[str, str], ...]:
        """(id, name) of the user tasks that can land in one of ``teams`` (None: all): those
        of their lanes, and those whose team is decided at run time."""
        if teams is None:
            return self.user_tasks
        team_of = dict(self.task_teams)
        return tuple((element_id, name) for element_id, name in self.user_tasks
                     if (team := team_of.get(element_id)) is None or team.startswith("@")
                     or team in teams)


def outline_of(key: str, version: int, file_name: str, xml: str) -> ProcessOutline:
    """Read the outline of process ``key`` from the stored BPMN of its version."""
    root = parse_document(file_name, xml.encode("utf-8")).getroot()
    user_tasks: tuple[tuple[str, str], ...] = ()
    calls: tuple[tuple[str, str], ...] = ()
    lane_of: dict[str, str] = {}
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        if process.get("id") != key:
            continue
        user_tasks = tuple((str(el.get("id", "")), str(el.get("name") or el.get("id", "")))
                           for el in process.iter(f"{{{BPMN_NS}}}userTask"))
        calls = tuple((str(el.get("id", "")), str(el.get("calledElement", "")))
                      for el in process.iter(f"{{{BPMN_NS}}}callActivity"))
        for lane in process.iter(f"{{{BPMN_NS}}}lane"):
            for ref in lane.iter(f"{{{BPMN_NS}}}flowNodeRef"):
                lane_of[(ref.text or "").strip()] = str(lane.get("name") or "")
    teams = tuple((element_id, team_for_lane(lane_of.get(element_id)))
                  for element_id, _name in user_tasks)
    return ProcessOutline(key, version, user_tasks, calls, teams)
