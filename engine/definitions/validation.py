"""Deploy-time validation of BPMN and DMN documents: every problem at once, with file and line.

:func:`validate_document` checks one parsed document (see :mod:`engine.definitions.xmlsafe`)
against the XSD
bundled with SpiffWorkflow, against what SpiffWorkflow 3.2.0 can actually execute
(:data:`UNSUPPORTED_FEATURES`), against our conventions (lanes map to teams, user tasks name a
form, all expressions are Python that compiles) and for dangling flows. Cross-file references
(call activities, business rule tasks) are collected by :func:`document_references` and checked
for a whole deployment by :func:`resolve_references`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree

from engine.definitions.expressions import (
    check_expressions,
    collect_bpmn_expressions,
    collect_dmn_expressions,
)
from engine.definitions.flow_checks import B, S, flow_problems, problem, wait_problems
from engine.definitions.xmlsafe import (
    BPMN_NS,
    DMN_NAMESPACES,
    document_kind,
    owner_id,
    schema_problems,
    source_line,
)
from engine.errors import DeployError, Problem
from engine.law.teams import TEAMS, team_for_lane

#: BPMN elements SpiffWorkflow 3.2.0 does not execute (checked against its parsers and specs),
#: each with the reason shown to the modeller. Conditional events are *not* listed: 3.2.0
#: parses them on start, intermediate catch and boundary events and re-evaluates their Python
#: condition (on the inherited task data plus the workflow's data objects) whenever a task
#: completes or ``update_waiting_tasks()`` runs (not on ``refresh_timers()``).
UNSUPPORTED_FEATURES: Mapping[str, str] = {
    "complexGateway": "SpiffWorkflow has no parser or task type for complex gateways",
    "dataStore": "SpiffBpmnParser has no data store implementations; case data lives in the case",
    "dataStoreReference": "data stores are not supported; case data lives in the case",
    "compensateEventDefinition": "SpiffWorkflow does not implement compensation; the event "
                                 "would silently do nothing or fail to load",
    "transaction": "SpiffWorkflow runs a transaction as a plain subprocess without rollback or "
                   "compensation; use a normal subprocess",
    "cancelEventDefinition": "cancel events only work inside transactions, which are not "
                             "supported",
    "adHocSubProcess": "ad-hoc subprocesses are experimental in SpiffWorkflow (no pre/post "
                       "scripts, completion condition evaluated on workflow-wide data)",
    "linkEventDefinition": "SpiffWorkflow does not parse link events; the throw would be a "
                           "dead end and the catch never reached",
}
#: DMN hit policies SpiffWorkflow's DMNEngine evaluates correctly (COLLECT without aggregation).
SUPPORTED_HIT_POLICIES = frozenset({"UNIQUE", "FIRST", "COLLECT"})

ExpressionChecker = Callable[[str, str], list[str]]

@dataclass
class References:
    """What one document defines and what it refers to in other documents.

    ``called_elements`` and ``called_decisions`` hold ``(element_id, line, target id)`` of each
    call activity / business rule task (target ``""`` when missing); ``messages`` the names of
    the document's ``bpmn:message`` elements.
    """

    process_ids: list[str] = field(default_factory=list)
    called_elements: list[tuple[str, int | None, str]] = field(default_factory=list)
    decision_ids: list[str] = field(default_factory=list)
    called_decisions: list[tuple[str, int | None, str]] = field(default_factory=list)
    #: decision id -> the processes (of this document) whose business-rule tasks call it
    decision_callers: dict[str, list[str]] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def validate_document(
    file_name: str,
    tree: etree._ElementTree,
    *,
    check_expression: ExpressionChecker,
    known_forms: Collection[str] | None,
) -> list[Problem]:
    """Return every problem of one parsed BPMN or DMN document (empty list: deployable).

    ``check_expression(source, mode)`` compiles one Python expression (``mode="eval"``) or
    script (``mode="exec"``) and returns error messages. ``known_forms`` are the form file names
    of the deployment; ``None`` skips the check that named forms exist.
    """
    try:
        kind = document_kind(tree, file_name)
    except DeployError as exc:
        return list(exc.problems)
    root = tree.getroot()
    problems = schema_problems(file_name, tree)
    if kind == "dmn":
        problems += _dmn_problems(file_name, root)
        expressions, found = collect_dmn_expressions(root, file_name)
    else:
        problems += _unsupported_problems(file_name, root)
        problems += _process_problems(file_name, root)
        problems += _lane_problems(file_name, root)
        problems += _user_task_problems(file_name, root, known_forms)
        problems += flow_problems(file_name, root)
        problems += wait_problems(file_name, root)
        problems += _reserved_id_problems(file_name, root)
        expressions, found = collect_bpmn_expressions(root, file_name)
    problems += found
    problems += check_expressions(file_name, expressions, check_expression)
    return problems


RESERVED_IDS = frozenset({"Start", "End", "Root"})


def _reserved_id_problems(file_name: str, root: etree._Element) -> list[Problem]:
    """SpiffWorkflow names its own tasks Start/End/Root/<process>.EndJoin; ids must differ."""
    problems = []
    for element in root.iter():
        element_id = element.get("id") if isinstance(element.tag, str) else None
        if element_id and (element_id in RESERVED_IDS or element_id.endswith(".EndJoin")):
            problems.append(problem(file_name, element, f"id {element_id!r} is reserved by the "
                                     "engine; rename the element", "process", element_id))
    return problems


def _unsupported_problems(file_name: str, root: etree._Element) -> list[Problem]:
    problems = []
    for name, reason in UNSUPPORTED_FEATURES.items():
        for element in root.iter(B + name):
            ident = owner_id(element)
            what = f"{name} {ident}" if element.get("id") == ident else f"{name} of {ident}"
            problems.append(problem(file_name, element, f"{what} is not supported: {reason}",
                                     "unsupported", ident))
    return problems


def _process_problems(file_name: str, root: etree._Element) -> list[Problem]:
    processes = root.findall(B + "process")
    if not processes:
        return [problem(file_name, root, "the document defines no process", "process",
                         root.get("id"))]
    problems = []
    for process in processes:
        ident, flag = process.get("id"), process.get("isExecutable")
        if flag is not None and flag.strip() != "true":
            problems.append(problem(file_name, process, f"process {ident} is not executable "
                                     f"(isExecutable={flag})", "process", ident))
    for activity in root.iter(B + "callActivity"):
        if not (activity.get("calledElement") or "").strip():
            problems.append(problem(file_name, activity, f"call activity {activity.get('id')} "
                                     "has no calledElement", "reference"))
    for task in root.iter(B + "businessRuleTask"):
        if not _called_decision(task)[1]:
            problems.append(problem(file_name, task, f"business rule task {task.get('id')} has "
                                     "no spiffworkflow:calledDecisionId", "reference"))
    return problems


def _lane_problems(file_name: str, root: etree._Element) -> list[Problem]:
    problems = []
    known = ", ".join(team.name_de for team in TEAMS)
    for process in root.findall(B + "process"):
        lanes = list(process.iter(B + "lane"))
        in_lane: set[str] = set()
        for lane in lanes:
            name = lane.get("name")
            if not (name or "").strip():
                problems.append(problem(file_name, lane, f"lane {lane.get('id')} has no name, so "
                                         f"it maps to no team (known: {known})", "lane"))
            elif team_for_lane(name) is None:
                problems.append(problem(file_name, lane, f"lane '{name}' maps to no team "
                                         f"(known: {known})", "lane"))
            in_lane.update((ref.text or "").strip() for ref in lane.findall(B + "flowNodeRef"))
        user_tasks = list(process.iter(B + "userTask"))
        if user_tasks and not lanes:
            problems.append(problem(file_name, process, f"process {process.get('id')} has user "
                                     "tasks but no lanes; put each user task in a team's lane",
                                     "lane"))
            continue
        for task in user_tasks:
            if not any(node.get("id") in in_lane for node in _up_to(task, process)):
                problems.append(problem(file_name, task, f"user task {task.get('id')} is not in "
                                         "any lane", "lane"))
    return problems


def _up_to(element: etree._Element, stop: etree._Element) -> Iterator[etree._Element]:
    node: etree._Element | None = element
    while node is not None and node is not stop:
        yield node
        node = node.getparent()


def _properties(element: etree._Element) -> dict[str, etree._Element]:
    path = f"{B}extensionElements/{S}properties/{S}property"
    return {prop.get("name") or "": prop for prop in element.iterfind(path)}


MAX_SLA_DAYS = 9999
SLA_PATTERN = r"[1-9][0-9]{0,3}"  # 1 to MAX_SLA_DAYS working days


def _user_task_problems(file_name: str, root: etree._Element,
                        known_forms: Collection[str] | None) -> list[Problem]:
    problems = []
    for task in root.iter(B + "userTask"):
        ident = task.get("id")
        props = _properties(task)
        form = props.get("formJsonSchemaFilename")
        form_name = (form.get("value") or "").strip() if form is not None else ""
        if form is None or not form_name:
            problems.append(problem(file_name, task, f"user task {ident} has no form "
                                     "(property formJsonSchemaFilename)", "form", ident))
        elif known_forms is not None and form_name not in known_forms:
            problems.append(problem(file_name, form, f"form '{form_name}' not found", "form",
                                     ident))
        sla = props.get("sla_days")
        # issue 15, point 14: an SLA of 0 or fewer days would make every task overdue at once
        if sla is not None and not re.fullmatch(SLA_PATTERN, (sla.get("value") or "").strip()):
            problems.append(problem(file_name, sla, f"sla_days of user task {ident} must be a "
                                     f"whole number of working days from 1 to {MAX_SLA_DAYS}, "
                                     f"not '{sla.get('value') or ''}'", "form", ident))
    return problems


def _dmn_problems(file_name: str, root: etree._Element) -> list[Problem]:
    d = f"{{{etree.QName(root).namespace}}}"
    decisions = root.findall(d + "decision")
    if not decisions:
        return [problem(file_name, root, "the document defines no decision", "decision",
                         root.get("id"))]
    problems = [problem(file_name, extra, f"decision {extra.get('id')}: only one decision per "
                         "DMN file is supported", "unsupported") for extra in decisions[1:]]
    for decision in decisions:
        table = decision.find(d + "decisionTable")
        if table is None:
            problems.append(problem(file_name, decision, f"decision {decision.get('id')} has no "
                                     "decision table; only decision tables are supported",
                                     "unsupported"))
            continue
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in SUPPORTED_HIT_POLICIES or table.get("aggregation"):
            shown = policy + (f" {table.get('aggregation')}" if table.get("aggregation") else "")
            problems.append(problem(file_name, table, f"hit policy {shown} is not supported "
                                     "(use UNIQUE, FIRST or COLLECT without aggregation)",
                                     "unsupported", decision.get("id")))
    return problems


def _called_decision(task: etree._Element) -> tuple[etree._Element, str]:
    element = task.find(f"{B}extensionElements/{S}calledDecisionId")
    if element is None:
        return task, ""
    return element, (element.text or "").strip()


def document_references(tree: etree._ElementTree) -> References:
    """Return the processes/decisions a document defines and the ones it calls."""
    root = tree.getroot()
    refs = References()
    namespace = etree.QName(root).namespace
    if namespace in DMN_NAMESPACES:
        refs.decision_ids = [d.get("id") or "" for d in root.findall(f"{{{namespace}}}decision")]
        return refs
    if namespace != BPMN_NS:
        return refs
    refs.process_ids = [p.get("id") or "" for p in root.findall(B + "process")]
    refs.called_elements = [
        (a.get("id") or "", source_line(a), (a.get("calledElement") or "").strip())
        for a in root.iter(B + "callActivity")
    ]
    for process in root.findall(B + "process"):
        for task in process.iter(B + "businessRuleTask"):
            holder, decision = _called_decision(task)
            refs.called_decisions.append((task.get("id") or "", source_line(holder), decision))
            callers = refs.decision_callers.setdefault(decision, [])
            if process.get("id") and process.get("id") not in callers:
                callers.append(process.get("id") or "")
    refs.messages = [m.get("name") or m.get("id") or "" for m in root.iter(B + "message")]
    return refs


def resolve_references(
    file_refs: dict[str, References],
    *,
    extra_process_ids: Collection[str] = (),
    extra_decision_ids: Collection[str] = (),
) -> list[Problem]:
    """Check the references of all documents of one deployment against each other.

    ``extra_*`` name processes and decisions that already exist outside this deployment.
    Reports ids defined in two files, call activities calling an unknown process and business
    rule tasks calling an unknown decision.
    """
    problems: list[Problem] = []
    owners: dict[tuple[str, str], str] = {}
    for file_name in sorted(file_refs):
        refs = file_refs[file_name]
        for what, ids in (("process", refs.process_ids), ("decision", refs.decision_ids)):
            for ident in ids:
                first = owners.setdefault((what, ident), file_name)
                if first != file_name:
                    problems.append(Problem(file=file_name, element_id=ident, rule="reference",
                                            message=f"{what} '{ident}' is also defined in "
                                                    f"{first}"))
    processes = {i for (what, i) in owners if what == "process"} | set(extra_process_ids)
    decisions = {i for (what, i) in owners if what == "decision"} | set(extra_decision_ids)
    for file_name in sorted(file_refs):
        refs = file_refs[file_name]
        for ident, line, called in refs.called_elements:
            if called and called not in processes:
                problems.append(Problem(file=file_name, line=line, element_id=ident,
                                        rule="reference", message=f"call activity {ident} "
                                        f"calls unknown process '{called}'"))
        for ident, line, called in refs.called_decisions:
            if called and called not in decisions:
                problems.append(Problem(file=file_name, line=line, element_id=ident,
                                        rule="reference", message=f"business rule task {ident} "
                                        f"calls unknown decision '{called}'"))
    return problems
