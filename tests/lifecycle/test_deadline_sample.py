"""Issue 13: a sample of the date table through the full process — a BAMF decision message in,
the case's deadlines out (engine and REST API), and the dates derived from the SGB II start.

Each row: the Land, the decision and the deadlines the case must carry, with the reasoning
(see tests/engine/law/test_deadline_table.py for the holidays). Only the keys of the decision
chain are compared (other keys, e.g. an exit deadline, are not this table's business), but a
``lawsuit_deadline_earliest`` that is not expected must not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask

from engine import Staffel
from engine.law.rules import DEFAULT_RULES
from tests.lifecycle.helpers import (
    ASYLBLG_STOP,
    PERMIT_PREPARE,
    PERSON,
    REGISTRATION,
    advance_to,
    berlin,
    complete_open,
    decided_case,
    find_open,
    new_engine,
    recorded_dates,
    register_asylum,
    tasks_by_team,
    warm_handover,
)
from tests.web.conftest import FAST_HASHER, PASSWORD
from web import create_app

AZ = "8123456-423"
KEYS = ("served_on", "lawsuit_deadline", "lawsuit_deadline_earliest", "decision_final_on",
        "asylblg_end", "sgb2_start")
ABH, SOZ, JCL = "auslaenderbehoerde", "sozialamt", "jc_leistung"


def dates(*values: str | None) -> dict[str, str]:
    """The chain's dates in KEYS order (None: not recorded)."""
    return {key: value for key, value in zip(KEYS, values, strict=False) if value}


