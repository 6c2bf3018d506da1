"""The heatmap's numbers per diagram (issue 15, point 10): the open and overdue tasks waiting
at each user task of a process, and, on each call activity, everything waiting inside the
process it runs (at any depth), so that the main diagram shows where all work waits. A click
on a call activity's badge opens the called process's map.

Every task row knows the call activities it was called through (``HeatCell.call_path``, from
the top process down), so work is rolled up onto exactly the call activity that runs it, not
onto every call activity that calls the same process. Tasks from before migration 0017 have
no path: they are counted in their own process's map only.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine import HeatCell, Staffel


@dataclass(frozen=True)
class HeatEntry:
    """One badge: a user task (``called`` None) or a call activity with the work inside."""

    element_id: str
    title: str
    open: int
    overdue: int
    called: str | None = None


def path_steps(cell: HeatCell) -> list[tuple[str, str, str]]:
    """(process, call activity, called process) of each step of a cell's call path."""
    steps = [tuple(step.split(".", 1)) for step in (cell.call_path or "").split("/") if "." in step]
    if not steps:
        return []
    called = [process for process, _element in steps[1:]] + [cell.process_key]
    return [(process, element, inner)
            for (process, element), inner in zip(steps, called, strict=True)]


class HeatMap:
    """The heat of every process with waiting work."""

    def __init__(self, eng: Staffel, cells: list[HeatCell]) -> None:
        self.names: dict[str, str] = {}
        for v in eng.definitions.versions():  # newest first per key: its name wins
            self.names.setdefault(v.key, v.name or v.key)
        self.cells = cells

    def entries(self, key: str) -> list[HeatEntry]:
        """The badges of one process: its user tasks, then its call activities with work."""
        direct: dict[str, list[int]] = {}
        calls: dict[str, list[int]] = {}
        titles: dict[str, str] = {}
        called_of: dict[str, str] = {}
        for cell in self.cells:
            step = next(((element, inner) for process, element, inner in path_steps(cell)
                         if process == key), None)
            if step is not None:
                element, inner = step
                counts = calls.setdefault(element, [0, 0])
                called_of.setdefault(element, inner)
            elif cell.process_key == key:
                counts = direct.setdefault(cell.element_id, [0, 0])
                titles[cell.element_id] = cell.title
            else:
                continue
            counts[0] += cell.open
            counts[1] += cell.overdue
        found = [HeatEntry(e, titles[e], n, late) for e, (n, late) in direct.items()]
        found += [HeatEntry(e, self.names.get(called_of[e], called_of[e]), n, late,
                            called_of[e]) for e, (n, late) in calls.items()]
        return found

    def processes(self) -> list[tuple[str, str, int]]:
        """(key, name, open tasks in it or below it) of every process with waiting work."""
        totals: dict[str, int] = {}
        for cell in self.cells:
            keys = {process for process, _e, _i in path_steps(cell)} | {cell.process_key}
            for key in keys:
                totals[key] = totals.get(key, 0) + cell.open
        return [(key, self.names.get(key, key), n) for key, n in sorted(totals.items()) if n]

    def default_process(self, wanted: str | None) -> str | None:
        """``wanted`` if it has work, else the process with the most work counted with what
        its calls run (the main lifecycle whenever it has cases)."""
        rows = self.processes()
        if wanted and any(key == wanted for key, _name, _n in rows):
            return wanted
        return max(rows, key=lambda row: (row[2], row[0]))[0] if rows else None
