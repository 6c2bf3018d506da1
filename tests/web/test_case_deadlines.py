"""Issue 15, point 6: the case view's deadline table shows upcoming and passed dates apart,
how far away each is, and a warning when a date passed but its step did not happen (here:
AsylbLG ended and SGB II began, the person still draws AsylbLG because the warm handover has
not taken place)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from engine import Staffel, missed_steps
from tests.lifecycle.helpers import (
    advance_to,
    recognised_refugee,
    warm_handover,
)
from tests.web.conftest import app_of, bpmn_engine
from tests.web.test_pages_support import HTML, login, text


@pytest.fixture
def eng(make_engine: Callable[..., Staffel]) -> Staffel:
    return bpmn_engine(make_engine, {"cw_soz": (["caseworker"], ["sozialamt"])})


@pytest.fixture
def web(eng: Staffel) -> FlaskClient:
    return app_of(eng).test_client()


def deadline_section(page: str) -> str:
    match = re.search(r'<section aria-labelledby="deadlines">(.*?)</section>', page, re.S)
    assert match is not None
    return match.group(1)


def test_upcoming_and_passed(eng: Staffel, web: FlaskClient) -> None:
    case_id = recognised_refugee(eng)
    advance_to(eng, "2027-03-20")
    login(web, "cw_soz")
    section = deadline_section(text(web.get(f"/cases/{case_id}", headers=HTML)))
    upcoming, passed = section.split('<tbody class="passed">')
    assert "Bevorstehend" in upcoming and "Beginn SGB II" in upcoming
    assert "in 12 Tagen" in upcoming  # 1 April
    assert "Vorbei" in passed and "vor 8 Tagen" in passed  # served on 12 March
    assert "Schritt fehlt" not in section


def test_sgb2_start_passed_while_still_asylblg(eng: Staffel, web: FlaskClient) -> None:
    case_id = recognised_refugee(eng)
    view = eng.cases.get(case_id)
    start = view.deadlines["sgb2_start"].date
    assert start.isoformat() == "2027-04-01" and view.benefit_system == "asylblg"
    advance_to(eng, "2027-03-31")  # the last AsylbLG day
    login(web, "cw_soz")
    assert "Schritt fehlt" not in text(web.get(f"/cases/{case_id}", headers=HTML))
    advance_to(eng, "2027-04-01")  # AsylbLG is over: the transfer should have happened
    assert ("Ende der AsylbLG-Leistungen (31.03.2027) ist vorbei, aber die Leistungen laufen "
            "noch nach dem AsylbLG") in text(web.get(f"/cases/{case_id}", headers=HTML))
    advance_to(eng, "2027-04-02")
    section = deadline_section(text(web.get(f"/cases/{case_id}", headers=HTML)))
    assert ("Beginn SGB II (01.04.2027) ist vorbei, aber die Leistungen laufen noch nach dem "
            "AsylbLG") in section
    assert section.count('class="tag warn"') == 1
    warm_handover(eng, case_id, "2027-04-06T10:00:00+02:00", continuity=True)
    assert eng.cases.get(case_id).benefit_system == "sgb2"
    assert missed_steps(eng.cases.get(case_id), eng.clock.now().date()) == []
    assert "Schritt fehlt" not in text(web.get(f"/cases/{case_id}", headers=HTML))