# Land, outcome, "served_on" or "posted_on" with its day, expected (served, last day, earliest,
# final, AsylbLG end, SGB II start)
SAMPLE = [
    # issue 13: last day to sue Wed 30.06. -> AsylbLG ends 30.06., SGB II from 01.07.
    ("NW", "refugee", "served_on", "2027-06-16",
     dates("2027-06-16", "2027-06-30", None, "2027-07-01", "2027-06-30", "2027-07-01")),
    # issue 13: last day Thu 31.12.2026 (no holiday) -> 31.12.2026 / 01.01.2027
    ("NW", "subsidiary", "served_on", "2026-12-17",
     dates("2026-12-17", "2026-12-31", None, "2027-01-01", "2026-12-31", "2027-01-01")),
    # issue 13: last day Tue 29.02.2028 -> 29.02. / 01.03.
    ("BY", "refugee", "served_on", "2028-02-15",
     dates("2028-02-15", "2028-02-29", None, "2028-03-01", "2028-02-29", "2028-03-01")),
    # Tue 31.10.2028 Reformation Day (SN) -> Wed 01.11.: November counts
    ("SN", "refugee", "served_on", "2028-10-17",
     dates("2028-10-17", "2028-11-01", None, "2028-11-02", "2028-11-30", "2028-12-01")),
    # the same in NW: 31.10. is a working day -> October
    ("NW", "subsidiary", "served_on", "2028-10-17",
     dates("2028-10-17", "2028-10-31", None, "2028-11-01", "2028-10-31", "2028-11-01")),
    # Thu 31.05.2029: no Corpus Christi in BE -> May; in NW -> Fri 01.06., June
    ("BE", "refugee", "served_on", "2029-05-17",
     dates("2029-05-17", "2029-05-31", None, "2029-06-01", "2029-05-31", "2029-06-01")),
    ("NW", "refugee", "served_on", "2029-05-17",
     dates("2029-05-17", "2029-06-01", None, "2029-06-02", "2029-06-30", "2029-07-01")),
    # served on a Saturday (postal service): Sat 30.06.2029 -> Mon 02.07. -> July
    ("HH", "subsidiary", "served_on", "2029-06-16",
     dates("2029-06-16", "2029-07-02", None, "2029-07-03", "2029-07-31", "2029-08-01")),
    # Art. 16a dated 28.04.2027, served Thu 13.05.: month of service (May); BE: no Corpus
    # Christi, so the last day to sue is Thu 27.05.
    ("BE", "asylum", "served_on", "2027-05-13",
     dates("2027-05-13", "2027-05-27", None, "2027-05-28", "2027-05-31", "2027-06-01")),
    # Art. 16a posted Wed 27.10.2027: deemed Sun 31.10., All Saints -> Tue 02.11. (BSG);
    # strict: Sun 31.10. + 2 weeks = Sun 14.11. -> Mon 15.11.; AsylbLG: month of service
    ("NW", "asylum", "posted_on", "2027-10-27",
     dates("2027-11-02", "2027-11-16", "2027-11-15", "2027-11-17", "2027-11-30", "2027-12-01")),
    # posted Wed 12.05.2027: Sun 16.05., Whit Monday -> Tue 18.05.; strict: Mon 31.05.
    ("NW", "refugee", "posted_on", "2027-05-12",
     dates("2027-05-18", "2027-06-01", "2027-05-31", "2027-06-02", "2027-06-30", "2027-07-01")),
    # the same posting in SN: Sun 31.10.2027 -> Mon 01.11. (no holiday in SN): no contest
    ("SN", "refugee", "posted_on", "2027-10-27",
     dates("2027-11-01", "2027-11-15", None, "2027-11-16", "2027-11-30", "2027-12-01")),
    # TH: Mon 20.09.2027 Weltkindertag -> Tue 21.09.; strict Mon 20.09. + 2 weeks = 04.10.
    ("TH", "subsidiary", "posted_on", "2027-09-16",
     dates("2027-09-21", "2027-10-05", "2027-10-04", "2027-10-06", "2027-10-31", "2027-11-01")),
    # manifestly unfounded (1 week), BY: Tue 06.01.2026 Epiphany -> Wed 07.01. -> Wed 14.01.;
    # strict: Tue 06.01. + 1 week = Tue 13.01.
    ("BY", "rejected_manifestly_unfounded", "posted_on", "2026-01-02",
     dates("2026-01-07", "2026-01-14", "2026-01-13", "2026-01-15")),
    # Dublin (1 week), served Mon 18.12.2028: Mon 25.12., Tue 26.12. -> Wed 27.12.
    ("NW", "dublin", "served_on", "2028-12-18",
     dates("2028-12-18", "2028-12-27", None, "2028-12-28")),
    # deportation ban posted Mon 26.03.2029: Good Friday 30.03. ... Easter Monday -> Tue 03.04.
    # (last day Tue 17.04.); strict: Fri 30.03. + 2 weeks = Fri 13.04.
    ("NW", "deportation_ban", "posted_on", "2029-03-26",
     dates("2029-04-03", "2029-04-17", "2029-04-13", "2029-04-18")),
]


def decide(make_engine: Any, land: str, outcome: str, how: str, day: str,
           rules: Any = DEFAULT_RULES) -> tuple[Staffel, str]:
    """A case in ``land`` registered ten days before ``day``; the BAMF decision on ``day``."""
    return decided_case(make_engine, day, land=land, outcome=outcome, how=how, rules=rules)


def chain(eng: Staffel, case_id: str) -> dict[str, str]:
    """The case's recorded dates of the decision chain, as ISO text."""
    return recorded_dates(eng, case_id, KEYS)


@pytest.mark.parametrize(("land", "outcome", "how", "day", "expected"), SAMPLE,
                         ids=[f"{r[0]}-{r[1]}-{r[3]}" for r in SAMPLE])
