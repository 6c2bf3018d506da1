"""The glue to SpiffWorkflow 3.2: parser, serializer and the split of spec and instance state.

Every process version's spec is serialized once (into ``process_versions.spec``); an instance
row keeps only its state. :func:`dump_state` leaves the spec out and :func:`load_state` puts
the cached spec objects back, so that loading an instance never re-parses or re-builds a spec.

The state is written in the lean form (``staffel-2``, :mod:`engine.execution.state_format`):
finished subprocesses apart, so that a load for an engine step (``finished=False``) restores
only what can still change and its save writes the finished part back as it was read. States
in the old form (``staffel-1``) are read as well; :func:`writing_format` writes them (the
delivery benchmark's baseline).
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.encoder import (
    create_encoder,
)
from SpiffWorkflow.bpmn.serializer.workflow import (
    BpmnWorkflowSerializer,
)
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import (
    BpmnProcessSpec,
)
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.execution import state_format
from engine.execution.state_format import LEAN_FORMAT, OLD_FORMAT

#: the form every save writes (``process_instances.serializer_version``)
SERIALIZER_VERSION = LEAN_FORMAT
#: the form written before issue 16 (still read; see :func:`writing_format`)
OLD_SERIALIZER_VERSION = OLD_FORMAT
_FINISHED_ATTRIBUTE = "_staffel_finished"
_WRITING: ContextVar[str] = ContextVar("staffel_state_format", default=SERIALIZER_VERSION)
_SPEC_OBJECTS_KEY = "__staffel_spec_objects__"

SpecBundle = tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec; restores it around spec objects handed in."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        """Return the instance state (tasks, data, subprocesses, events), not the spec."""
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        """Rebuild the workflow from state plus the spec objects stored under a private key."""
        spec, subprocess_specs = dct.pop(_SPEC_OBJECTS_KEY)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


#: task ids as UUIDs: each id is read three or four times per state (key, id, parent, child)
_uuid = lru_cache(maxsize=8192)(UUID)
_MUTABLE = (dict, list, set)


class StateTaskConverter(TaskConverter):
    """SpiffWorkflow 3.2's task restore with the same result, about a quarter faster: task ids
    parsed once, an empty ``internal_data`` or delta update not walked, and the copy of the
    parent's data (``DeepMerge.merge({}, parent.data)``: shallow copies of mutable values)
    done in one comprehension."""

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Task:
        """Restore one task of ``workflow`` from its serialized form."""
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(dct["id"]))
        parent = dct["parent"]
        task._parent = _uuid(parent) if parent is not None else None
        task._children = [_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        internal = dct["internal_data"]
        task.internal_data = self.registry.restore(internal) if internal else {}
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        if delta and task.parent is not None:
            data = {key: copy.copy(value) if isinstance(value, _MUTABLE) else value
                    for key, value in task.parent.data.items()}
            updates = delta.get("updates")
            if updates:
                data.update(self.registry.restore(updates))
            for key in delta.get("deletions", ()):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


def _build_registries() -> tuple[Any, Any]:
    spec_registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    state_config = dict(SPIFF_CONFIG)
    state_config[BpmnWorkflow] = StateOnlyWorkflowConverter
    state_config[Task] = StateTaskConverter
    state_registry = BpmnWorkflowSerializer.configure(state_config)
    # Dates computed by deadline helpers stay dates across save and load.
    state_registry.register(date, lambda v: {"value": v.isoformat()},
                            lambda v: date.fromisoformat(v["value"]))
    return spec_registry, state_registry


_SPEC_REGISTRY, _STATE_REGISTRY = _build_registries()
_STATE_ENCODER = create_encoder(_STATE_REGISTRY)


def new_parser() -> SpiffBpmnParser:
    """Return a fresh parser (we validate against the XSD ourselves before parsing)."""
    return SpiffBpmnParser()


def add_document(parser: SpiffBpmnParser, kind: str, tree: etree._ElementTree, name: str) -> None:
    """Hand an already hardened-parsed BPMN or DMN tree to the parser."""
    if kind == "dmn":
        parser.add_dmn_xml(tree.getroot(), filename=name)
    else:
        parser.add_bpmn_xml(tree.getroot(), filename=name)


def spec_to_dict(spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> dict:
    """Serialize a process spec and the specs of the processes it calls (stored once)."""
    return {
        "spec": _SPEC_REGISTRY.convert(spec),
        "subprocess_specs": {
            name: _SPEC_REGISTRY.convert(sub) for name, sub in sorted(subprocess_specs.items())
        },
    }


def spec_from_dict(data: dict[str, Any]) -> SpecBundle:
    """Rebuild spec objects from :func:`spec_to_dict` output, leaving ``data`` as it was.

    SpiffWorkflow's converters take their dict apart while they restore (keys popped, spec
    objects put in); ``data`` is often a version row's ``spec`` that others still read (the
    migration check compares the called processes' stored specs), so they work on a copy.
    """
    data = copy.deepcopy(data)
    spec = _SPEC_REGISTRY.restore(data["spec"])
    subs = {name: _SPEC_REGISTRY.restore(sub) for name, sub in data["subprocess_specs"].items()}
    return spec, subs


def spec_fingerprint(data: dict[str, Any]) -> str:
    """A canonical JSON text of a serialized spec, for content hashing."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


