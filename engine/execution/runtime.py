"""Running one instance inside one transaction: load, run engine steps, save everything.

A :class:`Run` is a unit of work on one process instance. Whatever happens inside it, the
instance state, the human-task projection, the timer rows, the message waits, the case effects
and the audit events are written together when the surrounding transaction commits, or not at
all. The optimistic lock (``lock_version``) makes a concurrent writer fail with
:class:`~engine.errors.Conflict` instead of overwriting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast
from uuid import uuid4

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from engine.errors import Conflict, NotFound, ScriptError, StaffelError
from engine.execution import handovers, inbound, messages, tasks, timers
from engine.execution.clock import using_clock
from engine.execution.effects import CaseEffects, collecting
from engine.execution.sandbox import find_script_error
from engine.execution.specs import SpecCache
from engine.execution.spiff import (
    SERIALIZER_VERSION,
    dump_state,
    load_state,
    new_workflow,
    state_version,
)
from engine.execution.unit import UnitOfWork
from engine.persistence.models import Case, CaseDeadline, ProcessInstance, ProcessVersion, Timer
from engine.states import InstanceStatus


def database_error(exc: BaseException) -> SQLAlchemyError | None:
    """The database error behind an exception raised inside SpiffWorkflow, if any (a lock
    timeout or a lost race in a script's or listener's query is no script error: the database
    layer answers it with 503 or 409)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, SQLAlchemyError):
            return current
        todo += [current.__cause__, current.__context__, getattr(current, "exception", None)]
    return None


def translate_engine_error(exc: Exception) -> StaffelError:
    """Turn an exception raised inside SpiffWorkflow into one of our errors."""
    if isinstance(exc, StaffelError):
        return exc
    script_error = find_script_error(exc)
    if script_error is not None:
        return script_error
    text = str(exc) or exc.__class__.__name__
    return ScriptError(f"the process could not continue: {text}")


class Run:
    """One instance loaded for changes; :meth:`advance` runs it, :meth:`save` writes it back."""

    def __init__(self, uow: UnitOfWork, row: ProcessInstance, case: Case, key: str,
                 workflow: BpmnWorkflow, *, new: bool = False) -> None:
        self.uow, self.row, self.case, self.key, self.workflow = uow, row, case, key, workflow
        # What the projection rows say now (they are kept in step on every save).
        self.open_before = {} if new else tasks.ready_task_elements(workflow)
        self.timers_before = {} if new else timers.timer_elements(workflow)
        self.waits_before = set() if new else messages.wait_keys(workflow)
        self.completed: tuple[str, str] | None = None
        #: messages caught in this step: a task they end is audited as ended by the report
        self.caught: list[str] = []
        self._effects: CaseEffects | None = None

    def advance(self, step: Callable[[BpmnWorkflow], None] | None = None) -> CaseEffects:
        """Run ``step`` (if any) and then every engine step, under the engine clock."""
        effects = CaseEffects(self.case.id, self.case.land, court=self.case.court)
        with using_clock(self.uow.clock), collecting(effects):
            try:
                if step is not None:
                    step(self.workflow)
                self.workflow.do_engine_steps()
                if self.case.buffered_messages:  # kept messages this step may now use
                    self.caught += inbound.use_buffered(self.uow, self.case, self.workflow,
                                                        self.row.id)
            except (SpiffWorkflowException, StaffelError, Exception) as exc:
                if (database := database_error(exc)) is not None:
                    raise database from exc
                raise translate_engine_error(exc) from exc
        self._effects = effects
        return effects

    def save(self, firing: Timer | None = None) -> None:
        """Write state, projection, timers, waits, case effects and audit events."""
        uow = self.uow
        with uow.session.no_autoflush:
            self._write(firing)
        uow.session.flush()

    def _write(self, firing: Timer | None) -> None:
        uow, row, case, wf = self.uow, self.row, self.case, self.workflow
        write_instance_state(uow.session, row, dump_state(wf),
                             InstanceStatus.COMPLETED if wf.completed else InstanceStatus.RUNNING,
                             uow.now)
        changes = tasks.sync_human_tasks(uow.session, row.id, case, self.key, wf, uow.now,
                                         self.open_before, self.completed)
        for task_id, element_id, team in changes.created:
            uow.record("task_created", case_id=case.id, instance_id=row.id,
                       element_id=element_id, task_id=task_id, team=team)
        ended_by = {"ended_by_message": self.caught[-1]} if self.caught else {}
        for task_id, element_id in changes.cancelled:
            uow.record("task_cancelled", case_id=case.id, instance_id=row.id,
                       element_id=element_id, task_id=task_id, **ended_by)
        timer_changes = timers.sync_timers(uow.session, row.id, case.id, wf, uow.now,
                                           self.timers_before, firing)
        for element_id, due in timer_changes.fired:
            uow.record("timer_fired", case_id=case.id, instance_id=row.id,
                       element_id=element_id, due_at=due.isoformat())
        messages.sync_waits(uow.session, row.id, case.id, wf, self.waits_before, uow.now)
        apply_effects(uow, case, self._effects)
        if wf.completed:
            uow.record("instance_completed", case_id=case.id, instance_id=row.id)


