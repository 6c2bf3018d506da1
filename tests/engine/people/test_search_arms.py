"""The case search finds a case by each of its ways (a whole case number, a part of one, the
Aktenzeichen, the name) through one united list of ids (issue 16: an OR of them read every case
of a Land on PostgreSQL); a text that cannot be part of a case number is not searched there."""

from __future__ import annotations

from engine import Staffel
from tests.conftest import PERSON


def _numbers(eng: Staffel, text: str, by_person: bool = True) -> set[str]:
    page = eng.cases.search(teams=None, text=text, by_person=by_person)
    return {hit.case.case_number for hit in page.items}


def test_each_way_of_finding_a_case(engine: Staffel) -> None:
    first = engine.cases.start(PERSON, "NW", process_key="basic", bamf_aktenzeichen="8123456-423")
    other = engine.cases.start({**PERSON, "family_name": "Özdemir", "given_name": "Elif"}, "NW",
                               process_key="basic")
    assert _numbers(engine, first.case_number) == {first.case_number}
    assert _numbers(engine, first.case_number.lower()) == {first.case_number}
    assert _numbers(engine, first.case_number[3:9]) >= {first.case_number}
    assert _numbers(engine, "8123456-423") == {first.case_number}
    assert _numbers(engine, "Oezdem") == {other.case_number}
    assert _numbers(engine, "Haddad Rana") == {first.case_number}
    assert _numbers(engine, "Nobody") == set()
    # administrators: numbers only (no names, no Aktenzeichen)
    assert _numbers(engine, "Oezdem", by_person=False) == set()
    assert _numbers(engine, first.case_number, by_person=False) == {first.case_number}
