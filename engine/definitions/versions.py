"""Process versions side by side: history, element-level diff, and moving running instances.

The diff compares the stored BPMN of two versions (hardened parse), element by element: name,
lane, timer expression, SLA (``sla_days``), sequence-flow condition and form.

Migration re-targets an instance's state at a newer spec. The rule is deliberately narrow:
every task that is not merely predicted (READY, WAITING, STARTED, COMPLETED, ...) must exist in
the new spec under the same id with the same task type, and no running called process /
subprocess may have changed (a called process that has finished may have changed if every
element it passed is still there). Called processes are compared by their stored specs, which
restoring a spec leaves untouched (``spiff.spec_from_dict`` works on a copy). Predicted tasks
(FUTURE, LIKELY, MAYBE) below the active tasks are dropped and predicted again from the new spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import (
    BoundaryEvent as BoundaryEventMixin,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.definitions.deploy import xml_of_version
from engine.definitions.xmlsafe import parse_document
from engine.errors import NotFound
from engine.execution.spiff import SpecBundle, dump_state, load_state
from engine.persistence.models import AuditEvent, ProcessInstance, ProcessVersion
from engine.states import InstanceStatus

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_SKIPPED = {"laneSet", "extensionElements", "documentation", "ioSpecification",
            "dataObject", "property", "textAnnotation", "association"}
_PREDICTED = TaskState.PREDICTED_MASK | TaskState.FUTURE
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
DIFF_FIELDS = ("type", "name", "lane", "timer", "sla_days", "condition", "form")


def get_version(session: Session, key: str, version: int) -> ProcessVersion:
    """Return one deployed version or raise NotFound."""
    if not 0 < version < 2**31:
        raise NotFound(f"process {key!r} has no version {version}")
    row = session.scalars(select(ProcessVersion).where(
        ProcessVersion.key == key, ProcessVersion.version == version)).first()
    if row is None:
        raise NotFound(f"process {key!r} has no version {version}")
    return row


def history(session: Session, key: str) -> list[dict[str, Any]]:
    """Every version of a process, newest first, with its count of running instances and,
    for a version made by a roll-back, the version it restored (``restored_from``)."""
    rows = list(session.scalars(select(ProcessVersion).where(ProcessVersion.key == key)
                                .order_by(ProcessVersion.version.desc())))
    if not rows:
        raise NotFound(f"process {key!r} is not deployed")
    counts: dict[int, int] = {vid: n for vid, n in session.execute(
        select(ProcessInstance.process_version_id, func.count())
        .where(ProcessInstance.process_version_id.in_([r.id for r in rows]),
               ProcessInstance.status == InstanceStatus.RUNNING)
        .group_by(ProcessInstance.process_version_id))}
    restored: dict[int, int] = {}
    for details in session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "rolled_back", AuditEvent.element_id == key)):
        if isinstance(details.get("version"), int) and isinstance(
                details.get("restored_version"), int):
            restored[details["version"]] = details["restored_version"]
    return [{"version": r.version, "name": r.name, "file_name": r.file_name,
             "deployed_at": r.deployed_at, "deployed_by": r.deployed_by,
             "running_cases": counts.get(r.id, 0), "restored_from": restored.get(r.version)}
            for r in rows]


# -- diff -------------------------------------------------------------------------------------
def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def _property(el: etree._Element, name: str) -> str | None:
    for prop in el.iterfind(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/"
                            f"{{{SPIFF_NS}}}property"):
        if prop.get("name") == name:
            return prop.get("value")
    return None


def _timer(el: etree._Element) -> str | None:
    for ted in el.iterfind(f"{{{BPMN_NS}}}timerEventDefinition"):
        for child in ted:
            if _local(child) in ("timeDuration", "timeDate", "timeCycle"):
                return f"{_local(child)}: {_text(child)}"
    return None


def _elements(xml: str, file_name: str, key: str) -> dict[str, dict[str, Any]]:
    tree = parse_document(file_name, xml.encode("utf-8"))
    process = next((p for p in tree.getroot().iterfind(f"{{{BPMN_NS}}}process")
                    if p.get("id") == key), None)
    if process is None:
        return {}
    lanes = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.iterfind(f"{{{BPMN_NS}}}flowNodeRef"):
            if ref.text:
                lanes[ref.text.strip()] = lane.get("name") or lane.get("id")
    found: dict[str, dict[str, Any]] = {}

    def walk(container: etree._Element) -> None:
        for el in container:
            kind = _local(el)
            if not kind or kind in _SKIPPED or not el.get("id"):
                continue
            found[el.get("id", "")] = {
                "type": kind, "name": el.get("name"), "lane": lanes.get(el.get("id", "")),
                "timer": _timer(el), "sla_days": _property(el, "sla_days"),
                "condition": _text(el.find(f"{{{BPMN_NS}}}conditionExpression")),
                "form": _property(el, "formJsonSchemaFilename"),
            }
            if kind in ("subProcess", "transaction", "adHocSubProcess"):
                walk(el)

    walk(process)
    return found


def diff_versions(session: Session, key: str, a: int, b: int) -> dict[str, Any]:
    """Elements added, removed and changed from version ``a`` to version ``b`` of ``key``."""
    old_row, new_row = get_version(session, key, a), get_version(session, key, b)
    old = _elements(xml_of_version(session, old_row), old_row.file_name, key)
    new = _elements(xml_of_version(session, new_row), new_row.file_name, key)

    def brief(element_id: str, info: dict[str, Any]) -> dict[str, Any]:
        return {"element_id": element_id, "type": info["type"], "name": info["name"]}

    changed = []
    for element_id in sorted(set(old) & set(new)):
        changes = {f: {"from": old[element_id][f], "to": new[element_id][f]}
                   for f in DIFF_FIELDS if old[element_id][f] != new[element_id][f]}
        if changes:
            changed.append({**brief(element_id, new[element_id]), "changes": changes})
    return {
        "key": key, "from": a, "to": b,
        "added": [brief(i, new[i]) for i in sorted(set(new) - set(old))],
        "removed": [brief(i, old[i]) for i in sorted(set(old) - set(new))],
        "changed": changed,
    }


# -- migration --------------------------------------------------------------------------------
@dataclass(frozen=True)
class MigrationCheck:
    """Whether one instance can move to the new spec, and why not."""

    reasons: list[str]

    @property
    def ok(self) -> bool:
        """True when nothing stands in the way."""
        return not self.reasons


def check_migration(workflow: BpmnWorkflow, old: ProcessVersion,
                    new: ProcessVersion, new_bundle: SpecBundle) -> MigrationCheck:
    """List why ``workflow`` (running on ``old``) cannot be moved to ``new``; empty if it can."""
    reasons: list[str] = []
    new_specs = new_bundle[0].task_specs
    predicted = _predicted_tops(workflow)
    skipped = {t.id for top in predicted for t in _subtree(top)}
    tasks = [t for t in workflow.get_tasks(skip_subprocesses=True) if t.id not in skipped]
    reasons.extend(_element_reasons(tasks, new_specs, new.version))
    # the stored specs of the called processes (never the restored objects: compared as data)
    old_subs = old.spec.get("subprocess_specs", {})
    new_subs = new.spec.get("subprocess_specs", {})
    for sub in workflow.subprocesses.values():
        name = sub.spec.name
        if name not in new_subs:
            reasons.append(f"the running called process {name} is not part of version "
                           f"{new.version}")
        elif old_subs.get(name) == new_subs[name]:
            continue
        elif sub.is_completed():  # finished: only the elements it passed must still be there
            passed = sub.get_tasks(skip_subprocesses=True)
            reasons.extend(_element_reasons(passed, new_bundle[1][name].task_specs,
                                            new.version, f"{name}:"))
        else:
            reasons.append(f"the called process {name} changed and is already running")
    return MigrationCheck(sorted(set(reasons)))


def _element_reasons(tasks: list[Any], new_specs: dict[str, Any], version: int,
                     prefix: str = "") -> list[str]:
    """Why these tasks have no counterpart in the new specs: missing, or of another type."""
    reasons = []
    for task in tasks:
        spec = task.task_spec
        target = new_specs.get(spec.name)
        where = "waiting" if task.has_state(_ACTIVE) else "passed"
        element = prefix + (spec.bpmn_id or spec.name)
        if target is None:
            reasons.append(f"{where} element {element} does not exist in version {version}")
        elif type(target).__name__ != type(spec).__name__:
            reasons.append(f"{where} element {element} is a {type(target).__name__} in version "
                           f"{version}, not a {type(spec).__name__}")
    return reasons


def position(workflow: BpmnWorkflow) -> list[str]:
    """Where a running instance stands: the elements it waits at (``name (id)``), called
    processes included, without the calls that contain them and without boundary events."""
    found = []
    for task in workflow.get_tasks(state=_ACTIVE):
        spec = task.task_spec
        if not getattr(spec, "bpmn_id", None) or task.id in workflow.subprocesses \
                or isinstance(spec, BoundaryEventMixin):
            continue
        name = getattr(spec, "bpmn_name", None)
        found.append(f"{name} ({spec.bpmn_id})" if name else str(spec.bpmn_id))
    return sorted(set(found))


def _predicted_tops(workflow: BpmnWorkflow) -> list[Any]:
    """Predicted tasks whose parent is active: the branches the new spec predicts again."""
    return [t for t in workflow.get_tasks(skip_subprocesses=True)
            if t.has_state(_PREDICTED) and t.parent is not None and t.parent.has_state(_ACTIVE)]


def _subtree(task: Any) -> list[Any]:
    found, stack = [], [task]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(current.children)
    return found


def retarget(workflow: BpmnWorkflow, new_bundle: SpecBundle, script_engine: Any) -> BpmnWorkflow:
    """Return the instance re-built around the new spec (call :func:`check_migration` first)."""
    tops = _predicted_tops(workflow)
    parents = {t.parent.id for t in tops}
    for top in tops:
        workflow._remove_task(top.id)
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None
    moved = load_state(dump_state(workflow), new_bundle, script_engine)
    for task_id in parents:
        task = moved.get_task_from_id(task_id)
        task.task_spec._predict_hook(task)  # the parent is active: _predict would skip it
        for child in task.children:
            if child.has_state(_PREDICTED):
                child.task_spec._predict(child, mask=_PREDICTED)
    return moved