@contextlib.contextmanager
def writing_format(version: str) -> Iterator[None]:
    """Within the block, :func:`dump_state` writes ``version`` (``OLD_SERIALIZER_VERSION`` or
    ``SERIALIZER_VERSION``); for benchmarks and tests that need states in the old form. With
    the old form, :func:`load_state` also restores everything, as the engine did before
    (the delivery benchmark's baseline)."""
    if version not in (OLD_FORMAT, LEAN_FORMAT):
        raise ValueError(f"unknown state format {version!r}")
    token = _WRITING.set(version)
    try:
        yield
    finally:
        _WRITING.reset(token)


def state_version(state: bytes) -> str:
    """The serializer version of stored state bytes (what the row's column records)."""
    return state_format.format_of(state)


def _encode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), cls=_STATE_ENCODER)


def dump_state(workflow: BpmnWorkflow) -> bytes:
    """Serialize an instance's state (no spec) to compact JSON bytes, in the lean form.

    Subprocesses that finished in this step move to the finished part; those a lean load
    (``finished=False``) left out are written back as the text (or dictionaries) it read.
    """
    _STATE_REGISTRY._encoder_mode = True
    try:
        dct = _STATE_REGISTRY.convert(workflow)
    finally:
        _STATE_REGISTRY._encoder_mode = False
    kept: str | dict[str, Any] = getattr(workflow, _FINISHED_ATTRIBUTE, None) or {}
    if _WRITING.get() == OLD_FORMAT:
        done = json.loads(kept) if isinstance(kept, str) else dict(kept)
        return _encode(state_format.merge(dct, done)).encode("utf-8")
    live, newly = state_format.split(dct)
    kept_json = kept if isinstance(kept, str) else _encode(kept)
    finished = state_format.join_objects(kept_json, _encode(newly)) if newly else kept_json
    return state_format.lean_text(_encode(live), finished)


def load_state(state: bytes, bundle: SpecBundle, script_engine: Any, *,
               finished: bool = True) -> BpmnWorkflow:
    """Restore an instance from :func:`dump_state` bytes (either form) around cached spec
    objects. ``finished=False`` (a load for engine steps) leaves the finished subprocesses
    out of the workflow, unparsed, and keeps them for :func:`dump_state`; the default
    restores all."""
    done: str | dict[str, Any]
    whole = finished or _WRITING.get() == OLD_FORMAT
    fast = None if whole else state_format.parse_live(state)
    if fast is not None:
        live, done = fast
    else:
        live, done = state_format.parse(state)
        if whole:
            live, done = state_format.merge(live, done), {}
    live[_SPEC_OBJECTS_KEY] = bundle
    workflow = _STATE_REGISTRY.restore(live)
    workflow.script_engine = script_engine
    setattr(workflow, _FINISHED_ATTRIBUTE, done)
    return workflow


def new_workflow(bundle: SpecBundle, script_engine: Any) -> BpmnWorkflow:
    """Create a new instance of a spec."""
    spec, subs = bundle
    return BpmnWorkflow(spec, subs, script_engine=script_engine)


_SPIFF_MULTIPLE_HAS_FIRED = MultipleEventDefinition.has_fired
_SINGLE_TIMERS = (TimeDateEventDefinition, DurationTimerEventDefinition)


def _gateway_has_fired(self: MultipleEventDefinition, my_task: Any) -> bool:
    """``has_fired`` of an event-based gateway with several timers (e.g. a legal deadline and
    the follow-up ``watch_due``), each keeping its own due time.

    SpiffWorkflow 3.2 keeps one ``event_value`` per task: the first timer evaluated stores its
    date and every other timer of the gateway reads that same date, and its loop drops the
    timer after a fired one. The follow-up timer beside a deadline never fired on its own.
    Here every timer keeps its value in ``timer_values`` (by position); the earliest due one
    wins (document order on a tie), and ``event_value`` is the earliest pending due time,
    which the timer row and the case view show.
    """
    timers = [(str(position), definition)
              for position, definition in enumerate(self.event_definitions)
              if isinstance(definition, _SINGLE_TIMERS)]
    if self.parallel or len(timers) < 2:
        return bool(_SPIFF_MULTIPLE_HAS_FIRED(self, my_task))
    data = my_task.internal_data
    if data.get("seen_events"):  # a message (or a timer) was caught already
        return True
    values = data.get("timer_values")
    if values is None:  # a state saved before this fix: its one value is the first timer's
        values = {timers[0][0]: data["event_value"]} if data.get("event_value") else {}
    fired = []
    for position, definition in timers:
        data["event_value"], data["event_fired"] = values.get(position), False
        if definition.has_fired(my_task):
            fired.append((_due(data["event_value"]), position, definition))
        values[position] = data["event_value"]
    data["timer_values"], data["event_fired"] = values, False
    data["event_value"] = min(values.values(), key=_due)
    if fired:
        data["seen_events"] = [BpmnEvent(min(fired, key=lambda f: (f[0], int(f[1])))[2])]
        return True
    return False


def _due(value: Any) -> Any:
    return TimerEventDefinition.parse_time_or_duration(value)


def install_gateway_timers() -> None:
    """Give each timer of an event-based gateway its own due time (see _gateway_has_fired).
    Safe to call more than once."""
    MultipleEventDefinition.has_fired = _gateway_has_fired