def test_decision_in_deadlines_out(make_engine: Any, land: str, outcome: str, how: str,
                                   day: str, expected: dict[str, str]) -> None:
    eng, case_id = decide(make_engine, land, outcome, how, day)
    assert chain(eng, case_id) == expected
    deadlines = eng.cases.get(case_id).deadlines
    assert all(info.land == land for info in deadlines.values())
    if "lawsuit_deadline_earliest" in expected:
        basis = deadlines["lawsuit_deadline_earliest"].legal_basis
        assert basis.startswith("Frühestes mögliches Fristende: strenge Lesart")
    if outcome == "asylum":
        assert "Monats der Bekanntgabe" in deadlines["asylblg_end"].legal_basis
    elif "asylblg_end" in expected:
        assert "Klagefrist abläuft" in deadlines["asylblg_end"].legal_basis


@pytest.mark.parametrize(("overrides", "expected", "basis"), [
    # the strict reading drives: deemed Sun 16.05.2027, last day Mon 31.05. -> AsylbLG May
    ({"posting_fiction_weekend": "strict"},
     dates("2027-05-16", "2027-05-31", None, "2027-06-01", "2027-05-31", "2027-06-01"),
     "strenge Lesart"),
    # local practice "month_final": the month of the day after the last day (Tue 01.06.)
    ({"asylblg_end_rule": "month_final"},
     dates("2027-05-18", "2027-06-01", "2027-05-31", "2027-06-02", "2027-06-30", "2027-07-01"),
     "Bestandskraft"),
])
def test_the_settings_decide(make_engine: Any, overrides: dict[str, str],
                             expected: dict[str, str], basis: str) -> None:
    rules = DEFAULT_RULES.with_overrides(**overrides)
    eng, case_id = decide(make_engine, "NW", "refugee", "posted_on", "2027-05-12", rules)
    assert chain(eng, case_id) == expected
    deadlines = eng.cases.get(case_id).deadlines
    assert any(basis in deadlines[key].legal_basis for key in ("served_on", "asylblg_end"))


def in_time(eng: Staffel, case_id: str) -> bool:
    _, _, data = eng.tasks.get(find_open(eng, case_id, "Task_sgb2_approve").id)
    return bool(data["sgb2_application_in_time"])


def test_last_day_to_sue_on_a_month_end_moves_every_later_date(make_engine: Any) -> None:
    """Served Wed 16.06.2027 (NW): final on Thu 01.07., when AsylbLG has ended (30.06.) and
    SGB II has begun; the reminder is Fri 30.07. (Sat 31.07.), an application on Saturday
    31.07. is still in time, and the IP's 12 months end on 30.06.2028."""
    eng, case_id = decide(make_engine, "NW", "refugee", "served_on", "2027-06-16")
    advance_to(eng, "2027-06-30")
    assert tasks_by_team(eng, case_id) == {}
    advance_to(eng, "2027-07-01")
    assert tasks_by_team(eng, case_id) == {ABH: ["Task_permit_prepare"],
                                           SOZ: ["Task_handover_propose"]}
    warm_handover(eng, case_id, "2027-07-05T10:00:00+02:00", continuity=True)
    complete_open(eng, case_id, "Task_permit_prepare", PERMIT_PREPARE)
    view = eng.cases.get(case_id)
    assert view.benefit_system == "sgb2"  # the first SGB II day has come already
    assert tasks_by_team(eng, case_id) == {SOZ: ["Task_asylblg_stop"]}
    assert view.deadlines["sgb2_application_deadline"].date == date(2027, 7, 30)
    complete_open(eng, case_id, "Task_asylblg_stop", ASYLBLG_STOP)
    eng.messages.correlate("permit_issued", {"paragraph": "§25(2) Alt. 1",
                                             "valid_until": "2030-07-04",
                                             "issued_on": "2027-07-05"}, case_id=case_id)
    advance_to(eng, "2027-07-30")
    complete_open(eng, case_id, "Task_application_reminder",
                  {"contacted_on": "2027-07-30", "contact_channel": "phone"})
    advance_to(eng, "2027-07-31")
    eng.messages.correlate("sgb2_application_received", {"received_on": "2027-07-31"},
                           case_id=case_id)
    assert in_time(eng, case_id)  # Saturday after the reminder: the legal end is 31.07.
    complete_open(eng, case_id, "Task_sgb2_approve", {
        "sgb2_approved_from": "2027-07-01", "sgb2_approval_months": 12, "no_gap_confirmed": True})
    view = eng.cases.get(case_id)
    assert view.stage == "S5"
    assert view.deadlines["ip_responsibility_end"].date == date(2028, 6, 30)


