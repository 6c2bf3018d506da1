"""Recomputing the legal dates of open cases after a rule change (issue 13): ``staffel.recompute``.

A rule change (a new reading of the law, a settings file with new values) leaves open cases
with dates computed the old way. :meth:`RecomputeService.plan` recomputes, from the inputs the
case already holds (the BAMF decision payload ``bamf``, ``land``, ``lawsuit_short``, the path
taken), the dates of the decision chain and what follows from it — ``served_on``,
``lawsuit_deadline``, ``lawsuit_deadline_earliest``, ``decision_final_on``, ``asylblg_end``,
``sgb2_start``, ``sgb2_application_deadline``, ``ip_responsibility_end`` — with the pure
functions of :mod:`engine.law.deadlines` and the rules in force on the day of service, and
lists what differs. :meth:`RecomputeService.apply` writes it, one transaction per case: the
``case_deadlines`` rows, the ``due`` dates in the workflow data (so timers not yet reached use
the new dates) and every waiting timer whose due time was derived from a changed date (its
event value in the workflow state and, through the runtime's save, its ``timers`` row: the old
row is cancelled, a new one waits). One audit event ``deadlines_recomputed`` per changed case.

Closed cases are never touched. A case where a changed date (old or new) is today or earlier is
listed with the flag ``already passed`` and left as it is: benefits already paid, a timer that
may have fired, cannot be re-dated by software; a caseworker decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import AuditLog
from engine.errors import NotFound, StaffelError
from engine.execution import timers
from engine.execution.clock import using_clock
from engine.execution.effects import CaseEffects, collecting
from engine.execution.runtime import Run, translate_engine_error
from engine.execution.unit import UnitOfWork
from engine.law import deadlines as dl
from engine.law.basis import legal_basis
from engine.law.courts import court_name, court_or_default
from engine.law.lands import BERLIN
from engine.persistence.models import LEGAL_BASIS_LENGTH, Case, CaseDeadline, ProcessInstance
from engine.services.context import EngineContext
from engine.states import InstanceStatus

#: The deadline keys this recomputation looks at, in the order they are derived.
KEYS = ("served_on", "lawsuit_deadline", "lawsuit_deadline_earliest", "decision_final_on",
        "asylblg_end", "sgb2_start", "sgb2_application_deadline", "ip_responsibility_end")
ALREADY_PASSED = "already passed"
RECOGNISED = ("asylum", "refugee", "subsidiary")



@dataclass(frozen=True)
class DateChange:
    """One date of one open case that the rules in force compute differently.

    ``old``/``new`` None: not recorded / no longer applies. ``timers`` are the waiting timers
    (element ids) whose due time follows this date; ``flags`` e.g. ``already passed`` or
    ``timer moved: Timer_final``; ``applied`` whether :meth:`RecomputeService.apply` wrote it.
    """

    case_id: str
    case_number: str
    key: str
    old: date | None
    new: date | None
    legal_basis: str
    timers: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    applied: bool = False


@dataclass
class _CasePlan:
    changes: dict[str, tuple[date | None, date | None, str]] = field(default_factory=dict)
    timers: dict[str, list[str]] = field(default_factory=dict)
    passed: bool = False


class RecomputeService:
    """``staffel.recompute``: dry run and recomputation of the legal dates of open cases."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def plan(self, case_ids: list[str] | None = None) -> list[DateChange]:
        """Dry run: per open case and date, the old and the new date (nothing is written)."""
        result: list[DateChange] = []
        with self.ctx.db.read() as session:  # a read transaction: nothing can be written
            now = self.ctx.time.now(session)
            uow = UnitOfWork(session, now, self.ctx.time.clock(session), "system", AuditLog())
            for instance_id in _running_ids(session, case_ids):
                run = self.ctx.runtime.load(uow, instance_id)
                plan = self._plan_run(uow, run)
                result += _report(run.case, plan, applied=False, moved=False)
        return result

    def apply(self, actor: str, case_ids: list[str] | None = None) -> list[DateChange]:
        """Recompute and write the changed dates, each case in a transaction of its own."""
        with self.ctx.db.read() as session:
            targets = list(session.execute(_running_query(case_ids).add_columns(
                Case.id, Case.case_number)))
        result: list[DateChange] = []
        for instance_id, case_id, case_number in targets:
            try:
                with self.ctx.unit(actor) as uow:
                    result += self._apply_one(uow, instance_id)
            except StaffelError as exc:  # e.g. a lost race: reported, the case stays as it was
                result.append(DateChange(case_id, case_number, "-", None, None, "",
                                         flags=(f"not changed: {exc.message}",)))
        return result

    def ids_of(self, case_numbers: list[str]) -> list[str]:
        """The case ids of case numbers (NotFound naming the numbers that do not exist)."""
        with self.ctx.db.read() as session:
            found = {number: case_id for number, case_id in session.execute(
                select(Case.case_number, Case.id).where(Case.case_number.in_(case_numbers)))}
        missing = [n for n in case_numbers if n not in found]
        if missing:
            raise NotFound(f"no such case: {', '.join(missing)}")
        return [found[n] for n in case_numbers]

    # --- internals ----------------------------------------------------------------------------

    def _apply_one(self, uow: UnitOfWork, instance_id: str) -> list[DateChange]:
        run = self.ctx.runtime.load(uow, instance_id)
        if run.case.closed_at is not None or run.row.status != InstanceStatus.RUNNING:
            return []  # closed or ended meanwhile: never touched
        plan = self._plan_run(uow, run)
        if not plan.changes or plan.passed:
            return _report(run.case, plan, applied=False, moved=False)
        _write_data(run.workflow, plan)
        moved = self._move_timers(uow, run, plan)
        _write_rows(uow, run.case, plan)
        uow.record("deadlines_recomputed", case_id=run.case.id, instance_id=run.row.id,
                   changes={key: {"old": _iso(old), "new": _iso(new)}
                            for key, (old, new, _basis) in plan.changes.items()},
                   timers_moved=moved)
        run.save()
        return _report(run.case, plan, applied=True, moved=True)

    def _plan_run(self, uow: UnitOfWork, run: Run) -> _CasePlan:
        plan = _CasePlan()
        data = _inputs(run.workflow)
        if data is None:
            return plan
        today = uow.now.astimezone(BERLIN).date()
        court = court_or_default(run.case.court, run.case.land)
        for key, (new, basis) in self._recompute(data, court).items():
            raw = data["due"].get(key)
            old = date.fromisoformat(raw) if isinstance(raw, str) else None
            if old == new:
                continue
            plan.changes[key] = (old, new, basis)
            if min(d for d in (old, new) if d is not None) <= today:
                plan.passed = True
        for task, _position, expression in _waiting_timer_expressions(run.workflow):
            for key in plan.changes:
                if _refers_to(expression, key):
                    element = task.task_spec.bpmn_id or task.task_spec.name
                    plan.timers.setdefault(key, []).append(element)
                    break
        return plan

    def _recompute(self, data: dict[str, Any], court: str) -> dict[str, tuple[date, str]]:
        """The dates the rules in force give for the case's inputs (only keys it has).

        The deadline functions take the rule book and use the values in force on the
        relevant day (posting, service, start); ``""`` as basis keeps the stored text. The
        last day to sue moves by the holidays at the seat of the case's ``court``."""
        bamf, due, land = data["bamf"], data["due"], data["land"]
        short = bool(data.get("lawsuit_short"))
        given, posted = bamf.get("served_on"), bamf.get("posted_on")
        book = self.ctx.rulebook
        out: dict[str, tuple[date, str]] = {}
        if given:
            served = date.fromisoformat(given)
            out["served_on"] = (served, "")
        else:
            served = dl.deemed_served_on(posted, land, rules=book)
            out["served_on"] = (served, legal_basis("served_on", posted, rules=book))
        last_day = dl.lawsuit_deadline(served, land, short=short, rules=book, court=court)
        out["lawsuit_deadline"] = (last_day, legal_basis("lawsuit_deadline", served,
                                                         short=short, rules=book)
                                   + "; Feiertage am Gerichtssitz (§222(2) ZPO): "
                                   + court_name(court))
        out["decision_final_on"] = (dl.decision_final_on(last_day), "")
        if not given and posted:
            earliest = dl.earliest_lawsuit_deadline(posted, land, short=short, rules=book,
                                                    court=court)
            if earliest is not None or "lawsuit_deadline_earliest" in due:
                out["lawsuit_deadline_earliest"] = (earliest, "")  # type: ignore[assignment]
        outcome = bamf.get("outcome")
        if outcome in RECOGNISED and "asylblg_end" in due:
            end = dl.asylblg_end(outcome, served, last_day, rules=book)
            out["asylblg_end"] = (end, legal_basis("asylblg_end", served, outcome=outcome,
                                                   rules=book))
            start = dl.sgb2_start(end)
            out["sgb2_start"] = (start, "")
            out["sgb2_application_deadline"] = (dl.sgb2_application_deadline(start, land), "")
            out["ip_responsibility_end"] = (
                dl.ip_responsibility_end(start, rules=book),
                legal_basis("ip_responsibility_end", start, rules=book))
        return {key: value for key, value in out.items()
                if key in due or (key == "lawsuit_deadline_earliest" and value[0] is not None)}

    def _move_timers(self, uow: UnitOfWork, run: Run, plan: _CasePlan) -> list[dict[str, str]]:
        """Re-evaluate each waiting timer that follows a changed date (data already updated)."""
        moved = []
        engine = self.ctx.runtime.script_engine
        with using_clock(uow.clock), collecting(CaseEffects(run.case.id, run.case.land,
                                                             court=run.case.court)):
            for task, position, expression in _waiting_timer_expressions(run.workflow):
                if not any(_refers_to(expression, key) for key in plan.changes):
                    continue
                try:
                    value = str(engine.evaluate(task, expression))
                except Exception as exc:  # the whole case is rolled back and reported
                    raise translate_engine_error(exc) from exc
                internal = task.internal_data
                before = internal.get("event_value")
                if position is None:
                    internal["event_value"] = value
                else:
                    values = internal.get("timer_values") or {position: before}
                    values[position] = value
                    internal["timer_values"] = values
                    internal["event_value"] = min(values.values(), key=_due_time)
                element = task.task_spec.bpmn_id or task.task_spec.name
                moved.append({"element_id": element, "old": str(before),
                              "new": str(internal["event_value"])})
        return moved


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _running_query(case_ids: list[str] | None) -> Any:
    stmt = (select(ProcessInstance.id).join(Case, Case.id == ProcessInstance.case_id)
            .where(ProcessInstance.status == InstanceStatus.RUNNING, Case.closed_at.is_(None))
            .order_by(Case.case_number, ProcessInstance.id))
    if case_ids is not None:
        stmt = stmt.where(ProcessInstance.case_id.in_(case_ids))
    return stmt


