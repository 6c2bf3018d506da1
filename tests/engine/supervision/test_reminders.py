"""Overdue reminders: exactly once per task and per unacknowledged handover, to the assignee or
the team (supervisors for handovers), retried only after passing failures, never with names."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher

from engine import Staffel
from engine.errors import InvalidInput, NotFound
from engine.execution.scheduler import TimerScheduler
from engine.ports import DeliveryError, Notification
from tests.conftest import PERSON
from tests.engine.supervision.test_dashboard import basic, intake, open_engine, utc

DUE = utc(2027, 3, 4, 23)  # a basic task started at START is overdue from here
US = timedelta(microseconds=1)


class Recorder:
    """A notifier that keeps what it was given; ``fail`` may raise for some notifications."""

    def __init__(self, fail: Callable[[Notification], Exception | None] | None = None) -> None:
        self.sent: list[Notification] = []
        self.fail = fail
        self.lock = threading.Lock()

    def send(self, notification: Notification) -> None:
        error = self.fail(notification) if self.fail else None
        if error is not None:
            raise error
        with self.lock:
            self.sent.append(notification)


@pytest.fixture
def eng(make_engine: Callable[..., Staffel]) -> Staffel:
    engine = open_engine(make_engine)
    engine.context.password_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return engine


def actions(engine: Staffel, name: str) -> list[dict[str, Any]]:
    return [e.details for e in engine.audit.events(limit=5000) if e.action == name]


def test_without_a_notifier_nothing_is_claimed(eng: Staffel) -> None:
    basic(eng)
    eng.clock.advance(to=DUE)
    assert eng.supervision.send_reminders().sent == 0
    eng.context.notifier = Recorder()
    # not swallowed by the sweep without a notifier
    assert eng.supervision.send_reminders().sent == 1


def test_a_team_is_reminded_once_when_the_task_becomes_overdue(eng: Staffel) -> None:
    case = basic(eng)
    task = case.open_tasks[0]
    rec = Recorder()
    eng.context.notifier = rec
    eng.clock.advance(to=DUE - US)
    assert eng.supervision.send_reminders().sent == 0
    eng.clock.advance(to=DUE)
    report = eng.supervision.send_reminders()
    assert (report.sent, report.retry, report.undeliverable) == (1, 0, 0)
    [note] = rec.sent
    assert (note.kind, note.ref, note.case_number, note.title, note.team, note.user,
            note.emails) == ("task_overdue", task.id, case.case_number, "Register person",
                             "sozialamt", None, ())
    assert (note.due_at, note.due_day, note.recipient) == (DUE, "04.03.2027", "team:sozialamt")
    assert note.subject == f"Staffel: Frist überschritten – Fall {case.case_number}"
    assert note.body == (f"Fall: {case.case_number}\nAufgabe: Register person\n"
                         "Fällig am: 04.03.2027\n")
    for word in ("Haddad", "Rana", "1990"):
        assert word not in note.subject + note.body
    for _ in range(3):
        assert eng.supervision.send_reminders().sent == 0
    eng.clock.advance(by=timedelta(days=7))
    assert eng.supervision.send_reminders().sent == 0 and len(rec.sent) == 1
    [event] = actions(eng, "reminder_sent")
    assert event["task_id"] == task.id and event["recipient"] == "team:sozialamt"


def test_the_assignee_is_reminded_at_his_address(eng: Staffel) -> None:
    eng.people.add("cw_soz", "correct horse battery", ["caseworker"], ["sozialamt"])
    eng.people.add("cw_soz2", "correct horse battery", ["caseworker"], ["sozialamt"])
    eng.people.set_email("cw_soz", "cw.soz@stadt.example")
    with_mail, without_mail = basic(eng).open_tasks[0], basic(eng).open_tasks[0]
    eng.tasks.claim(with_mail.id, "cw_soz")
    eng.tasks.claim(without_mail.id, "cw_soz2")
    rec = Recorder()
    eng.context.notifier = rec
    eng.clock.advance(to=DUE)
    assert eng.supervision.send_reminders().sent == 2
    by_task = {n.ref: n for n in rec.sent}
    assert (by_task[with_mail.id].user, by_task[with_mail.id].emails) == (
        "cw_soz", ("cw.soz@stadt.example",))
    assert (by_task[without_mail.id].user, by_task[without_mail.id].emails) == ("cw_soz2", ())
    assert by_task[without_mail.id].recipient == "user:cw_soz2"


def test_set_user_email_checks_its_input(eng: Staffel) -> None:
    eng.people.add("cw_soz", "correct horse battery", ["caseworker"], ["sozialamt"])
    with pytest.raises(InvalidInput, match=r"^not an e-mail address$"):
        eng.people.set_email("cw_soz", "not an address")
    with pytest.raises(InvalidInput, match=r"^not an e-mail address$"):
        eng.people.set_email("cw_soz", "a@b.example\nBcc: x@y.example")
    with pytest.raises(NotFound, match=r"^no user 'nobody'$"):
        eng.people.set_email("nobody", "a@b.example")
    eng.people.set_email("cw_soz", "a@b.example")
    eng.people.set_email("cw_soz", None)
    assert [e["present"] for e in actions(eng, "user_email_set")] == [True, False]


def test_passing_failures_are_retried_permanent_ones_are_not(eng: Staffel) -> None:
    flaky, dead, broken = (basic(eng).open_tasks[0] for _ in range(3))
    failures = {flaky.id: DeliveryError("server down"),
                dead.id: DeliveryError("no address", permanent=True),
                broken.id: RuntimeError("bug")}
    eng.context.notifier = Recorder(lambda n: failures.get(n.ref))
    eng.clock.advance(to=DUE)
    report = eng.supervision.send_reminders()
    assert (report.sent, report.retry, report.undeliverable) == (0, 2, 1)
    failures.clear()
    rec = Recorder()
    eng.context.notifier = rec
    report = eng.supervision.send_reminders()
    assert (report.sent, report.retry, report.undeliverable) == (2, 0, 0)
    assert {n.ref for n in rec.sent} == {flaky.id, broken.id}
    assert eng.supervision.send_reminders().sent == 0
    assert [e["task_id"] for e in actions(eng, "reminder_undeliverable")] == [dead.id]


def test_supervisors_hear_of_an_unacknowledged_handover_once(eng: Staffel) -> None:
    eng.people.add("sup_jc", "correct horse battery", ["supervisor"], ["jc_leistung"])
    eng.people.add("sup_soz", "correct horse battery", ["supervisor"], ["sozialamt"])
    eng.people.add("cw_jc", "correct horse battery", ["caseworker"], ["jc_leistung"])
    for user in ("sup_jc", "sup_soz", "cw_jc"):
        eng.people.set_email(user, f"{user}@stadt.example")
    case = intake(eng)  # proposed Monday 1 March: to acknowledge within 5 working days
    rec = Recorder()
    eng.context.notifier = rec
    eng.clock.advance(to=utc(2027, 3, 8, 23) - US)
    assert eng.supervision.send_reminders().sent == 0
    eng.clock.advance(to=utc(2027, 3, 8, 23))  # also when Task_ack (sla 5) becomes overdue
    assert eng.supervision.send_reminders().sent == 2
    notes = {n.kind: n for n in rec.sent}
    handover = notes["handover_overdue"]
    assert (handover.ref, handover.team, handover.emails, handover.due_day) == (
        f"handover:{case.case_number}:ez_to_jc", "supervisor", ("sup_jc@stadt.example",),
        "08.03.2027")
    assert handover.title == ("Übergabe bestätigen: Eingangszone (IP) → "
                              "Jobcenter Leistungssachbearbeitung")
    assert handover.subject == f"Staffel: Übergabe nicht bestätigt – Fall {case.case_number}"
    assert notes["task_overdue"].team == "jc_leistung"
    eng.clock.advance(by=timedelta(days=3))  # the escalation task (sla 1) is overdue now too
    assert eng.supervision.send_reminders().sent == 1
    assert rec.sent[-1].team == "supervisor" and rec.sent[-1].title.startswith("Eskalation")
    assert eng.supervision.send_reminders().sent == 0


def test_concurrent_sweeps_send_each_reminder_once(
        make_engine: Callable[..., Staffel]) -> None:
    first = open_engine(make_engine)
    second = make_engine()
    tasks = {basic(first).open_tasks[0].id for _ in range(12)}
    first.clock.advance(to=DUE)
    rec = Recorder()
    first.context.notifier = second.context.notifier = rec
    barrier = threading.Barrier(4)

    def sweep(engine: Staffel) -> None:
        barrier.wait()
        for _ in range(3):
            engine.supervision.send_reminders(limit=5)

    threads = [threading.Thread(target=sweep, args=(e,)) for e in (first, second) * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(n.ref for n in rec.sent) == sorted(tasks)


def test_the_scheduler_sends_reminders_only_with_a_notifier(eng: Staffel) -> None:
    eng.cases.start(PERSON, "NW", "asylum", process_key="basic", actor="tester")
    eng.clock.advance(to=DUE)
    idle = TimerScheduler(eng.scheduler_hooks(), sweep_seconds=3600)
    idle.start()
    try:
        assert idle._scheduler.get_job("reminders") is None
    finally:
        idle.shutdown()
    eng.context.notifier = Recorder()
    runner = TimerScheduler(eng.scheduler_hooks(), sweep_seconds=3600, remind_seconds=3600)
    runner.start()
    try:
        assert runner._scheduler.get_job("reminders") is not None
        assert runner.remind() == 1 and runner.remind() == 0
    finally:
        runner.shutdown()
