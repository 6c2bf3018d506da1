"""Cases waiting for outside events: which message each open case waits for, since when, how
old the wait is in working days of the case's Land, and when it is followed up.

Definitions (shown on the dashboard, relied upon by the tests):

* A case **waits for a message** while a row of ``message_waits`` names it (the engine keeps
  them in step on every save). A case waiting for one message at several elements counts once,
  with the earliest ``since``. A wait from before migration 0009 has no ``since``: the case's
  creation is taken, the earliest it can have started.
* The wait's **age** is the number of working days of the case's Land after the day it began
  (Berlin) up to and including today: 0 on the first day, 1 on the next working day. A
  follow-up task moves the wait to the follow-up step: the age counts from there.
* The **follow-up** is due when the timer beside the wait fires (an event-based gateway holds
  both), or, for a wait on an open task (a boundary message), at that task's due date, as on
  the case page (:func:`engine.execution.cases.waits_of`). It is **overdue** from that instant on.
* The **age bucket** is one of
  :data:`~engine.supervision.dashboard_model.WAIT_BUCKETS`.

Only open cases count; ``teams`` scopes like every dashboard query (cases one of the teams has
or had a task on; ``None``: every case). One statement per call, whatever the number of cases.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session, aliased

from engine.law import calendar
from engine.law.outside_events import OutsideEvents
from engine.people.access import visible_to
from engine.persistence.models import Case, HumanTask, MessageWait, Timer
from engine.states import HumanTaskState, TimerStatus
from engine.supervision.dashboard import berlin_day
from engine.supervision.dashboard_model import WAIT_BUCKETS, WaitGroup, WaitingCase, wait_bucket_of


@functools.lru_cache(maxsize=8192)
def days_waited(since_on: date, today: date, land: str) -> int:
    """Working days of ``land`` after ``since_on`` up to today (0 on the first day); cached,
    since many waits share a day and a Land."""
    return max(0, calendar.working_days_between(since_on, today, land))


def waiting_cases(session: Session, now: datetime, events: OutsideEvents,
                  teams: Iterable[str] | None = None, *, message: str | None = None,
                  bucket: str | None = None,
                  follow_up_overdue: bool = False) -> list[WaitingCase]:
    """Open cases waiting for outside events, longest wait first; filtered by message, age
    bucket and late follow-up. One grouped statement (timers and tasks joined, not fetched
    per case)."""
    timer, task = aliased(Timer), aliased(HumanTask)  # the scope's EXISTS uses HumanTask
    watch = func.coalesce(timer.due_at, task.due_at)
    stmt = (select(MessageWait.case_id, Case.case_number, Case.stage, Case.land,
                   MessageWait.message_name,
                   func.min(func.coalesce(MessageWait.since, Case.created_at)), func.min(watch))
            .join(Case, Case.id == MessageWait.case_id)
            .outerjoin(timer, and_(timer.instance_id == MessageWait.instance_id,
                                   timer.element_id == MessageWait.element_id,
                                   timer.status.in_((TimerStatus.WAITING, TimerStatus.CLAIMED))))
            .outerjoin(task, and_(task.instance_id == MessageWait.instance_id,
                                  task.element_id == MessageWait.watched_by,
                                  task.state == HumanTaskState.OPEN))
            .where(Case.closed_at.is_(None),
                   true() if teams is None else visible_to(teams))
            .group_by(MessageWait.case_id, Case.case_number, Case.stage, Case.land,
                      MessageWait.message_name))
    if message:
        stmt = stmt.where(MessageWait.message_name == message)
    today = berlin_day(now)
    found = []
    for case_id, number, stage, land, name, since, due in session.execute(stmt):
        since_on = berlin_day(since)
        age = days_waited(since_on, today, land)
        late = due is not None and due <= now
        if (bucket and wait_bucket_of(age) != bucket) or (follow_up_overdue and not late):
            continue
        event = events.get(name)
        found.append(WaitingCase(
            case_id, number, stage, land, name, event.label_de if event else name,
            event.expected_team if event else None, since, since_on, age, wait_bucket_of(age),
            due, late))
    found.sort(key=lambda w: (-w.age_days, w.since, w.case_number, w.message))
    return found


def group_waits(items: Iterable[WaitingCase], events: OutsideEvents) -> list[WaitGroup]:
    """Counts per message and age bucket, most waiting cases first."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(WAIT_BUCKETS, 0))
    late: dict[str, int] = defaultdict(int)
    for w in items:
        counts[w.message][w.bucket] += 1
        late[w.message] += w.follow_up_overdue
    groups = []
    for name, by_bucket in counts.items():
        event = events.get(name)
        groups.append(WaitGroup(name, event.label_de if event else name,
                                event.expected_team if event else None, by_bucket, late[name]))
    groups.sort(key=lambda g: (-g.total, g.message))
    return groups
