"""Cases that fell between the chairs: running, not closed, and nothing will move them — no
open task, and no timer that will fire (every wait for an outside event must have one: its
follow-up timer). ``staffel check`` and the supervisors' list show them; the goal is none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine.people.access import visible_to
from engine.persistence.models import Case, HumanTask, MessageWait, ProcessInstance, Timer
from engine.states import HumanTaskState, InstanceStatus, TimerStatus


@dataclass(frozen=True)
class StalledCase:
    """A case nothing will move: its stage, since when it is unchanged, what it waits for."""

    case_id: str
    case_number: str
    stage: str
    land: str
    since: datetime
    waiting_for: list[str]


def stalled_cases(session: Session, teams: Iterable[str] | None = None,
                  limit: int = 500) -> list[StalledCase]:
    """Running, unclosed cases without an open task and without a pending timer."""
    open_task = exists().where(HumanTask.case_id == Case.id,
                               HumanTask.state == HumanTaskState.OPEN)
    pending_timer = exists().where(Timer.case_id == Case.id,
                                   Timer.status.in_((TimerStatus.WAITING, TimerStatus.CLAIMED)))
    running = exists().where(ProcessInstance.case_id == Case.id,
                             ProcessInstance.status == InstanceStatus.RUNNING)
    stmt = (select(Case.id, Case.case_number, Case.stage, Case.land,
                   select(ProcessInstance.updated_at)
                   .where(ProcessInstance.case_id == Case.id)
                   .order_by(ProcessInstance.updated_at.desc()).limit(1).scalar_subquery())
            .where(Case.closed_at.is_(None), running, ~open_task, ~pending_timer)
            .order_by(Case.created_at, Case.id).limit(limit))
    if teams is not None:
        stmt = stmt.where(visible_to(teams))
    rows = session.execute(stmt).all()
    waits: dict[str, list[str]] = {}
    if rows:
        for case_id, name in session.execute(
                select(MessageWait.case_id, MessageWait.message_name)
                .where(MessageWait.case_id.in_([r[0] for r in rows]))
                .order_by(MessageWait.message_name)):
            waits.setdefault(case_id, []).append(name)
    return [StalledCase(r[0], r[1], r[2], r[3], r[4], waits.get(r[0], [])) for r in rows]
