"""Timer rows: the database is the truth about which timer is due when, and whether it fired.

After every engine run :func:`sync_timers` mirrors the instance's waiting timer events into
``timers``. :func:`claim_due` hands due rows to one poller at a time: ``FOR UPDATE SKIP LOCKED``
on PostgreSQL, and the ``BEGIN IMMEDIATE`` write transaction on SQLite. A claim is a lease: a
poller that dies after claiming leaves rows whose lease expires, and the next poller claims
them again. Firing a timer and marking its row ``fired`` happen in one transaction, so a timer
fires exactly once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import (
    MultipleEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from engine.persistence.models import Case, ProcessInstance, Timer
from engine.states import TimerStatus

CLAIM_LEASE = timedelta(seconds=float(os.environ.get("STAFFEL_CLAIM_LEASE_SECONDS", "60")))
MAX_ATTEMPTS = 5
OPEN_STATES = (TimerStatus.WAITING, TimerStatus.CLAIMED)


def _parse_due(value: Any) -> datetime | None:
    if isinstance(value, dict):  # cycle: {"cycles": n, "next": iso, "duration": seconds}
        value = value.get("next")
    if not isinstance(value, str) or not value:
        return None
    due = datetime.fromisoformat(value)
    if due.tzinfo is None:
        due = due.replace(tzinfo=UTC)
    return due.astimezone(UTC)


def waiting_timers(workflow: BpmnWorkflow) -> dict[tuple[str, datetime], Any]:
    """Return the waiting timer tasks of the workflow, keyed by (task id, due time)."""
    result = {}
    for task in list(workflow.event_manager.tasks.values()):
        definition = task.task_spec.event_definition
        if isinstance(definition, MultipleEventDefinition):
            if not any(isinstance(d, TimerEventDefinition)
                       for d in definition.event_definitions):
                continue
        elif not isinstance(definition, TimerEventDefinition):
            continue
        due = _parse_due(task.internal_data.get("event_value"))
        if due is not None:
            result[(str(task.id), due)] = task
    return result


@dataclass
class TimerChanges:
    """What a timer sync did: (element id, due time) of created, fired and cancelled timers."""

    created: list[tuple[str, datetime]]
    fired: list[tuple[str, datetime]]
    cancelled: list[tuple[str, datetime]]


_TIMERS = cast(Table, Timer.__table__)
CLOSE_TIMER = (
    update(_TIMERS)
    .where(_TIMERS.c.instance_id == bindparam("b_instance"),
           _TIMERS.c.task_id == bindparam("b_task"), _TIMERS.c.due_at == bindparam("b_due"),
           _TIMERS.c.status.in_(OPEN_STATES))
    .values(status=bindparam("status"), fired_at=bindparam("fired_at"), claimed_by=None,
            claim_expires_at=None)
)


def timer_elements(workflow: BpmnWorkflow) -> dict[tuple[str, datetime], str]:
    """The waiting timers as {(task id, due time): element id}."""
    return {key: task.task_spec.bpmn_id or task.task_spec.name
            for key, task in waiting_timers(workflow).items()}


def sync_timers(session: Session, instance_id: str, case_id: str, workflow: BpmnWorkflow,
                now: datetime, waiting_before: dict[tuple[str, datetime], str],
                firing: Timer | None = None) -> TimerChanges:
    """Mirror the instance's waiting timers into rows; a timer that left is fired or cancelled.

    ``waiting_before`` are the waiting timers when the instance was loaded (= its open rows,
    kept in step on every save), so only the difference is written, without reading rows.
    """
    current = waiting_timers(workflow)
    changes = TimerChanges([], [], [])
    firing_key = (firing.task_id, firing.due_at) if firing is not None else None
    if firing is not None and firing_key in current:
        # the engine does not consider it due yet: give the claim back
        firing.status, firing.claimed_by, firing.claim_expires_at = TimerStatus.WAITING, None, None
    for key in sorted(set(waiting_before) - set(current)):
        task_id, due = key
        fired = key == firing_key or due <= now
        if key == firing_key and firing is not None:
            firing.status, firing.fired_at = TimerStatus.FIRED, now
            firing.claimed_by, firing.claim_expires_at = None, None
        else:
            session.connection().execute(CLOSE_TIMER, {
                "b_instance": instance_id, "b_task": task_id, "b_due": due,
                "status": TimerStatus.FIRED if fired else TimerStatus.CANCELLED,
                "fired_at": now if fired else None})
        (changes.fired if fired else changes.cancelled).append((waiting_before[key], due))
    rows = []
    for (task_id, due), task in current.items():
        if (task_id, due) in waiting_before:
            continue
        element_id = task.task_spec.bpmn_id or task.task_spec.name
        rows.append({"instance_id": instance_id, "case_id": case_id, "task_id": task_id,
                     "element_id": element_id, "due_at": due, "status": TimerStatus.WAITING,
                     "attempts": 0, "claimed_by": None, "claim_expires_at": None,
                     "fired_at": None, "last_error": None})
        changes.created.append((element_id, due))
    if rows:
        session.connection().execute(insert(cast(Table, Timer.__table__)), rows)
    return changes


def claim_due(session: Session, now: datetime, worker: str, limit: int,
              wall: datetime | None = None) -> list[int]:
    """Claim up to ``limit`` due timers (and expired claims) for ``worker``; returns their ids.

    Leases use the wall clock ``wall`` (they are about processes being alive); due times use
    the engine clock ``now``, which may be simulated.
    """
    wall = wall or datetime.now(UTC)
    stmt = (
        select(Timer.id)
        .where(or_(
            and_(Timer.status == TimerStatus.WAITING, Timer.due_at <= now),
            and_(Timer.status == TimerStatus.CLAIMED, Timer.claim_expires_at < wall),
        ))
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
    )
    # PostgreSQL: each poller skips rows another has locked, so pollers never wait on each
    # other and a row is claimed once (without the lock 1,785 of 2,000 fired twice, ADR 0002).
    # SQLite has no row locks: its write transaction (BEGIN IMMEDIATE) holds the database.
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(session.scalars(stmt))
    if ids:
        session.execute(
            update(Timer).where(Timer.id.in_(ids))
            .values(status=TimerStatus.CLAIMED, claimed_by=worker,
                    claim_expires_at=wall + CLAIM_LEASE, attempts=Timer.attempts + 1)
        )
    return ids


def lock_claimed(session: Session, timer_id: int,
                 worker: str) -> tuple[Timer, ProcessInstance] | None:
    """Return the timer and its instance if ``worker`` still holds the claim (one query;
    the timer row is locked on PostgreSQL). The case comes in the same query, so that
    loading the instance finds it in the session (one round trip less per firing)."""
    stmt = (select(Timer, ProcessInstance, Case)
            .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .join(Case, Case.id == ProcessInstance.case_id)
            .where(Timer.id == timer_id, Timer.status == TimerStatus.CLAIMED,
                   Timer.claimed_by == worker))
    if session.get_bind().dialect.name == "postgresql":  # SQLite: the write lock suffices
        stmt = stmt.with_for_update(of=Timer)
    found = session.execute(stmt).one_or_none()
    if found is None:
        return None
    # the identity map holds objects weakly: keep the case alive for this unit of work
    session.info.setdefault("claimed_cases", []).append(found[2])
    return found[0], found[1]


def release(session: Session, timer_id: int, worker: str, error: str | None) -> None:
    """Give a claim back after a failed firing; after too many attempts the timer fails."""
    row = session.get(Timer, timer_id)
    if row is None or row.status != TimerStatus.CLAIMED or row.claimed_by != worker:
        return
    row.last_error = error
    row.claimed_by, row.claim_expires_at = None, None
    row.status = TimerStatus.FAILED if row.attempts >= MAX_ATTEMPTS else TimerStatus.WAITING


def next_due(session: Session, until: datetime | None = None) -> datetime | None:
    """Return the earliest due time of a waiting timer (optionally only up to ``until``)."""
    stmt = (select(Timer.due_at).where(Timer.status == TimerStatus.WAITING)
            .order_by(Timer.due_at).limit(1))
    if until is not None:
        stmt = stmt.where(Timer.due_at <= until)
    return session.scalar(stmt)
