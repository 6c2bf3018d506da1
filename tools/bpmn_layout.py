"""Generate the diagram interchange (DI) of BPMN files: a layered left-to-right layout.

Usage::

    .venv/bin/python tools/bpmn_layout.py bpmn/*.bpmn          # rewrite DI in place
    .venv/bin/python tools/bpmn_layout.py --check bpmn/*.bpmn  # exit 1 if DI is incomplete

The semantic part of a file (collaboration, processes, lanes, flows) is the input; any existing
``bpmndi:BPMNDiagram`` is replaced. Files in ``bpmn/`` are the source of truth: edit the XML
(or in bpmn-js) and run this tool again only if you want a fresh automatic layout.

Layout rules:

* every process is drawn as a pool (its ``bpmn:participant``; one is created if missing) whose
  lanes are horizontal bands in the order of the ``laneSet``;
* columns follow the sequence flows: a node stands one column right of its furthest
  predecessor (loops are detected by a depth-first search and drawn as back edges below);
* within a lane, parallel nodes of one column get their own row; a node keeps the row of its
  predecessor in the same lane when that cell is free;
* boundary events sit on the lower border of their activity; their successors start one
  column further right;
* black-box pools (outside parties without a process: BAMF, course providers, the client) are
  drawn above the process pool, each only as wide as the events its message flows reach.

Sequence flows are drawn orthogonally; message flows vertically into their target.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script from anywhere
from bpmn_grid import (
    _B,
    _BD,
    _DC,
    _DI,
    COL_W,
    EXTERNAL_GAP,
    EXTERNAL_H,
    MARGIN,
    SIZES,
    Box,
    Node,
    ProcessLayout,
    _flow_nodes,
    _lanes,
    _sequence_flows,
    layout_process,
)


def _route(source: Node, target: Node, back: bool) -> list[tuple[float, float]]:
    """Orthogonal waypoints of a sequence flow; vertical segments run in the gaps between
    columns, where no shape stands."""
    s, t = source.box, target.box
    assert s is not None and t is not None
    half_gap = (COL_W - SIZES["activity"][0]) / 2
    if source.host:  # boundary event: down, right into the gap, down to the target's row
        gap = s.cx + 20 + half_gap
        below = s.bottom + 12
        return [(s.cx, s.bottom), (s.cx, below), (gap, below), (gap, t.cy), (t.x, t.cy)]
    if back or t.x <= s.x:
        low = max(s.bottom, t.bottom) + 25
        return [(s.cx, s.bottom), (s.cx, low), (t.cx, low), (t.cx, t.bottom)]
    if abs(s.cy - t.cy) < 1:
        return [(s.right, s.cy), (t.x, t.cy)]
    cell = SIZES["activity"][0] / 2
    if target.family == "gateway" and source.family != "gateway":  # merge: stay in the row
        gap = t.cx - cell - half_gap
    else:  # split or step: turn into the target's row right after the source's column
        gap = s.cx + cell + half_gap
    return [(s.right, s.cy), (gap, s.cy), (gap, t.cy), (t.x, t.cy)]


def _fmt(value: float) -> str:
    return str(round(value))


def _bounds(parent: etree._Element, box: Box) -> None:
    etree.SubElement(parent, f"{_DC}Bounds", x=_fmt(box.x), y=_fmt(box.y), width=_fmt(box.w),
                     height=_fmt(box.h))


def _shape(plane: etree._Element, element_id: str, box: Box, *, horizontal: bool = False,
           marker: bool = False, label: Box | None = None) -> None:
    shape = etree.SubElement(plane, f"{_BD}BPMNShape", id=f"{element_id}_di",
                             bpmnElement=element_id)
    if horizontal:
        shape.set("isHorizontal", "true")
    if marker:
        shape.set("isMarkerVisible", "true")
    _bounds(shape, box)
    if label is not None:
        _bounds(etree.SubElement(shape, f"{_BD}BPMNLabel"), label)


def _edge(plane: etree._Element, element_id: str, points: list[tuple[float, float]],
          label: Box | None = None) -> None:
    edge = etree.SubElement(plane, f"{_BD}BPMNEdge", id=f"{element_id}_di",
                            bpmnElement=element_id)
    for x, y in points:
        etree.SubElement(edge, f"{_DI}waypoint", x=_fmt(x), y=_fmt(y))
    if label is not None:
        _bounds(etree.SubElement(edge, f"{_BD}BPMNLabel"), label)


def _ensure_collaboration(root: etree._Element) -> etree._Element:
    collaboration = root.find(f"{_B}collaboration")
    processes = root.findall(f"{_B}process")
    if collaboration is None:
        collaboration = etree.Element(f"{_B}collaboration", id="Collaboration_1")
        first = processes[0] if processes else None
        if first is not None:
            first.addprevious(collaboration)
        else:
            root.append(collaboration)
    referenced = {p.get("processRef") for p in collaboration.iterfind(f"{_B}participant")}
    for process in processes:
        if process.get("id") not in referenced:
            participant = etree.Element(f"{_B}participant", id=f"Participant_{process.get('id')}",
                                        name=process.get("name") or process.get("id") or "",
                                        processRef=process.get("id") or "")
            existing = collaboration.findall(f"{_B}participant")
            if existing:
                existing[-1].addnext(participant)
            else:
                collaboration.insert(0, participant)
    return collaboration


def layout_document(root: etree._Element) -> None:
    """Replace the DI of a parsed BPMN document by a fresh automatic layout."""
    for old in root.findall(f"{_BD}BPMNDiagram"):
        root.remove(old)
    collaboration = _ensure_collaboration(root)
    processes = {p.get("id"): p for p in root.findall(f"{_B}process")}
    participants = list(collaboration.iterfind(f"{_B}participant"))
    message_flows = list(collaboration.iterfind(f"{_B}messageFlow"))
    black_boxes = [p for p in participants if p.get("processRef") not in processes]

    # a provisional layout tells where the message targets are; external pools go above
    provisional = [layout_process(processes[p.get("processRef")], p.get("id") or "", 0)
                   for p in participants if p.get("processRef") in processes]
    node_x: dict[str, float] = {}
    for pl in provisional:
        for node in pl.nodes.values():
            if node.box is not None:
                node_x[node.id] = node.box.cx
    full_width = max((pl.pool.w for pl in provisional), default=600)
    spans: dict[str, tuple[float, float]] = {}
    for box_el in black_boxes:
        xs = [node_x[f.get("targetRef") or ""] for f in message_flows
              if f.get("sourceRef") == box_el.get("id") and f.get("targetRef") in node_x]
        xs += [node_x[f.get("sourceRef") or ""] for f in message_flows
               if f.get("targetRef") == box_el.get("id") and f.get("sourceRef") in node_x]
        if xs:
            left = max(MARGIN, min(xs) - 140)
            right = min(MARGIN + full_width, max(xs) + 140)
            spans[box_el.get("id") or ""] = (left, max(right, left + 300))
        else:
            spans[box_el.get("id") or ""] = (MARGIN, MARGIN + full_width)
    levels: list[list[tuple[float, float]]] = []
    level_of: dict[str, int] = {}
    for ident, (left, right) in spans.items():
        for index, taken in enumerate(levels):
            if all(right + 20 <= a or left >= b + 20 for a, b in taken):
                taken.append((left, right))
                level_of[ident] = index
                break
        else:
            levels.append([(left, right)])
            level_of[ident] = len(levels) - 1
    top: float = MARGIN + len(levels) * (EXTERNAL_H + EXTERNAL_GAP)

    diagram = etree.SubElement(root, f"{_BD}BPMNDiagram", id="BPMNDiagram_1")
    plane = etree.SubElement(diagram, f"{_BD}BPMNPlane", id="BPMNPlane_1",
                             bpmnElement=collaboration.get("id") or "")
    boxes: dict[str, Box] = {}
    for ident, (left, right) in spans.items():
        level = len(levels) - 1 - level_of[ident]
        box = Box(left, MARGIN + level * (EXTERNAL_H + EXTERNAL_GAP), right - left, EXTERNAL_H)
        boxes[ident] = box
        _shape(plane, ident, box, horizontal=True)
    for participant in participants:
        process = processes.get(participant.get("processRef"))
        if process is None:
            continue
        pl = layout_process(process, participant.get("id") or "", top)
        _draw_process(plane, process, pl)
        boxes[pl.participant] = pl.pool
        boxes.update({n.id: n.box for n in pl.nodes.values() if n.box is not None})
        top = pl.pool.bottom + EXTERNAL_GAP
    for flow in message_flows:
        source, target = boxes.get(flow.get("sourceRef") or ""), boxes.get(
            flow.get("targetRef") or "")
        if source is None or target is None:
            continue
        if source.bottom <= target.y:
            x = target.cx if source.x <= target.cx <= source.right else source.cx
            points = [(x, source.bottom), (x, target.y)]
        else:
            x = source.cx if target.x <= source.cx <= target.right else target.cx
            points = [(x, source.y), (x, target.bottom)]
        _edge(plane, flow.get("id") or "", points)


def _name_label(box: Box) -> Box:
    return Box(box.cx - 50, box.bottom + 5, 100, 27)


def _draw_process(plane: etree._Element, process: etree._Element, pl: ProcessLayout) -> None:
    _shape(plane, pl.participant, pl.pool, horizontal=True)
    for lane_id, box in pl.lanes.items():
        _shape(plane, lane_id, box, horizontal=True)
    elements = {el.get("id"): el for el in _flow_nodes(process)}
    for node in pl.nodes.values():
        assert node.box is not None
        element = elements[node.id]
        named = bool((element.get("name") or "").strip())
        label = _name_label(node.box) if named and node.family != "activity" else None
        _shape(plane, node.id, node.box, marker=node.kind == "exclusiveGateway", label=label)
    for flow in _sequence_flows(process):
        source = pl.nodes.get(flow.get("sourceRef") or "")
        target = pl.nodes.get(flow.get("targetRef") or "")
        if source is None or target is None:
            continue
        back = (source.id, target.id) in pl.back_edges
        points = _route(source, target, back)
        label = None
        if (flow.get("name") or "").strip():
            if source.family == "gateway" and len(points) >= 4:  # at the branch's own bend
                label = Box(points[2][0] + 6, points[2][1] - 18, 80, 14)
            else:
                (x1, y1), (x2, y2) = points[0], points[1]
                label = Box((x1 + x2) / 2 + 4, (y1 + y2) / 2 - 18, 80, 14)
        _edge(plane, flow.get("id") or "", points, label)


def missing_di(root: etree._Element) -> list[str]:
    """Return the ids of flow nodes, lanes, participants and flows that have no DI."""
    shapes = {s.get("bpmnElement") for s in root.iter(f"{_BD}BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{_BD}BPMNEdge")
             if len(e.findall(f"{_DI}waypoint")) >= 2}
    missing = []
    for process in root.iterfind(f"{_B}process"):
        for element in _flow_nodes(process) + _lanes(process):
            if element.get("id") not in shapes:
                missing.append(element.get("id") or "")
        missing += [f.get("id") or "" for f in _sequence_flows(process)
                    if f.get("id") not in edges]
    for participant in root.iter(f"{_B}participant"):
        if participant.get("id") not in shapes:
            missing.append(participant.get("id") or "")
    missing += [f.get("id") or "" for f in root.iter(f"{_B}messageFlow")
                if f.get("id") not in edges]
    return missing


def process_file(path: Path, check: bool) -> list[str]:
    """Lay out one file (or only check it); returns problems for ``--check``."""
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    tree = etree.parse(str(path), parser)
    if check:
        return [f"{path}: no DI for {ident}" for ident in missing_di(tree.getroot())]
    layout_document(tree.getroot())
    etree.indent(tree, space="  ")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return []


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="only report missing DI")
    args = parser.parse_args(argv)
    problems: list[str] = []
    for path in args.files:
        problems += process_file(path, args.check)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
