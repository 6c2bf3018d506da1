"""Test run of a draft: walk a synthetic case through it without touching any real data.

:func:`run_draft` builds a throwaway engine on an in-memory SQLite database whose simulated
clock starts at the real engine's time, deploys the real engine's current source set (the
newest stored file of every name) with the draft files laid over it, starts a synthetic case
and walks it, one step at a time:

1. the oldest open user task is completed with data generated from its form
   (:mod:`engine.definitions.sample_data`);
2. else the oldest awaited outside message (unless withheld) is delivered with a payload
   generated from its message schema (``bamf_decision`` carries the chosen outcome);
3. else the simulated clock moves to the next due timer, which fires;
4. else the case is stuck.

It stops when the case is completed, after ``max_steps`` steps, when stuck, or when the process
fails, and says why. A draft that does not validate gives the deploy problems instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.definitions.sample_data import sample
from engine.errors import DeployError, InvalidInput, NotFound, StaffelError
from engine.execution.messages import message_definition, waiting_message_tasks
from engine.execution.spiff import load_state
from engine.law.lands import BERLIN
from engine.model import DraftDeadline, DraftRunResult, DraftStep
from engine.persistence.models import AuditEvent, MessageWait, ProcessInstance, Timer
from engine.services.cases import CaseService
from engine.services.context import EngineContext
from engine.services.definitions import DefinitionService
from engine.services.messages import MessageService
from engine.services.tasks import TaskService
from engine.services.timers import ClockService

log = logging.getLogger("staffel.testrun")
ACTOR = "testrun"
SYNTHETIC_PERSON = {"family_name": "Testlauf", "given_name": "Synthetisch",
                    "birth_date": "1990-01-01", "languages": ["de"]}
SYNTHETIC_AZ = "0000000-000"
OUTCOME_MESSAGE = "bamf_decision"


class WalkedEngine(Protocol):
    """What a test run needs of the throwaway engine it walks (the façade has all of it)."""

    context: EngineContext
    cases: CaseService
    tasks: TaskService
    messages: MessageService
    clock: ClockService
    definitions: DefinitionService

    def init_db(self) -> None:
        """Create the schema."""

    def close(self) -> None:
        """Release the connections."""


@dataclass(frozen=True)
class _Event:
    seq: int
    action: str
    element_id: str | None
    details: dict[str, Any]
    at: datetime


def _events(eng: WalkedEngine, *criteria: Any) -> list[_Event]:
    with eng.context.db.read() as session:
        rows = session.scalars(select(AuditEvent).where(*criteria).order_by(AuditEvent.seq))
        return [_Event(r.seq, r.action, r.element_id, dict(r.details or {}), r.at) for r in rows]


@dataclass
class _Walk:
    eng: WalkedEngine
    case_id: str
    sources: dict[str, str]
    outcome: str
    choices: dict[str, Any]
    withhold: frozenset[str]
    steps: list[DraftStep] = field(default_factory=list)
    audit_seq: int = 0
    elements: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)

    # -- reading the throwaway database -----------------------------------------------------
    def workflows(self) -> list[tuple[str, Any]]:
        """The case's instances as (instance id, loaded workflow); indexes their elements."""
        with self.eng.context.db.read() as session:
            rows = list(session.scalars(select(ProcessInstance).where(
                ProcessInstance.case_id == self.case_id).order_by(ProcessInstance.created_at)))
            result = []
            for row in rows:
                bundle = self.eng.context.specs.get(session, row.process_version_id)
                result.append((row.id, load_state(row.state, bundle,
                                                  self.eng.context.runtime.script_engine)))
                self._index(bundle)
            return result

    def _index(self, bundle: Any) -> None:
        top, subs = bundle[0], bundle[1] if len(bundle) > 1 else {}
        for spec in [top, *dict(subs or {}).values()]:
            for task_spec in spec.task_specs.values():
                bpmn_id = getattr(task_spec, "bpmn_id", None)
                if bpmn_id and bpmn_id not in self.elements:
                    self.elements[bpmn_id] = (spec.name, getattr(task_spec, "bpmn_name", None),
                                              type(task_spec).__name__)

    def new_events(self) -> list[_Event]:
        """Audit events written since the last call."""
        rows = _events(self.eng, AuditEvent.seq > self.audit_seq)
        if rows:
            self.audit_seq = rows[-1].seq
        return rows

    def add_step(self, kind: str, element_id: str | None, name: str | None, team: str | None,
                 data: dict[str, Any], process: str | None = None) -> None:
        """Record a step with the stage and the deadlines computed since the last one."""
        view = self.eng.cases.get(self.case_id)
        events = self.new_events()
        computed = [str(e.details.get("key")) for e in events if e.action == "deadline_computed"]
        known = self.elements.get(element_id or "")
        self.steps.append(DraftStep(
            number=len(self.steps) + 1, kind=kind, element_id=element_id,
            name=name or (known[1] if known else None) or element_id or kind,
            element_type=known[2] if known else None,
            process=process or (known[0] if known else None), team=team, at=self.eng.clock.now(),
            stage=view.stage, data=data, deadlines=computed))
        for event in events:
            if event.action == "timer_fired" and kind != "timer":
                self.timer_step(event)  # a timer due at once (a date already passed)

    def timer_step(self, event: _Event) -> None:
        """Record a fired timer (from its audit event) as a step."""
        known = self.elements.get(event.element_id or "")
        view = self.eng.cases.get(self.case_id)
        self.steps.append(DraftStep(
            number=len(self.steps) + 1, kind="timer", element_id=event.element_id,
            name=(known[1] if known else None) or event.element_id or "timer",
            element_type=known[2] if known else None, process=known[0] if known else None,
            team=None, at=event.at, stage=view.stage,
            data={"due_at": event.details.get("due_at")}, deadlines=[]))

    # -- one step ---------------------------------------------------------------------------
    def today(self) -> Any:
        """The simulated day in Berlin."""
        return self.eng.clock.now().astimezone(BERLIN).date()

    def step(self) -> str | None:
        """Do one thing; return a stop reason when nothing can be done."""
        view = self.eng.cases.get(self.case_id)
        if view.status == "completed":
            return "completed"
        if view.open_tasks:
            task = view.open_tasks[0]
            _info, schema, _data = self.eng.tasks.get(task.id)
            data = sample(schema, self.today(), self.choices)
            self.workflows()  # index the elements
            self.eng.tasks.complete(task.id, data, f"{ACTOR}:{task.team}")
            self.add_step("user_task", task.name, task.title, task.team, data,
                          self.process_of(task.id))
            return None
        wait = self.next_wait()
        if wait is not None:
            name, element_id, process = wait
            schema = _schema(self.sources.get(f"messages/{name}.schema.json"))
            choices = dict(self.choices)
            if name == OUTCOME_MESSAGE:
                choices["outcome"] = self.outcome
            payload = sample(schema, self.today(), choices)
            if schema is None and name == OUTCOME_MESSAGE:
                payload = {"outcome": self.outcome}
            self.eng.messages.correlate(name, payload, case_id=self.case_id,
                                        actor=f"{ACTOR}:outside")
            self.add_step("message", element_id, name, None, payload, process)
            return None
        return self.advance_timer()

    def process_of(self, task_id: str) -> str | None:
        """The process (key) a task of the case belongs to."""
        for _row, wf in self.workflows():
            task = wf.get_task_from_id(UUID(task_id))
            if task is not None:
                return str(task.workflow.spec.name)
        return None

    def next_wait(self) -> tuple[str, str, str | None] | None:
        """(message, element, process) of the oldest awaited message that may be delivered."""
        with self.eng.context.db.read() as session:
            waits = list(session.execute(select(
                MessageWait.message_name, MessageWait.element_id, MessageWait.instance_id)
                .where(MessageWait.case_id == self.case_id).order_by(MessageWait.id)))
        for name, element_id, instance_id in waits:
            if name in self.withhold:
                continue
            process = None
            for row_id, wf in self.workflows():
                if row_id != instance_id:
                    continue
                for task in waiting_message_tasks(wf):
                    if message_definition(task, name) is not None:
                        process = str(task.workflow.spec.name)
            return name, element_id, process
        return None

    def advance_timer(self) -> str | None:
        """Move the clock to the next due timer of the case; "stuck" when there is none."""
        with self.eng.context.db.read() as session:
            due = session.scalar(select(Timer.due_at).where(
                Timer.case_id == self.case_id, Timer.status == "waiting")
                .order_by(Timer.due_at).limit(1))
        if due is None:
            return "stuck"
        self.workflows()
        self.eng.clock.advance(to=max(due, self.eng.clock.now()), actor=ACTOR)
        fired = False
        for event in self.new_events():
            if event.action == "timer_fired":
                self.timer_step(event)
                fired = True
            elif event.action == "deadline_computed" and self.steps:
                self.steps[-1].deadlines.append(str(event.details.get("key")))
        if not fired:
            raise StaffelError(f"the timer due at {due.isoformat()} could not fire"
                               f"{_timer_error(self.eng, self.case_id)}")
        return None

    # -- the end ----------------------------------------------------------------------------
    def path(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Elements completed and elements still open, per process, in the order walked."""
        walked: dict[str, list[str]] = {}
        waiting: dict[str, list[str]] = {}
        done: list[tuple[float, str, str]] = []
        for _row, wf in self.workflows():
            for task in wf.get_tasks():
                bpmn_id = getattr(task.task_spec, "bpmn_id", None)
                if not bpmn_id:
                    continue
                process = str(task.workflow.spec.name)
                if task.state == TaskState.COMPLETED:
                    done.append((task.last_state_change, process, bpmn_id))
                elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
                    waiting.setdefault(process, [])
                    if bpmn_id not in waiting[process]:
                        waiting[process].append(bpmn_id)
        for _when, process, bpmn_id in sorted(done):
            walked.setdefault(process, [])
            if bpmn_id not in walked[process]:
                walked[process].append(bpmn_id)
        return walked, waiting

    def deadlines(self) -> list[DraftDeadline]:
        """The last computation of every deadline key, soonest first."""
        events = _events(self.eng, AuditEvent.case_id == self.case_id,
                         AuditEvent.action == "deadline_computed")
        last = {str(e.details.get("key")): e for e in events}
        found = [DraftDeadline(key, str(e.details.get("date")), str(e.details.get("legal_basis")),
                               str(e.details.get("land")), e.at) for key, e in last.items()]
        return sorted(found, key=lambda d: (d.date, d.key))


def _schema(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _timer_error(eng: WalkedEngine, case_id: str) -> str:
    with eng.context.db.read() as session:
        error = session.scalar(select(Timer.last_error).where(
            Timer.case_id == case_id, Timer.last_error.is_not(None)).order_by(Timer.id.desc())
            .limit(1))
    return f": {error}" if error else ""


STOP_MESSAGES = {
    "completed": "the case reached the end",
    "stuck": "nothing can move: no open task, no awaited message that may be delivered, "
             "no timer",
    "step_limit": "the step limit was reached",
}


def run_draft(sources: Mapping[str, str], files: Mapping[str, bytes | str], start: datetime,
              *, outcome: str, land: str, entry: str, process_key: str, max_steps: int,
              choices: dict[str, Any], withhold: frozenset[str],
              settings: dict[str, Any],
              make_engine: Callable[[datetime], WalkedEngine]) -> DraftRunResult:
    """Deploy ``sources`` overlaid with ``files`` into a throwaway engine and walk a case."""
    eng = make_engine(start)
    try:
        eng.init_db()
        overlay: dict[str, bytes | str] = {**sources, **files}
        try:
            eng.definitions.deploy(overlay, actor=ACTOR)
        except DeployError as err:
            return DraftRunResult(valid=False, problems=err.problems,
                                  message=err.message, settings=settings)
        texts = {name: (v.decode("utf-8") if isinstance(v, bytes) else v)
                 for name, v in overlay.items()}
        try:
            case = eng.cases.start(dict(SYNTHETIC_PERSON), land, entry,
                                  SYNTHETIC_AZ if entry == "asylum" else None,
                                  process_key=process_key, actor=ACTOR)
        except NotFound as err:
            raise InvalidInput("the process to start is not deployed", [
                {"field": "process_key", "message": f"{process_key!r} is not deployed"}]) from err
        except StaffelError as err:  # the draft fails right at the start
            return DraftRunResult(valid=True, stop_reason="error", message=_reason(err),
                                  started_at=start, ended_at=start, settings=settings)
        walk = _Walk(eng, case.id, texts, outcome, choices, withhold)
        walk.workflows()
        title = next((v.name for v in eng.definitions.versions(process_key)), process_key)
        walk.add_step("start", None, title, None, {"land": land, "entry": entry}, process_key)
        reason, message = _walk(walk, max_steps)
        view = eng.cases.get(case.id)
        walked, waiting = walk.path()
        return DraftRunResult(
            valid=True, steps=walk.steps, deadlines=walk.deadlines(), path=walked,
            waiting=waiting, final_stage=view.stage, benefit_system=view.benefit_system,
            completed=view.status == "completed", stop_reason=reason, message=message,
            started_at=start, ended_at=eng.clock.now(), settings=settings)
    finally:
        eng.close()


def _reason(err: StaffelError) -> str:
    details = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in err.errors
                        if e.get("field"))
    return err.message + (f" ({details})" if details else "")


def _walk(walk: _Walk, max_steps: int) -> tuple[str, str]:
    for _ in range(max_steps):
        try:
            reason = walk.step()
        except StaffelError as err:
            return "error", _reason(err)
        except Exception as exc:  # a broken draft must give a reason, not a crash
            log.exception("test run failed")
            return "error", f"{type(exc).__name__}: {exc}"
        if reason is not None:
            return reason, STOP_MESSAGES[reason]
    if walk.eng.cases.get(walk.case_id).status == "completed":
        return "completed", STOP_MESSAGES["completed"]
    return "step_limit", f"{STOP_MESSAGES['step_limit']} ({max_steps})"
