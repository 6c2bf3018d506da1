"""Escalations: an unacknowledged warm handover and an overdue task reach the Teamleitung."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.lifecycle.helpers import (
    ACK,
    CLOSE,
    ESCALATION,
    REGISTRATION,
    advance_to,
    complete_open,
    find_open,
    new_engine,
    proposal,
    start_asylum,
    tasks_by_team,
)

PERSON = {"family_name": "Tesfay", "given_name": "Selam", "birth_date": "1995-02-03"}


def test_handover_not_acknowledged_within_5_working_days_escalates(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    advance_to(eng, "2027-10-28")  # Thursday
    case = eng.cases.start(PERSON, "NW", "resettlement", actor="cw_eingangszone").id
    complete_open(eng, case, "Task_register", REGISTRATION)
    complete_open(eng, case, "Task_resettlement_arrival", {"arrival_date": "2027-10-28"})
    complete_open(eng, case, "Task_handover_propose", proposal("2027-11-03T10:00:00+01:00"))
    ack = find_open(eng, case, "Task_handover_ack")
    # 5 working days after Thu 28.10.2027 in NW: Fri 29.10. (1), Mon 01.11. is Allerheiligen,
    # Tue 02.11. (2), Wed 03.11. (3), Thu 04.11. (4), Fri 05.11. (5): due at the end of Fri
    # 05.11., Berlin time (CET since 31.10.) = 23:00 UTC
    deadline = datetime(2027, 11, 5, 23, 0, tzinfo=UTC)
    assert (ack.team, ack.due_at) == ("jc_leistung", deadline)
    (handover,) = eng.cases.get(case).handovers
    assert (handover.key, handover.from_team, handover.to_team, handover.state) == (
        "resettlement_to_sgb2", "eingangszone", "jc_leistung", "proposed")

    eng.clock.advance(to=datetime(2027, 11, 5, 22, 59, tzinfo=UTC))
    assert tasks_by_team(eng, case) == {"auslaenderbehoerde": ["Task_permit_prepare"],
                                        "jc_leistung": ["Task_handover_ack"]}
    assert eng.cases.get(case).handovers[0].escalated_at is None

    eng.clock.advance(to=deadline)
    assert tasks_by_team(eng, case) == {"auslaenderbehoerde": ["Task_permit_prepare"],
                                        "jc_leistung": ["Task_handover_ack"],
                                        "supervisor": ["Task_handover_escalation"]}
    view = eng.cases.get(case)
    assert view.handovers[0].escalated_at == deadline
    assert view.handovers[0].state == "proposed"  # the sender stays responsible
    assert find_open(eng, case, "Task_handover_ack").overdue
    assert "handover_escalated" in [e.action for e in eng.audit.events(case)]

    # the receiver acknowledges late; the supervisor closes the escalation
    complete_open(eng, case, "Task_handover_ack", ACK)
    (handover,) = eng.cases.get(case).handovers
    assert handover.state == "acknowledged" and handover.escalated_at == deadline
    assert handover.acknowledged_by == "cw_jc_leistung"
    assert tasks_by_team(eng, case) == {"auslaenderbehoerde": ["Task_permit_prepare"],
                                        "eingangszone": ["Task_handover_close"],
                                        "supervisor": ["Task_handover_escalation"]}
    complete_open(eng, case, "Task_handover_escalation", ESCALATION, actor="tl_lead")
    complete_open(eng, case, "Task_handover_close", CLOSE)
    # the application deadline (last working day of October: Fri 29.10.) has passed meanwhile
    assert tasks_by_team(eng, case) == {"auslaenderbehoerde": ["Task_permit_prepare"],
                                        "jc_leistung": ["Task_application_reminder"]}


def test_overdue_task_escalates_without_interrupting_it(make_engine: Any) -> None:
    eng = new_engine(make_engine)
    case = start_asylum(eng).id
    register = find_open(eng, case, "Task_register")
    # created Mon 01.03.2027; sla_days 3 -> due at the end of Thu 04.03. (CET) = 23:00 UTC
    assert register.due_at == datetime(2027, 3, 4, 23, 0, tzinfo=UTC)
    eng.clock.advance(to=datetime(2027, 3, 4, 22, 59, tzinfo=UTC))
    assert tasks_by_team(eng, case) == {"eingangszone": ["Task_register"]}
    eng.clock.advance(to=datetime(2027, 3, 4, 23, 0, tzinfo=UTC))
    assert tasks_by_team(eng, case) == {"eingangszone": ["Task_register"],
                                        "supervisor": ["Esc_register"]}
    assert find_open(eng, case, "Task_register").overdue
    complete_open(eng, case, "Task_register", REGISTRATION)
    complete_open(eng, case, "Esc_register", ESCALATION, actor="tl_lead")
    assert tasks_by_team(eng, case) == {"sozialamt": ["Task_asylblg_grant"]}
    # the escalation fires once: nothing more when the clock moves on
    eng.clock.advance(to=datetime(2027, 3, 5, 9, 0, tzinfo=UTC))
    assert tasks_by_team(eng, case) == {"sozialamt": ["Task_asylblg_grant"]}