_INSTANCE_TABLE = cast(Table, ProcessInstance.__table__)
_INSTANCES = _INSTANCE_TABLE.c
UPDATE_INSTANCE = (
    update(_INSTANCE_TABLE)
    .where(_INSTANCES.id == bindparam("b_id"), _INSTANCES.lock_version == bindparam("b_version"))
    .values(state=bindparam("state"), status=bindparam("status"),
            serializer_version=bindparam("serializer_version"),
            updated_at=bindparam("updated_at"), lock_version=bindparam("lock_version"))
)


_DEADLINE_TABLE = cast(Table, CaseDeadline.__table__)


def write_instance_state(session: Session, row: ProcessInstance, state: bytes,
                         status: InstanceStatus, now: datetime) -> None:
    """Write an instance's state with the optimistic lock; Conflict if someone was faster.

    A prepared Core statement (the hot path); the ORM object is updated in place without a
    second write, so later reads in the same transaction see the new state. The row's
    ``serializer_version`` records the form ``state`` is in (read from its first bytes).
    """
    version = row.lock_version
    written = state_version(state)
    result = session.connection().execute(UPDATE_INSTANCE, {
        "b_id": row.id, "b_version": version, "state": state, "status": status,
        "serializer_version": written, "updated_at": now,
        "lock_version": version + 1,
    })
    if result.rowcount != 1:
        raise Conflict("someone else changed this case at the same time; reload and retry")
    for key, value in (("state", state), ("status", status), ("updated_at", now),
                       ("serializer_version", written), ("lock_version", version + 1)):
        set_committed_value(row, key, value)


def apply_effects(uow: UnitOfWork, case: Case, effects: CaseEffects | None) -> None:
    """Apply what scripts recorded (stage, benefit system, deadlines, closing) to the case."""
    if effects is None or effects.empty:
        return
    if effects.stage and effects.stage != case.stage:
        uow.record("stage_changed", case_id=case.id, old=case.stage, new=effects.stage)
        case.stage = effects.stage
    if effects.benefit_system and effects.benefit_system != case.benefit_system:
        uow.record("benefit_system_changed", case_id=case.id, old=case.benefit_system,
                   new=effects.benefit_system)
        case.benefit_system = effects.benefit_system
    if effects.deadlines:
        write_deadlines(uow, case, effects)
    for step in effects.handovers:
        handover = handovers.apply_step(uow.session, case.id, step, uow.actor, uow.now)
        uow.record(f"handover_{step.step}", case_id=case.id, key=step.key,
                   from_team=handover.from_team, to_team=handover.to_team,
                   legal_basis=handover.legal_basis, shared_fields=handover.shared_fields)
    if effects.closed and case.closed_at is None:
        case.closed_at = uow.now
        uow.record("case_closed", case_id=case.id)
        if case.buffered_messages:
            inbound.discard_for(uow, case)


