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
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
_B, _BD, _DC, _DI = (f"{{{ns}}}" for ns in (BPMN, BPMNDI, DC, DI))

ACTIVITIES = frozenset({
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess",
})
EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
                    "boundaryEvent"})
GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway",
                      "eventBasedGateway", "complexGateway"})
FLOW_NODES = ACTIVITIES | EVENTS | GATEWAYS

SIZES = {"activity": (100, 80), "event": (36, 36), "gateway": (50, 50)}
COL_W = 150          # column pitch
ROW_H = 130          # row pitch inside a lane (task, boundary event and label fit)
LANE_PAD = 15        # space above the first row of a lane
POOL_LABEL_W = 30    # vertical band with the pool name
LANE_LABEL_W = 30    # vertical band with the lane name
CONTENT_PAD = 40     # space between the lane label and the first column
EXTERNAL_H = 60      # height of a black-box pool
EXTERNAL_GAP = 30    # vertical gap between pools
MARGIN = 40          # left and top margin of the drawing


@dataclass
class Box:
    """Bounds of a shape."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        """Horizontal centre."""
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        """Vertical centre."""
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        """Right edge."""
        return self.x + self.w

    @property
    def bottom(self) -> float:
        """Bottom edge."""
        return self.y + self.h


@dataclass
class Node:
    """A flow node with its layout attributes."""

    id: str
    kind: str          # local tag name
    lane: str | None
    host: str | None = None    # boundary events: the activity they are attached to
    col: int = 0
    row: int = 0
    box: Box | None = None

    @property
    def family(self) -> str:
        """Size class: ``activity``, ``event`` or ``gateway``."""
        if self.kind in EVENTS:
            return "event"
        if self.kind in GATEWAYS:
            return "gateway"
        return "activity"


@dataclass
class ProcessLayout:
    """The computed positions of one process pool."""

    participant: str
    pool: Box
    lanes: dict[str, Box] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    back_edges: set[tuple[str, str]] = field(default_factory=set)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _flow_nodes(process: etree._Element) -> list[etree._Element]:
    return [el for el in process if isinstance(el.tag, str) and el.tag.startswith(_B)
            and _local(el) in FLOW_NODES]


def _lanes(process: etree._Element) -> list[etree._Element]:
    return list(process.iterfind(f"{_B}laneSet/{_B}lane"))


def _sequence_flows(process: etree._Element) -> list[etree._Element]:
    return list(process.iterfind(f"{_B}sequenceFlow"))


def _order_and_columns(nodes: dict[str, Node], flows: list[tuple[str, str]]
                       ) -> tuple[list[str], set[tuple[str, str]]]:
    """Depth-first discovery order and back edges; then longest-path columns on the DAG."""
    succ: dict[str, list[str]] = defaultdict(list)
    for source, target in flows:
        succ[source].append(target)
    for node in nodes.values():  # a boundary event follows its host
        if node.host in nodes:
            succ[node.host].insert(0, node.id)
    incoming = {t for _, t in flows} | {n.id for n in nodes.values() if n.host}
    roots = [n for n in nodes if n not in incoming]
    order: list[str] = []
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 = on stack, 2 = done
    for root in roots + list(nodes):
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        order.append(root)
        while stack:
            current, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[current] = 2
                stack.pop()
                continue
            if child not in nodes:
                continue
            if state.get(child) == 1:
                back.add((current, child))
            elif child not in state:
                state[child] = 1
                order.append(child)
                stack.append((child, iter(succ[child])))
    # longest path over forward edges, in topological order (Kahn)
    dag: dict[str, list[str]] = defaultdict(list)
    indeg = dict.fromkeys(nodes, 0)
    for source, targets in succ.items():
        for target in targets:
            if (source, target) in back or target not in nodes or source not in nodes:
                continue
            dag[source].append(target)
            indeg[target] += 1
    rank = {node_id: i for i, node_id in enumerate(order)}
    ready = sorted((n for n, d in indeg.items() if d == 0), key=rank.__getitem__)
    while ready:
        current = ready.pop(0)
        for target in dag[current]:
            boundary_step = nodes[target].host == current
            step = 0 if boundary_step else 1
            nodes[target].col = max(nodes[target].col, nodes[current].col + step)
            indeg[target] -= 1
            if indeg[target] == 0:
                ready.append(target)
                ready.sort(key=rank.__getitem__)
    return order, back


def _assign_rows(nodes: dict[str, Node], order: list[str], flows: list[tuple[str, str]],
                 back: set[tuple[str, str]]) -> dict[str | None, int]:
    """Give every non-boundary node a row in its lane; returns the row count per lane.

    Nodes form *tracks*: a node continues the track of its first predecessor in the same lane
    unless another successor continued it already (the other branches of a split start tracks
    of their own). A track occupies its row from the column where its incoming edge turns into
    the row (half a column after the source) to its last node, or to the gap before a merge
    gateway it runs into. Tracks of a lane are packed into rows like intervals, so that no edge
    runs through a node of another track.
    """
    preds: dict[str, list[str]] = defaultdict(list)
    for src, dst in flows:
        if (src, dst) not in back and src in nodes and dst in nodes:
            preds[dst].append(src)
    track_of: dict[str, int] = {}
    tracks: list[list[str]] = []
    ranked = sorted((n for n in order if not nodes[n].host),
                    key=lambda n: (nodes[n].col, order.index(n)))
    for node_id in ranked:
        node = nodes[node_id]
        for pred_id in preds[node_id]:
            pred = nodes[pred_id]
            if (pred_id in track_of and pred.lane == node.lane
                    and tracks[track_of[pred_id]][-1] == pred_id):
                track_of[node_id] = track_of[pred_id]
                tracks[track_of[node_id]].append(node_id)
                break
        else:
            track_of[node_id] = len(tracks)
            tracks.append([node_id])
    span = [[float(nodes[t[0]].col), float(nodes[t[-1]].col)] for t in tracks]
    for target_id, sources in preds.items():
        target = nodes[target_id]
        if target.host or target_id not in track_of:
            continue
        for source_id in sources:
            source = nodes[source_id]
            if source.host:  # boundary event: turns into the row after its host's column
                host = nodes.get(source.host)
                start = (host.col if host else target.col) + 0.5
                span[track_of[target_id]][0] = min(span[track_of[target_id]][0], start)
            elif track_of.get(source_id) == track_of[target_id]:
                continue
            elif target.family == "gateway" and source.family != "gateway":  # merge: source row
                track = span[track_of[source_id]]
                track[1] = max(track[1], target.col - 0.5)
            else:  # turns into the target's row right after the source's column
                track = span[track_of[target_id]]
                track[0] = min(track[0], source.col + 0.5)
    rows: dict[str | None, int] = defaultdict(lambda: 1)
    taken: dict[tuple[str | None, int], list[list[float]]] = defaultdict(list)
    track_row: dict[int, int] = {}
    for index in sorted(range(len(tracks)), key=lambda i: (span[i][0], i)):
        lane = nodes[tracks[index][0]].lane
        lo, hi = span[index]
        head_preds = [p for p in preds[tracks[index][0]] if p in track_of
                      and nodes[p].lane == lane and track_of[p] in track_row]
        row = track_row[track_of[head_preds[0]]] if head_preds else 0
        candidates = [row, *range(0, 1000)]
        for row in candidates:
            if all(hi < a or b < lo for a, b in taken[(lane, row)]):
                break
        track_row[index] = row
        taken[(lane, row)].append([lo, hi])
        rows[lane] = max(rows[lane], row + 1)
        for node_id in tracks[index]:
            nodes[node_id].row = row
    return rows


def layout_process(process: etree._Element, participant_id: str, top: float) -> ProcessLayout:
    """Compute the pool, lane and node bounds of one process, with the pool's top at ``top``."""
    lanes = _lanes(process)
    lane_of: dict[str, str] = {}
    for lane in lanes:
        for ref in lane.iterfind(f"{_B}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = lane.get("id") or ""
    nodes: dict[str, Node] = {}
    for element in _flow_nodes(process):
        node_id = element.get("id") or ""
        host = element.get("attachedToRef") if _local(element) == "boundaryEvent" else None
        nodes[node_id] = Node(node_id, _local(element), lane_of.get(node_id), host)
    for node in nodes.values():  # boundary events belong to the lane of their host
        if node.host in nodes:
            node.lane = nodes[node.host].lane
    flows = [(f.get("sourceRef") or "", f.get("targetRef") or "") for f in _sequence_flows(process)]
    order, back = _order_and_columns(nodes, flows)
    rows = _assign_rows(nodes, order, flows, back)

    lane_ids: list[str | None] = [lane.get("id") for lane in lanes] or [None]
    if any(n.lane is None for n in nodes.values()) and lanes:
        lane_ids.append(None)  # nodes outside every lane get a band of their own (no shape)
    label_w = POOL_LABEL_W + (LANE_LABEL_W if lanes else 0)
    content_x = MARGIN + label_w + CONTENT_PAD
    max_col = max((n.col for n in nodes.values()), default=0)
    width = label_w + CONTENT_PAD + (max_col + 1) * COL_W + CONTENT_PAD
    result = ProcessLayout(participant_id, Box(MARGIN, top, width, 0))
    y = top
    lane_top: dict[str | None, float] = {}
    for lane_id in lane_ids:
        height = LANE_PAD * 2 + rows[lane_id] * ROW_H
        lane_top[lane_id] = y
        if lane_id is not None:
            result.lanes[lane_id] = Box(MARGIN + POOL_LABEL_W, y, width - POOL_LABEL_W, height)
        y += height
    result.pool.h = y - top
    for node in nodes.values():
        if node.host:
            continue
        w, h = SIZES[node.family]
        cx = content_x + node.col * COL_W + SIZES["activity"][0] / 2
        cy = lane_top[node.lane] + LANE_PAD + node.row * ROW_H + SIZES["activity"][1] / 2
        node.box = Box(cx - w / 2, cy - h / 2, w, h)
    attached: dict[str, int] = defaultdict(int)
    for node in nodes.values():
        if not node.host:
            continue
        host_box = nodes[node.host].box if node.host in nodes else None
        if host_box is None:
            node.box = Box(content_x, top, *SIZES["event"])
            continue
        k = attached[node.host]
        attached[node.host] += 1
        cx = host_box.right - 20 - k * 42
        node.box = Box(cx - 18, host_box.bottom - 18, 36, 36)
    result.nodes = nodes
    result.back_edges = back
    return result


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