def _running_ids(session: Session, case_ids: list[str] | None) -> list[str]:
    return list(session.scalars(_running_query(case_ids)))


def _workflows(workflow: BpmnWorkflow) -> list[Any]:
    return [workflow, *workflow.subprocesses.values()]


def _open_tasks(workflow: BpmnWorkflow) -> list[Any]:
    return [task for wf in _workflows(workflow) for task in wf.tasks.values()
            if not task.state & TaskState.FINISHED_MASK]


def _inputs(workflow: BpmnWorkflow) -> dict[str, Any] | None:
    """The data of an open task that holds the decision and the dates (the latest one)."""
    found = [task for task in _open_tasks(workflow)
             if isinstance(task.data.get("bamf"), dict) and isinstance(task.data.get("due"), dict)
             and task.data.get("land")]
    if not found:
        return None
    data: dict[str, Any] = max(found, key=lambda t: t.last_state_change).data
    bamf = data["bamf"]
    if not (bamf.get("served_on") or bamf.get("posted_on")) or "served_on" not in data["due"]:
        return None
    return data


def _write_data(workflow: BpmnWorkflow, plan: _CasePlan) -> None:
    """Put the new dates into ``due`` (and ``recognised_on``) of every task, finished ones
    too: a task reached later merges its parent's data over its own (SpiffWorkflow
    ``_inherit_data``), so an old date left in a finished task would come back."""
    for task in (t for wf in _workflows(workflow) for t in wf.tasks.values()):
        due = task.data.get("due")
        if not isinstance(due, dict):
            continue
        for key, (old, new, _basis) in plan.changes.items():
            if (key in due and due[key] == _iso(old)) or (old is None and key not in due):
                if new is None:
                    due.pop(key, None)
                else:
                    due[key] = new.isoformat()
                if key == "served_on" and old is not None \
                        and task.data.get("recognised_on") == old.isoformat():
                    task.data["recognised_on"] = _iso(new)