_DEADLINES = _DEADLINE_TABLE.c
INSERT_DEADLINE = insert(_DEADLINE_TABLE)
UPDATE_DEADLINE = (
    update(_DEADLINE_TABLE).where(_DEADLINES.id == bindparam("b_id"))
    .values(due_on=bindparam("due_on"), legal_basis=bindparam("legal_basis"),
            land=bindparam("land"), computed_at=bindparam("computed_at"))
)


def write_deadlines(uow: UnitOfWork, case: Case, effects: CaseEffects) -> None:
    """Insert or update the case's deadlines the step computed, with prepared Core statements
    (one to read the keys, one per kind of write: the ORM sent one INSERT per new row); a
    deadline row loaded in this session is updated in place."""
    session = uow.session
    connection = session.connection()
    existing = {key: row_id for key, row_id in connection.execute(
        select(_DEADLINES.key, _DEADLINES.id).where(_DEADLINES.case_id == case.id))}
    new_rows, changed = [], []
    for key, dl in effects.deadlines.items():
        values = {"due_on": dl.due_on, "legal_basis": dl.legal_basis, "land": dl.land,
                  "computed_at": uow.now}
        row_id = existing.get(key)
        if row_id is None:
            new_rows.append({"case_id": case.id, "key": key, **values})
        else:
            changed.append({"b_id": row_id, **values})
            loaded = session.identity_map.get(identity_key(CaseDeadline, row_id))
            if loaded is not None:
                for name, value in values.items():
                    set_committed_value(loaded, name, value)
        uow.record("deadline_computed", case_id=case.id, key=key,
                   date=dl.due_on.isoformat(), legal_basis=dl.legal_basis, land=dl.land)
    if changed:
        connection.execute(UPDATE_DEADLINE, changed)
    if new_rows:
        connection.execute(INSERT_DEADLINE, new_rows)


class Runtime:
    """Creates and loads instances around cached specs and the sandboxed script engine."""

    def __init__(self, specs: SpecCache, script_engine: Any) -> None:
        self.specs = specs
        self.script_engine = script_engine

    def start(self, uow: UnitOfWork, case: Case, version: ProcessVersion,
              data: dict[str, Any]) -> Run:
        """Create a new instance of ``version`` for ``case`` with initial data and run it."""
        bundle = self.specs.get(uow.session, version.id)
        workflow = new_workflow(bundle, self.script_engine)
        row = ProcessInstance(
            id=uuid4().hex, case_id=case.id, process_version_id=version.id,
            status=InstanceStatus.RUNNING, state=b"", serializer_version=SERIALIZER_VERSION,
            created_at=uow.now, updated_at=uow.now,
        )
        uow.session.add(row)
        uow.session.flush()
        run = Run(uow, row, case, version.key, workflow, new=True)

        def seed(wf: BpmnWorkflow) -> None:
            wf.task_tree.data.update(data)
            for child in wf.task_tree.children:
                child.data.update(data)

        uow.record("instance_started", case_id=case.id, instance_id=row.id,
                   process=version.key, version=version.version)
        run.advance(seed)
        return run

    def load(self, uow: UnitOfWork, instance_id: str, row: ProcessInstance | None = None,
             *, finished: bool = False) -> Run:
        """Load an instance (unless the caller already has its row), its case and its spec.

        The finished subprocesses stay out of the workflow (the save writes them back as they
        were read) unless ``finished`` (a migration to another version checks them all)."""
        row = row or uow.session.get(ProcessInstance, instance_id)
        if row is None:
            raise NotFound(f"process instance {instance_id} does not exist")
        case = uow.session.get(Case, row.case_id)
        if case is None:
            raise NotFound(f"case {row.case_id} does not exist")
        bundle = self.specs.get(uow.session, row.process_version_id)
        key = bundle[0].name
        workflow = load_state(row.state, bundle, self.script_engine, finished=finished)
        return Run(uow, row, case, key, workflow)
