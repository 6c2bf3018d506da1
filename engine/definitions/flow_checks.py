"""Structural checks of BPMN flows at deploy time: every container has its start (and, for
subprocesses, end) events, no dangling or unknown flows, one outgoing flow unless a gateway
splits, boundary events attached to existing activities, gateway conditions and defaults.

Also the helpers every check shares: the problem with file, line and element, local names.
"""

from __future__ import annotations

from lxml import etree

from engine.definitions.xmlsafe import BPMN_NS, SPIFF_NS, owner_id, source_line
from engine.errors import Problem

B = f"{{{BPMN_NS}}}"
S = f"{{{SPIFF_NS}}}"
GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway",
                       "eventBasedGateway", "complexGateway"})
FLOW_NODES = GATEWAYS | {
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
}
CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")


def problem(file_name: str, element: etree._Element, message: str, rule: str,
            element_id: str | None = None) -> Problem:
    """A deploy problem at ``element`` (its line and owning element id)."""
    return Problem(file=file_name, message=message, line=source_line(element), rule=rule,
                   element_id=element_id if element_id is not None else owner_id(element))


def local_name(element: etree._Element) -> str:
    """The tag of ``element`` without its namespace."""
    return etree.QName(element).localname


def flow_problems(file_name: str, root: etree._Element) -> list[Problem]:
    """Every structural flow problem of a BPMN document."""
    problems: list[Problem] = []
    for container in (c for tag in CONTAINERS for c in root.iter(B + tag)):
        problems += _container_flow_problems(file_name, container)
    return problems


def _container_flow_problems(file_name: str, container: etree._Element) -> list[Problem]:
    problems = []
    cid, kind = container.get("id"), local_name(container)
    nodes = {el.get("id") or "": el for el in container if isinstance(el.tag, str)
             and local_name(el) in FLOW_NODES and el.get("id")}
    outgoing: dict[str, list[etree._Element]] = {}
    incoming: dict[str, int] = {}
    for flow in container.iterfind(B + "sequenceFlow"):
        for end in ("sourceRef", "targetRef"):
            ref = flow.get(end)
            if ref and ref not in nodes:
                problems.append(problem(file_name, flow, f"sequence flow {flow.get('id')}: "
                                         f"{end} '{ref}' does not exist in {kind} {cid}", "flow"))
        source, target = flow.get("sourceRef") or "", flow.get("targetRef") or ""
        outgoing.setdefault(source, []).append(flow)
        incoming[target] = incoming.get(target, 0) + 1
    starts = [n for n in nodes.values() if local_name(n) == "startEvent"]
    if kind == "process" and not starts:
        problems.append(problem(file_name, container, f"process {cid} has no start event",
                                 "flow"))
    elif kind != "process" and (len(starts) != 1 or not any(
            local_name(n) == "endEvent" for n in nodes.values())):
        problems.append(problem(file_name, container, f"{kind} {cid} needs exactly one start "
                                 f"event and at least one end event", "flow"))
    if kind == "adHocSubProcess":
        return problems  # its tasks are deliberately unconnected (and it is unsupported anyway)
    for ident, node in nodes.items():
        name, outs = local_name(node), outgoing.get(ident, [])
        if name == "subProcess" and node.get("triggeredByEvent") == "true":
            continue  # event subprocesses are started by their event, not by flows
        if name not in ("startEvent", "boundaryEvent") and not incoming.get(ident):
            problems.append(problem(file_name, node, f"{name} {ident} has no incoming sequence "
                                     "flow (dangling)", "flow"))
        if name != "endEvent" and not outs:
            problems.append(problem(file_name, node, f"{name} {ident} has no outgoing sequence "
                                     "flow (dangling)", "flow"))
        if len(outs) > 1 and name not in GATEWAYS and name != "startEvent":
            problems.append(problem(file_name, node, f"{name} {ident} has {len(outs)} outgoing "
                                     "sequence flows; split the flow with a gateway", "flow"))
        if name == "boundaryEvent" and node.get("attachedToRef") not in nodes:
            problems.append(problem(file_name, node, f"boundary event {ident} is attached to "
                                     f"unknown activity '{node.get('attachedToRef')}'", "flow"))
        if name in ("exclusiveGateway", "inclusiveGateway") and len(outs) > 1:
            problems += _gateway_problems(file_name, node, outs)
    return problems


def _gateway_problems(file_name: str, gateway: etree._Element,
                      outs: list[etree._Element]) -> list[Problem]:
    problems = []
    ident, default = gateway.get("id"), gateway.get("default")
    if default and default not in {flow.get("id") for flow in outs}:
        problems.append(problem(file_name, gateway, f"default flow '{default}' of gateway "
                                 f"{ident} is not one of its outgoing flows", "flow"))
    for flow in outs:
        if flow.get("id") == default:
            continue
        condition = flow.find(B + "conditionExpression")
        if condition is None or not (condition.text or "").strip():
            holder = flow if condition is None else condition
            problems.append(problem(
                file_name, holder, f"sequence flow {flow.get('id')} leaves gateway {ident} "
                "without a condition and is not its default flow", "expression",
                flow.get("id")))
    return problems


def wait_problems(file_name: str, root: etree._Element) -> list[Problem]:
    """Every wait for an outside event must be watched by a timer (rule ``unwatched-wait``):
    a message catch event only behind an event-based gateway that also has a timer branch, an
    event-based gateway only with a timer branch, a receive task only with a boundary timer.
    So no case can wait forever without anybody noticing."""
    problems: list[Problem] = []
    for container in (c for tag in CONTAINERS for c in root.iter(B + tag)):
        nodes = {el.get("id") or "": el for el in container if isinstance(el.tag, str)}
        sources: dict[str, list[str]] = {}
        targets: dict[str, list[str]] = {}
        for flow in container.iterfind(B + "sequenceFlow"):
            source, target = flow.get("sourceRef") or "", flow.get("targetRef") or ""
            sources.setdefault(target, []).append(source)
            targets.setdefault(source, []).append(target)
        timed = {ident for ident, node in nodes.items() if _catches(node, "timerEventDefinition")}
        watched_gateways = {ident for ident, node in nodes.items()
                            if local_name(node) == "eventBasedGateway"
                            and any(t in timed for t in targets.get(ident, []))}
        bounded = {node.get("attachedToRef") for node in nodes.values()
                   if local_name(node) == "boundaryEvent"
                   and node.find(B + "timerEventDefinition") is not None}
        for ident, node in nodes.items():
            kind = local_name(node)
            if kind == "eventBasedGateway" and ident not in watched_gateways:
                problems.append(problem(file_name, node, f"event-based gateway {ident} has no "
                                        "timer branch: a case could wait forever", RULE_WAIT))
            elif kind == "intermediateCatchEvent" and _catches(node, "messageEventDefinition") \
                    and not any(s in watched_gateways for s in sources.get(ident, [])):
                problems.append(problem(file_name, node, f"message wait {ident} has no timer "
                                        "alternative: put it behind an event-based gateway "
                                        "with a follow-up timer (Watch_<message>)", RULE_WAIT))
            elif kind == "receiveTask" and ident not in bounded:
                problems.append(problem(file_name, node, f"receive task {ident} has no "
                                        "boundary timer: a case could wait forever", RULE_WAIT))
    return problems


RULE_WAIT = "unwatched-wait"


def _catches(node: etree._Element, definition: str) -> bool:
    return local_name(node) == "intermediateCatchEvent" and node.find(B + definition) is not None