def _write_rows(uow: UnitOfWork, case: Case, plan: _CasePlan) -> None:
    rows = {row.key: row for row in uow.session.scalars(
        select(CaseDeadline).where(CaseDeadline.case_id == case.id))}
    for key, (_old, new, basis) in plan.changes.items():
        row = rows.get(key)
        if new is None:
            if row is not None:
                uow.session.delete(row)
            continue
        if row is None:
            row = CaseDeadline(case_id=case.id, key=key, land=case.land,
                               legal_basis=basis or dl.DEADLINE_LEGAL_BASIS[key])
            uow.session.add(row)
        row.due_on, row.computed_at = new, uow.now
        if basis:
            row.legal_basis = basis[:LEGAL_BASIS_LENGTH]


def _waiting_timer_expressions(workflow: BpmnWorkflow) -> list[tuple[Any, str | None, str]]:
    """(task, position in a gateway or None, expression) of every waiting date timer."""
    found: list[tuple[Any, str | None, str]] = []
    for task in timers.waiting_timers(workflow).values():
        definition = task.task_spec.event_definition
        if isinstance(definition, MultipleEventDefinition):
            found += [(task, str(position), d.expression)
                      for position, d in enumerate(definition.event_definitions)
                      if isinstance(d, TimeDateEventDefinition)]
        elif isinstance(definition, TimeDateEventDefinition):
            found.append((task, None, definition.expression))
    return found


def _due_time(value: Any) -> Any:
    return TimerEventDefinition.parse_time_or_duration(value)


def _refers_to(expression: str, key: str) -> bool:
    return re.search(r"""due\[\s*['"]""" + re.escape(key) + r"""['"]\s*\]""", expression) \
        is not None


def _report(case: Case, plan: _CasePlan, *, applied: bool, moved: bool) -> list[DateChange]:
    result = []
    for key, (old, new, basis) in plan.changes.items():
        elements = tuple(plan.timers.get(key, ()))
        flags: list[str] = []
        if plan.passed:
            flags.append(ALREADY_PASSED)
            flags += [f"timer not moved: {e}" for e in elements]
        else:
            verb = "timer moved" if moved else "timer moves"
            flags += [f"{verb}: {e}" for e in elements]
        result.append(DateChange(case.id, case.case_number, key, old, new,
                                 basis or dl.DEADLINE_LEGAL_BASIS[key], elements, tuple(flags),
                                 applied))
    return result