def test_resettlement_application_on_saturday_30_10_2027_is_in_time(make_engine: Any) -> None:
    """Issue 13 item 5: SGB II from Mon 04.10.2027; the reminder falls on Fri 29.10., the
    legal end on Sun 31.10.: an application on Saturday 30.10. is in time."""
    eng = new_engine(lambda: make_engine(clock_start=berlin("2027-10-04", 8)))
    case_id = eng.cases.start(PERSON, "NW", "resettlement", None, actor="cw_eingangszone").id
    complete_open(eng, case_id, "Task_register", REGISTRATION)
    complete_open(eng, case_id, "Task_resettlement_arrival", {"arrival_date": "2027-10-04"})
    warm_handover(eng, case_id, "2027-10-06T10:00:00+02:00")
    assert eng.cases.get(case_id).deadlines["sgb2_application_deadline"].date == date(2027, 10,
                                                                                       29)
    advance_to(eng, "2027-10-29")
    complete_open(eng, case_id, "Task_application_reminder",
                  {"contacted_on": "2027-10-29", "contact_channel": "phone"})
    advance_to(eng, "2027-10-30")
    eng.messages.correlate("sgb2_application_received", {"received_on": "2027-10-30"},
                           case_id=case_id)
    assert in_time(eng, case_id)
    assert tasks_by_team(eng, case_id)[JCL] == ["Task_sgb2_approve"]


def test_through_the_rest_api(make_engine: Any) -> None:
    """Berlin, refugee status posted Wed 03.03.2027: 4th day Sun 07.03., Mon 08.03. is
    Frauentag (BE) -> served Tue 09.03. (BSG), last day to sue Tue 23.03.; strict: Sun 07.03.
    + 2 weeks = Sun 21.03. -> Mon 22.03. AsylbLG ends 31.03., SGB II from 01.04."""
    eng = new_engine(make_engine)
    eng.context.password_hasher = FAST_HASHER
    eng.people.add("admin", PASSWORD, ["admin"], [])
    token = eng.people.issue_token("admin").token
    app: Flask = create_app({"ENGINE": eng, "DEPLOY_ON_START": False, "TESTING": True,
                             "SECRET_KEY": "test"})
    client, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/cases", headers=auth, json={
        "person": {k: PERSON[k] for k in ("family_name", "given_name", "birth_date",
                                          "nationality", "languages")},
        "land": "BE", "entry": "asylum", "bamf_aktenzeichen": AZ})
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["id"]
    register_asylum(eng, case_id)
    advance_to(eng, "2027-03-03")
    sent = client.post("/api/v1/messages", headers=auth, json={
        "name": "bamf_decision", "correlation": {"bamf_aktenzeichen": AZ},
        "payload": {"outcome": "refugee", "decision_date": "2027-03-01",
                    "posted_on": "2027-03-03"}})
    assert sent.status_code == 200, sent.get_json()
    answer = client.get(f"/api/v1/cases/{case_id}", headers=auth)
    assert answer.status_code == 200
    deadlines = answer.get_json()["deadlines"]
    assert {k: v["date"] for k, v in deadlines.items() if k in KEYS} == dates(
        "2027-03-09", "2027-03-23", "2027-03-22", "2027-03-24", "2027-03-31", "2027-04-01")
    assert {v["land"] for v in deadlines.values()} == {"BE"}
    assert "Frühestes mögliches Fristende" in deadlines["lawsuit_deadline_earliest"][
        "legal_basis"]
