"""The layout model of ``tools/bpmn_layout.py``: boxes, nodes, columns and rows of one process
(a layered left-to-right layout; the rules are in that tool's docstring)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

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
