"""Issue 13 item 4 through the full process: a case carries its Verwaltungsgericht and the
last day to sue moves by the holidays at the court's seat (§57(2) VwGO, §222(2) ZPO); the
other dates keep the Land's holidays. Message in, case deadlines out (engine and REST API).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from engine import Staffel
from engine.persistence.models import Case
from tests.lifecycle.helpers import (
    PERSON,
    advance_to,
    berlin,
    decided_case,
    new_engine,
    recorded_dates,
    register_asylum,
)
from tests.web.conftest import FAST_HASHER, PASSWORD
from web import create_app

AZ = "8123456-423"
KEYS = ("served_on", "lawsuit_deadline", "decision_final_on", "asylblg_end", "sgb2_start")


def decide(make_engine: Any, court: str | None, day: str, outcome: str = "refugee",
           how: str = "served_on", forget_court: bool = False) -> tuple[Staffel, str]:
    """A BY case at ``court``; the BAMF decision on ``day``. ``forget_court``: the case has
    no court recorded (as cases created before 0011)."""

    def forget(eng: Staffel, case_id: str) -> None:
        with eng.db.write() as session:
            row = session.get(Case, case_id)
            assert row is not None
            row.court = None

    return decided_case(make_engine, day, land="BY", outcome=outcome, how=how, court=court,
                        prepare=forget if forget_court else None)


def chain(eng: Staffel, case_id: str) -> dict[str, str]:
    return recorded_dates(eng, case_id, KEYS)


# court, served on, expected (served, last day, final, AsylbLG end, SGB II start)
SAMPLE = [
    # Augsburg: served Tue 25.07.2028, last day Tue 08.08. Friedensfest -> Wed 09.08.
    ("VG_AUGSBURG", "2028-07-25",
     ("2028-07-25", "2028-08-09", "2028-08-10", "2028-08-31", "2028-09-01")),
    # the same decision at VG München: 08.08. is a working day there
    ("VG_MUENCHEN", "2028-07-25",
     ("2028-07-25", "2028-08-08", "2028-08-09", "2028-08-31", "2028-09-01")),
    # Munich: served Tue 01.08.2028, last day Tue 15.08. Assumption -> Wed 16.08.
    ("VG_MUENCHEN", "2028-08-01",
     ("2028-08-01", "2028-08-16", "2028-08-17", "2028-08-31", "2028-09-01")),
    # no court given: Bavaria's default court (Ansbach) has the Land's holidays only
    (None, "2028-08-01",
     ("2028-08-01", "2028-08-15", "2028-08-16", "2028-08-31", "2028-09-01")),
]


@pytest.mark.parametrize(("court", "served", "expected"), SAMPLE,
                         ids=[f"{r[0]}-{r[1]}" for r in SAMPLE])
def test_the_last_day_to_sue_moves_by_the_seat(make_engine: Any, court: str | None,
                                               served: str, expected: tuple[str, ...]) -> None:
    eng, case_id = decide(make_engine, court, served)
    assert chain(eng, case_id) == dict(zip(KEYS, expected, strict=True))
    view = eng.cases.get(case_id)
    assert view.court == (court or "VG_ANSBACH")
    basis = view.deadlines["lawsuit_deadline"].legal_basis
    assert basis.endswith("Feiertage am Gerichtssitz (§222(2) ZPO): " + (
        "VG Augsburg" if court == "VG_AUGSBURG" else "VG München" if court else "VG Ansbach"))
    assert all(info.land == "BY" for info in view.deadlines.values())


def test_a_case_without_a_recorded_court_keeps_the_land_calendar(make_engine: Any) -> None:
    eng, case_id = decide(make_engine, "VG_MUENCHEN", "2028-08-01", forget_court=True)
    assert chain(eng, case_id)["lawsuit_deadline"] == "2028-08-15"
    assert eng.cases.get(case_id).court == "VG_ANSBACH"


def test_the_posted_decision_in_augsburg(make_engine: Any) -> None:
    """Posted Fri 21.07.2028 (BY): 4th day Tue 25.07. (a working day: service by the Land's
    calendar), last day Tue 08.08. Friedensfest -> Wed 09.08.; no contest of the readings."""
    eng, case_id = decide(make_engine, "VG_AUGSBURG", "2028-07-21", how="posted_on")
    assert chain(eng, case_id) == dict(zip(KEYS, (
        "2028-07-25", "2028-08-09", "2028-08-10", "2028-08-31", "2028-09-01"), strict=True))
    assert "lawsuit_deadline_earliest" not in eng.cases.get(case_id).deadlines


def test_through_the_rest_api(make_engine: Any) -> None:
    """A case created by the API with VG Augsburg; its last day to sue moves off 08.08.2028."""
    eng = new_engine(lambda: make_engine(clock_start=berlin("2028-07-15")))
    eng.context.password_hasher = FAST_HASHER
    eng.people.add("admin", PASSWORD, ["admin"], [])
    token = eng.people.issue_token("admin").token
    app: Flask = create_app({"ENGINE": eng, "DEPLOY_ON_START": False, "TESTING": True,
                             "SECRET_KEY": "test"})
    client, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/cases", headers=auth, json={
        "person": {k: PERSON[k] for k in ("family_name", "given_name", "birth_date")},
        "land": "BY", "court": "VG_AUGSBURG", "entry": "asylum", "bamf_aktenzeichen": AZ})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["court"], body["court_name"]) == ("VG_AUGSBURG", "VG Augsburg")
    register_asylum(eng, body["id"])
    advance_to(eng, "2028-07-25")
    sent = client.post("/api/v1/messages", headers=auth, json={
        "name": "bamf_decision", "correlation": {"bamf_aktenzeichen": AZ},
        "payload": {"outcome": "subsidiary", "decision_date": "2028-07-21",
                    "served_on": "2028-07-25"}})
    assert sent.status_code == 200, sent.get_json()
    deadlines = client.get(f"/api/v1/cases/{body['id']}", headers=auth).get_json()["deadlines"]
    assert {k: v["date"] for k, v in deadlines.items() if k in KEYS} == dict(zip(KEYS, (
        "2028-07-25", "2028-08-09", "2028-08-10", "2028-08-31", "2028-09-01"), strict=True))
    assert "VG Augsburg" in deadlines["lawsuit_deadline"]["legal_basis"]
