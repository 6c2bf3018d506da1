"""The engine's public façade: everything web/, adapters/ and the CLI call goes through here.

Each method is one transaction: it either does all it says or leaves the database as it was.
Errors are the ones of :mod:`engine.errors`.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from engine import audit
from engine.api_access import AccessApi
from engine.api_decisions import DecisionsApi
from engine.api_drafts import DraftsApi
from engine.api_testrun import DraftRunApi
from engine.api_versions import VersionsApi
from engine.audit import AuditLog
from engine.definitions import deploy, forms
from engine.errors import Conflict, InvalidInput, NotFound, Problem
from engine.execution import cases, messages, tasks, timers
from engine.execution.clock import (
    Clock,
    SimulatedClock,
    SystemClock,
    ensure_aware,
    install_spiff_clock,
)
from engine.execution.runtime import Run, Runtime, UnitOfWork
from engine.execution.scripting import make_script_engine
from engine.execution.specs import SpecCache
from engine.execution.timekeeper import Timekeeper
from engine.law.rules import DEFAULT_RULES, LegalRules
from engine.model import (
    AuditEntry,
    AuditVerification,
    CaseInfo,
    DeployResult,
    FireReport,
    Page,
    ProcessVersionInfo,
    TaskInfo,
)
from engine.persistence.db import Database
from engine.persistence.models import Case, HumanTask, ProcessInstance, ProcessVersion
from engine.supervision.dashboard import DashboardMixin
from engine.supervision.outbound import OutboundApi
from engine.supervision.statistics import StatisticsMixin

DEFAULT_PROCESS = "refugee_lifecycle"
SYSTEM_ACTOR = "system"


class Staffel(AccessApi, DashboardMixin, VersionsApi, DraftsApi, DraftRunApi, OutboundApi,
              StatisticsMixin, DecisionsApi):
    """One engine over one database. Thread-safe: every call opens its own transaction."""

    def __init__(self, database_url: str, *, clock: str = "system",
                 clock_start: datetime | None = None, rules: LegalRules = DEFAULT_RULES,
                 worker_id: str | None = None, script_time_limit: float = 1.0) -> None:
        install_spiff_clock()
        self.db = Database(database_url)
        self.time = Timekeeper(clock, clock_start)
        self.rules = rules
        self.specs = SpecCache()
        self.schemas = forms.SchemaCache()
        self.runtime = Runtime(self.specs, make_script_engine(rules, script_time_limit))
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.wall_clock: Clock = SystemClock()  # for claim leases; tests inject another

    # -- set-up -------------------------------------------------------------------------
    def init_db(self) -> None:
        """Create or upgrade the schema, and the simulated clock row if configured."""
        self.db.migrate()
        with self.db.write() as session:
            self.time.ensure_row(session)

    @contextlib.contextmanager
    def unit(self, actor: str) -> Iterator[UnitOfWork]:
        """One write transaction with engine time, clock, actor and audit log."""
        try:
            with self.db.write() as session:
                now = self.time.now(session)
                clock: Clock = SimulatedClock(now) if self.time.simulated else SystemClock()
                uow = UnitOfWork(session, now, clock, actor, AuditLog())
                yield uow
                uow.audit.flush(session)
        except StaleDataError as exc:
            raise Conflict("someone else changed this case at the same time; reload and retry"
                           ) from exc
        except IntegrityError as exc:
            raise Conflict("the change collides with one made at the same time") from exc
        except OperationalError as exc:
            if "locked" in str(exc).lower():
                raise Conflict("the database is busy; try again") from exc
            raise

    def now(self) -> datetime:
        """Return the engine time."""
        with self.db.read() as session:
            return self.time.now(session)

    # -- process definitions -----------------------------------------------------------
    def deploy(self, files: Mapping[str, bytes | str], actor: str = SYSTEM_ACTOR) -> DeployResult:
        """Validate and deploy files; raises DeployError with every problem, storing nothing."""
        with self.unit(actor) as uow:
            result = deploy.deploy(uow.session, files, actor, uow.now)
            for v in result.new_versions:
                uow.record("deployed", element_id=v.key, version=v.version, file=v.file_name)
            return result

    def deploy_directory(self, directory: str | Path, actor: str = SYSTEM_ACTOR) -> DeployResult:
        """Deploy every BPMN, DMN and JSON-Schema file below a directory."""
        files = deploy.read_directory(Path(directory))
        if not files:
            raise InvalidInput(f"no .bpmn, .dmn or .schema.json files in {directory}",
                               [{"field": "directory", "message": "is empty"}])
        return self.deploy(files, actor)

    def validate(self, files: Mapping[str, bytes | str]) -> list[Problem]:
        """Run the whole deploy validation without storing anything."""
        with self.db.read() as session:
            return deploy.validate_files(session, files)

    def process_versions(self, key: str | None = None) -> list[ProcessVersionInfo]:
        """List deployed versions, newest first per key."""
        with self.db.read() as session:
            stmt = select(ProcessVersion).order_by(ProcessVersion.key,
                                                   ProcessVersion.version.desc())
            if key:
                stmt = stmt.where(ProcessVersion.key == key)
            return [deploy.version_info(r) for r in session.scalars(stmt)]

    def process_xml(self, key: str, version: int) -> str:
        """Return the BPMN source of one deployed version."""
        with self.db.read() as session:
            row = session.scalars(select(ProcessVersion).where(
                ProcessVersion.key == key, ProcessVersion.version == version)).first()
            if row is None:
                raise NotFound(f"process {key!r} has no version {version}")
            return deploy.xml_of_version(session, row)

    # -- cases -----------------------------------------------------------------------------
    def start_case(self, person: dict[str, Any], land: str, entry: str = "asylum",
                   bamf_aktenzeichen: str | None = None, process_key: str = DEFAULT_PROCESS,
                   data: dict[str, Any] | None = None, actor: str = SYSTEM_ACTOR) -> CaseInfo:
        """Create a case and start the newest version of its process with initial data."""
        with self.unit(actor) as uow:
            version = deploy.latest_version(uow.session, process_key)
            if version is None:
                raise NotFound(f"process {process_key!r} is not deployed")
            case = cases.create_case(uow.session, person, land, entry, bamf_aktenzeichen, uow.now)
            uow.record("case_created", case_id=case.id, entry=entry, land=land)
            initial = {"case_id": case.id, "land": land, "entry": entry, **(data or {})}
            _check_json("data", initial)
            self.runtime.start(uow, case, version, initial).save()
            return cases.case_info(uow.session, case, uow.now)

    def get_case(self, case_id: str) -> CaseInfo:
        """Return one case with deadlines and open tasks."""
        with self.db.read() as session:
            case = session.get(Case, case_id)
            if case is None:
                raise NotFound("no such case")
            return cases.case_info(session, case, self.time.now(session))

    def list_cases(self, *, stage: str | None = None, q: str | None = None,
                   case_ids: list[str] | None = None, page: int = 1,
                   per_page: int = 50) -> Page[CaseInfo]:
        """List cases, newest first, filtered by stage, a search text or visible ids."""
        with self.db.read() as session:
            stmt = select(Case)
            if stage:
                stmt = stmt.where(Case.stage == stage)
            if q:
                like = f"%{q.strip()}%"
                stmt = stmt.where(Case.case_number.ilike(like)
                                  | Case.bamf_aktenzeichen.ilike(like))
            if case_ids is not None:
                stmt = stmt.where(Case.id.in_(case_ids))
            total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            rows = session.scalars(stmt.order_by(Case.created_at.desc(), Case.id)
                                   .limit(per_page).offset((page - 1) * per_page))
            now = self.time.now(session)
            return Page([cases.case_info(session, r, now) for r in rows], total, page, per_page)

    # -- tasks -----------------------------------------------------------------------------
    def list_tasks(self, query: tasks.TaskQuery | None = None) -> Page[TaskInfo]:
        """Return a page of human tasks (open ones by default), soonest due first."""
        with self.db.read() as session:
            return tasks.query_tasks(session, query or tasks.TaskQuery(), self.time.now(session))

    def get_task(self, task_id: str) -> tuple[TaskInfo, dict[str, Any] | None, dict[str, Any]]:
        """Return a task, its form (JSON Schema) and the current task data."""
        with self.db.read() as session:
            row, case, instance = _task_row(session, task_id)
            schema = self.schemas.form(session, instance.process_version_id, row.form)
            data: dict[str, Any] = {}
            if row.state == "open":
                bundle = self.specs.get(session, instance.process_version_id)
                from engine.execution.spiff import load_state
                wf = load_state(instance.state, bundle, self.runtime.script_engine)
                spiff_task = wf.get_task_from_id(UUID(task_id))
                data = json.loads(json.dumps(spiff_task.data, default=str))
            info = tasks.to_info(row, case.case_number, self.time.now(session))
            return info, schema, data

    def claim(self, task_id: str, actor: str) -> TaskInfo:
        """Take an open task; Conflict if someone else holds it."""
        return self._set_assignee(task_id, actor, actor, "task_claimed", only_if_free=True)

    def unclaim(self, task_id: str, actor: str) -> TaskInfo:
        """Give a task back to the team."""
        return self._set_assignee(task_id, None, actor, "task_unclaimed", only_if_free=False)

    def assign(self, task_id: str, username: str, actor: str) -> TaskInfo:
        """Assign a task to a user (supervisors; authorization is the caller's job)."""
        if not isinstance(username, str) or not username.strip():
            raise InvalidInput("username is required", [{"field": "username",
                                                         "message": "is required"}])
        return self._set_assignee(task_id, username, actor, "task_assigned", only_if_free=False)

    def _set_assignee(self, task_id: str, assignee: str | None, actor: str, action: str,
                      only_if_free: bool) -> TaskInfo:
        with self.unit(actor) as uow:
            row, case, _instance = _task_row(uow.session, task_id, lock=True)
            if row.state != "open":
                raise Conflict(f"task {task_id} is already {row.state}")
            if only_if_free and row.assignee not in (None, assignee):
                raise Conflict(f"task is already claimed by {row.assignee}")
            row.assignee = assignee
            uow.record(action, case_id=case.id, instance_id=row.instance_id,
                       element_id=row.element_id, task_id=row.id, assignee=assignee)
            uow.session.flush()
            return tasks.to_info(row, case.case_number, uow.now)

    def complete_task(self, task_id: str, data: dict[str, Any] | None,
                      actor: str) -> TaskInfo:
        """Complete a READY task with form data and run the process on to its next wait."""
        data = data or {}
        _check_json("data", data)
        with self.unit(actor) as uow:
            row, case, instance = _task_row(uow.session, task_id)
            if row.state != "open":
                raise Conflict(f"task {task_id} is already {row.state}")
            run = self.runtime.load(uow, row.instance_id, instance)
            self.schemas.validate_data(uow.session, run.row.process_version_id, row.form, data)
            spiff_task = run.workflow.get_task_from_id(UUID(task_id))
            if spiff_task is None or spiff_task.state != TaskState.READY:
                raise Conflict(f"task {task_id} is not ready any more")

            def complete(_wf: Any) -> None:
                spiff_task.data.update(data)
                spiff_task.run()

            run.advance(complete)
            run.completed = (task_id, actor)
            uow.record("task_completed", case_id=case.id, instance_id=row.instance_id,
                       element_id=row.element_id, task_id=task_id, fields=sorted(data))
            run.save()
            return tasks.to_info(row, case.case_number, uow.now)

    # -- messages ----------------------------------------------------------------------------
    def correlate(self, name: str, payload: dict[str, Any] | None, *, case_id: str | None = None,
                  correlation: dict[str, Any] | None = None, actor: str = SYSTEM_ACTOR,
                  then: Callable[[UnitOfWork, CaseInfo], None] | None = None) -> CaseInfo:
        """Deliver a message from outside to the case instance that waits for it.

        ``then`` (if given) runs inside the same transaction after the delivery, with the
        unit of work and the case as it is now: callers write their own bookkeeping there
        (e.g. the import row) so that it commits together with the delivery or not at all.
        """
        from SpiffWorkflow.bpmn.util import BpmnEvent

        if not isinstance(name, str) or not name:
            raise InvalidInput("message name is required", [{"field": "name",
                                                            "message": "is required"}])
        payload = payload or {}
        if not isinstance(payload, dict):
            raise InvalidInput("payload must be an object", [{"field": "payload",
                                                             "message": "must be an object"}])
        _check_json("payload", payload)
        with self.unit(actor) as uow:
            case = cases.find_case(uow.session, case_id, correlation)
            waits = messages.find_waits(uow.session, case.id, name)
            if not waits:
                raise NotFound(f"case {case.case_number} is not waiting for message {name!r}")
            run = self.runtime.load(uow, waits[0].instance_id)
            self.schemas.validate_message(uow.session, run.row.process_version_id, name, payload)
            waiting = [t for t in messages.waiting_message_tasks(run.workflow)
                       if messages.message_definition(t, name) is not None]
            if not waiting:
                raise NotFound(f"case {case.case_number} is not waiting for message {name!r}")
            definition = messages.message_definition(waiting[0], name)
            run.advance(lambda wf: wf.catch(BpmnEvent(definition, payload)))
            uow.record("message_correlated", case_id=case.id, instance_id=run.row.id,
                       element_id=waits[0].element_id, message=name, fields=sorted(payload))
            run.save()
            info = cases.case_info(uow.session, case, uow.now)
            if then is not None:
                then(uow, info)
            return info

    # -- timers and clock ------------------------------------------------------------------
    def fire_due(self, limit: int = 200, batch: int = 20) -> FireReport:
        """Claim and fire every timer due at the engine time (up to ``limit``).

        Claimed timers are fired ``batch`` at a time in one transaction; if anything in a batch
        fails, that batch is rolled back and its timers are fired one by one, so one broken
        instance never blocks the others.
        """
        with self.unit(SYSTEM_ACTOR) as uow:
            ids = timers.claim_due(uow.session, uow.now, self.worker_id, limit,
                                   wall=self.wall_clock.now())
        outcomes: list[str] = []
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            try:
                with self.unit("timer") as uow:
                    outcomes.extend(self._fire_in(uow, timer_id) for timer_id in chunk)
            except Exception:
                outcomes.extend(self._fire_one(timer_id) for timer_id in chunk)
        return FireReport(outcomes.count("fired"), outcomes.count("failed"),
                          outcomes.count("released"))

    def _fire_in(self, uow: UnitOfWork, timer_id: int) -> str:
        found = timers.lock_claimed(uow.session, timer_id, self.worker_id)
        if found is None:
            return "skipped"
        row, instance = found
        # SpiffWorkflow fires when due < now; a timer due at T fires at T here.
        uow.clock = SimulatedClock(max(uow.now, row.due_at + timedelta(microseconds=1)))
        run: Run = self.runtime.load(uow, row.instance_id, instance)
        run.advance(lambda wf: wf.refresh_timers())
        run.save(firing=row)
        return "fired" if row.status == "fired" else "released"

    def _fire_one(self, timer_id: int) -> str:
        try:
            with self.unit("timer") as uow:
                return self._fire_in(uow, timer_id)
        except Exception as exc:
            with self.unit("timer") as uow:
                timers.release(uow.session, timer_id, self.worker_id, str(exc)[:2000])
            return "failed"

    def advance_clock(self, *, to: datetime | None = None, by: timedelta | None = None,
                      actor: str = SYSTEM_ACTOR) -> tuple[datetime, int]:
        """Move the simulated clock, firing every timer on the way in due order."""
        if (to is None) == (by is None):
            raise InvalidInput("give exactly one of 'to' and 'by'",
                               [{"field": "to", "message": "give 'to' or 'by'"}])
        current = self.now()
        target = current + by if by is not None else ensure_aware(to)  # type: ignore[arg-type]
        if target < current:
            raise InvalidInput("the simulated clock cannot go back",
                               [{"field": "to" if to else "by", "message": "lies in the past"}])
        fired = 0
        while True:
            with self.db.read() as session:
                due = timers.next_due(session, until=target)
            step_to = max(due, current) if due is not None else target
            with self.unit(actor) as uow:
                self.time.set(uow.session, step_to)
            current = step_to
            report = self.fire_due(limit=500)
            fired += report.fired
            if due is None or report.fired == 0:
                break  # nothing more due, or what is due cannot fire now (retried by pollers)
        with self.unit(actor) as uow:
            uow.record("clock_advanced", to=target.isoformat(), fired=fired)
        return target, fired

    # -- audit ------------------------------------------------------------------------------
    def verify_audit(self) -> AuditVerification:
        """Check the whole audit hash chain."""
        with self.db.read() as session:
            return audit.verify(session)

    def audit_events(self, case_id: str | None = None, limit: int = 500) -> list[AuditEntry]:
        """Return audit events, oldest first."""
        with self.db.read() as session:
            return audit.list_events(session, case_id, limit)

    def close(self) -> None:
        """Release database connections."""
        self.db.dispose()


_TASK_ROW = (select(HumanTask, Case, ProcessInstance)
             .join(Case, Case.id == HumanTask.case_id)
             .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
             .where(HumanTask.id == bindparam("task_id")))
_TASK_ROW_LOCKED = _TASK_ROW.with_for_update(of=HumanTask)


def _task_row(session: Any, task_id: str,
              lock: bool = False) -> tuple[HumanTask, Case, ProcessInstance]:
    """Load a task with its case and instance in one query."""
    try:
        UUID(str(task_id))
    except ValueError as exc:
        raise NotFound(f"task {task_id} does not exist") from exc
    stmt = _TASK_ROW_LOCKED if lock and session.get_bind().dialect.name == "postgresql" \
        else _TASK_ROW
    found = session.execute(stmt, {"task_id": str(task_id)}).one_or_none()
    if found is None:
        raise NotFound(f"task {task_id} does not exist")
    return found[0], found[1], found[2]


def _check_json(field: str, value: Any) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{field} is not JSON-serialisable: {exc}",
                           [{"field": field, "message": "must be plain JSON data"}]) from exc


def utc_now() -> datetime:
    """The wall clock in UTC (for callers that need it without an engine)."""
    return datetime.now(UTC)
