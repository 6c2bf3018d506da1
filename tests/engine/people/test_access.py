"""Visibility of engine.people.access over real tasks: a team sees a case when it has or had a
human task on it; ``None`` sees everything, no teams see nothing; the case list's filters."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import Staffel
from engine.model import CaseInfo, CaseSummary, Page
from engine.people.access import case_visible, list_case_summaries, summary, visible_to
from engine.persistence.models import Case
from tests.conftest import PERSON, START


@pytest.fixture
def cases(engine: Staffel) -> dict[str, CaseInfo]:
    """soz: a sozialamt task (NW, S1, AZ 8123456-423); jc: a jc_leistung task in the called
    process (resettlement, S3e); none: a timer waits, no task yet (AZ 7000001-ZZ9).
    One hour lies between the cases, newest last."""
    soz = engine.cases.start(PERSON, "NW", "asylum", "8123456-423", process_key="basic")
    engine.clock.advance(by=timedelta(hours=1))
    jc = engine.cases.start(PERSON, "BE", "resettlement", process_key="parent",
                            data={"decision_date": "2027-01-31"})
    engine.clock.advance(by=timedelta(hours=1))
    none = engine.cases.start(PERSON, "NW", "asylum", "7000001-ZZ9", process_key="timers",
                              data={"review_on": "2027-04-01"})
    return {"soz": soz, "jc": jc, "none": none}


def visible(engine: Staffel, case_id: str, teams: list[str] | None) -> bool:
    with engine.db.read() as session:
        return case_visible(session, case_id, teams)


def listing(engine: Staffel, teams: list[str] | None = None, stage: str | None = None,
            q: str | None = None, page: int = 1, per_page: int = 50) -> Page[CaseSummary]:
    with engine.db.read() as session:
        return list_case_summaries(session, teams=teams, stage=stage, q=q, page=page,
                                   per_page=per_page)


def names(page: Page[CaseSummary], cases: dict[str, CaseInfo]) -> list[str]:
    by_id = {case.id: name for name, case in cases.items()}
    return [by_id[s.id] for s in page.items]


def test_a_team_sees_the_cases_it_has_a_task_on(engine: Staffel,
                                                cases: dict[str, CaseInfo]) -> None:
    assert visible(engine, cases["soz"].id, ["sozialamt"])
    assert not visible(engine, cases["soz"].id, ["jc_leistung"])
    assert visible(engine, cases["jc"].id, ["jc_leistung"])  # a task of the called process
    assert visible(engine, cases["jc"].id, ["kurstraeger", "jc_leistung"])
    assert not visible(engine, cases["none"].id, ["auslaenderbehoerde"])  # no task yet


def test_none_sees_every_existing_case_and_no_teams_see_nothing(
        engine: Staffel, cases: dict[str, CaseInfo]) -> None:
    for case in cases.values():
        assert visible(engine, case.id, None)
        assert not visible(engine, case.id, [])
    assert not visible(engine, "0" * 32, None)
    assert not visible(engine, "0" * 32, ["sozialamt"])


def test_a_team_keeps_seeing_a_case_after_its_task_is_done(
        engine: Staffel, cases: dict[str, CaseInfo]) -> None:
    engine.tasks.complete(cases["soz"].open_tasks[0].id, {"interpreter_needed": False},
                          actor="cw")
    assert engine.cases.get(cases["soz"].id).open_tasks == []
    assert visible(engine, cases["soz"].id, ["sozialamt"])


def test_a_task_that_appears_later_makes_the_case_visible(
        engine: Staffel, cases: dict[str, CaseInfo]) -> None:
    engine.clock.advance(to=START + timedelta(days=31, hours=6))  # review date 1 April, 06:00
    assert [t.team for t in engine.cases.get(cases["none"].id).open_tasks] == [
        "auslaenderbehoerde"]
    assert visible(engine, cases["none"].id, ["auslaenderbehoerde"])


def test_visible_to_is_a_condition_on_cases(engine: Staffel, cases: dict[str, CaseInfo]) -> None:
    with engine.db.read() as session:
        ids = set(session.scalars(select(Case.id).where(
            visible_to(["sozialamt", "jc_leistung"]))))
        assert ids == {cases["soz"].id, cases["jc"].id}
        assert session.scalars(select(Case.id).where(visible_to([]))).all() == []


def test_the_list_is_newest_first_and_scoped(engine: Staffel,
                                             cases: dict[str, CaseInfo]) -> None:
    everything = listing(engine)
    assert names(everything, cases) == ["none", "jc", "soz"]
    assert everything.total == 3
    assert names(listing(engine, teams=["sozialamt"]), cases) == ["soz"]
    assert names(listing(engine, teams=["jc_leistung", "sozialamt"]), cases) == ["jc", "soz"]
    assert listing(engine, teams=[]).total == 0


def test_the_list_filters_by_stage_and_search_text(engine: Staffel,
                                                   cases: dict[str, CaseInfo]) -> None:
    assert names(listing(engine, stage="S3e"), cases) == ["jc"]
    assert names(listing(engine, stage="S1"), cases) == ["none", "soz"]
    number = cases["jc"].case_number
    assert names(listing(engine, q=number.lower()), cases) == ["jc"]  # case-insensitive
    assert names(listing(engine, q=f"  {number[3:9]} "), cases) == ["jc"]  # a part, trimmed
    assert names(listing(engine, q="8123456-423"), cases) == ["soz"]  # the Aktenzeichen
    # it is encrypted and found by its blind index: whole (any case, blanks ignored) only
    assert names(listing(engine, q="7000001 - zz9"), cases) == ["none"]
    assert names(listing(engine, q="8123456"), cases) == []
    assert listing(engine, q="%").total == 0  # wildcards are matched literally
    assert listing(engine, q="_").total == 0
    assert listing(engine, q="   ").total == 3  # blank: no filter
    assert names(listing(engine, teams=["sozialamt"], q="7000001"), cases) == []


def test_the_list_pages(engine: Staffel, cases: dict[str, CaseInfo]) -> None:
    second = listing(engine, page=2, per_page=2)
    assert names(second, cases) == ["soz"]
    assert (second.total, second.page, second.per_page) == (3, 2, 2)


def test_a_summary_carries_no_personal_data(engine: Staffel,
                                            cases: dict[str, CaseInfo]) -> None:
    with engine.db.read() as session:
        row = session.get(Case, cases["jc"].id)
        assert row is not None
        info = summary(row)
    assert info == CaseSummary(cases["jc"].id, cases["jc"].case_number, "BE", "resettlement",
                               "S3e", "sgb2", START + timedelta(hours=1), None)
    assert {f.name for f in fields(CaseSummary)}.isdisjoint(
        {"person", "family_name", "given_name", "birth_date", "bamf_aktenzeichen"})
