"""The statistics export: counts per stage, stage transitions per week from the audit trail,
overdue tasks per team; CSV without personal data, small counts suppressed."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from adapters.statistics_export import HEADER, check_min_count, statistics_csv
from engine import Staffel
from engine.errors import InvalidInput
from engine.execution.effects import STAGES
from engine.law.teams import TEAM_KEYS, get_team
from tests.adapters.handover_cases import resettlement_handover
from tests.lifecycle.helpers import (
    advance_to,
    new_engine,
    register_asylum,
)

NAMES = [("Haddad", "Rana", "1990-04-12"), ("Tesfay", "Selam", "1995-02-03"),
         ("Karimi", "Omid", "1988-11-30"), ("Nasser", "Layla", "2001-06-15")]


@pytest.fixture
def eng(make_engine: Any) -> Staffel:
    """Three asylum cases registered in the week of 2027-10-04 (S1 -> S2), one resettlement
    case (S3e, created in that stage: no transition), and overdue work on 2027-10-20."""
    engine = new_engine(make_engine)
    advance_to(engine, "2027-10-04")
    for i, (family, given, born) in enumerate(NAMES[:3]):
        person = {"family_name": family, "given_name": given, "birth_date": born}
        case = engine.cases.start(person, "NW", "asylum", f"812345{i}-423",
                                 actor="cw_eingangszone")
        register_asylum(engine, case.id)
    family, given, born = NAMES[3]
    resettlement_handover(engine, person={"family_name": family, "given_name": given,
                                          "birth_date": born}, acknowledge=False)
    advance_to(engine, "2027-10-20")
    return engine


def rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""),
                               delimiter=";"))


def test_counts_per_stage_transitions_and_overdue(eng: Staffel) -> None:
    report = eng.supervision.statistics(weeks=4)
    assert report.weeks == [date(2027, 9, 27), date(2027, 10, 4), date(2027, 10, 11),
                            date(2027, 10, 18)]
    stages = dict(report.stages)
    assert list(stages) == list(STAGES)
    assert stages["S2"] == 3 and stages["S3e"] == 1 and sum(stages.values()) == 4
    assert [(t.week, t.old, t.new, t.count) for t in report.transitions] == [
        (date(2027, 10, 4), "S1", "S2", 3)]
    overdue = dict(report.overdue_by_team)
    assert set(overdue) == TEAM_KEYS
    assert sum(overdue.values()) == len(eng.supervision.overdue_tasks()) > 0
    assert overdue["jc_leistung"] == 1  # the unacknowledged handover


def test_csv_without_suppression(eng: Staffel) -> None:
    text = statistics_csv(eng.supervision.statistics(weeks=4), min_count=1, lang="en")
    assert text.splitlines()[0] == "\ufeff" + ";".join(HEADER) and "\r\n" in text
    table = rows(text)
    by_key = {(r["metric"], r["group"]): r for r in table}
    assert by_key[("cases_per_stage", "S2")]["count"] == "3"
    assert by_key[("cases_per_stage", "S3e")]["count"] == "1"
    assert by_key[("cases_per_stage", "S1")]["count"] == "0"
    transition = by_key[("stage_transitions", "S1->S2")]
    assert (transition["period_start"], transition["period_end"], transition["count"]) == (
        "2027-10-04", "2027-10-10", "3")
    assert by_key[("overdue_tasks", "Jobcenter benefits")]["count"] == "1"
    assert {r["suppressed"] for r in table} == {"0"}
    assert {r["period_start"] for r in table if r["metric"] != "stage_transitions"} == {
        "2027-10-20"}


def test_small_counts_are_suppressed_but_zero_is_not(eng: Staffel) -> None:
    table = rows(statistics_csv(eng.supervision.statistics(weeks=4), lang="en"))  # below 3 hidden
    by_key = {(r["metric"], r["group"]): r for r in table}
    assert by_key[("cases_per_stage", "S3e")] == {
        "metric": "cases_per_stage", "period_start": "2027-10-20", "period_end": "2027-10-20",
        "group": "S3e", "count": "", "suppressed": "1"}
    assert by_key[("cases_per_stage", "S2")]["count"] == "3"
    assert by_key[("cases_per_stage", "S1")]["count"] == "0"
    assert by_key[("cases_per_stage", "S1")]["suppressed"] == "0"
    assert by_key[("overdue_tasks", "Jobcenter benefits")]["suppressed"] == "1"
    stricter = rows(statistics_csv(eng.supervision.statistics(weeks=4), min_count=4, lang="en"))
    assert {r["count"] for r in stricter} <= {"", "0"} | {str(n) for n in range(4, 100)}


def test_no_personal_data_in_the_csv(eng: Staffel) -> None:
    text = statistics_csv(eng.supervision.statistics(weeks=12), min_count=1, lang="en")
    cases = eng.cases.list(per_page=100).items
    assert len(cases) == 4
    forbidden = [part for person in NAMES for part in person]
    forbidden += [c.case_number for c in cases] + [c.id for c in cases]
    forbidden += [c.bamf_aktenzeichen for c in cases if c.bamf_aktenzeichen]
    forbidden += ["cw_", "@", "ST-"]
    for value in forbidden:
        assert value not in text, value
    groups = {r["group"] for r in rows(text)}
    names = {get_team(key).name_en for key in TEAM_KEYS}
    assert groups <= set(STAGES) | names | {f"{a}->{b}" for a in (*STAGES, "new")
                                            for b in STAGES}


def test_a_supervisors_export_counts_his_teams_only(eng: Staffel) -> None:
    report = eng.supervision.statistics(frozenset({"jc_leistung"}), weeks=4)
    assert dict(report.stages)["S3e"] == 1 and dict(report.stages)["S2"] == 0
    assert report.transitions == []
    assert report.overdue_by_team == [("jc_leistung", 1)]


@pytest.mark.parametrize("weeks", [0, -1, 105, True, "4"])
def test_bad_weeks_are_refused(eng: Staffel, weeks: Any) -> None:
    with pytest.raises(InvalidInput, match=r"^weeks must be a whole number from 1 to 104$") as err:
        eng.supervision.statistics(weeks=weeks)
    assert err.value.errors[0]["field"] == "weeks"


@pytest.mark.parametrize("min_count", [0, 101, True, 2.5])
def test_bad_min_count_is_refused(min_count: Any) -> None:
    with pytest.raises(ValueError, match="min_count"):
        check_min_count(min_count)


def test_the_german_csv_for_a_german_spreadsheet(eng: Staffel) -> None:
    text = statistics_csv(eng.supervision.statistics(weeks=4), min_count=1)  # German: default
    assert text.startswith("\ufeffKennzahl;Zeitraum von;Zeitraum bis;Gruppe;Anzahl;unterdrückt\r\n")
    by_key = {(r["Kennzahl"], r["Gruppe"]): r for r in rows(text)}
    assert by_key[("Fälle je Phase", "S2")]["Anzahl"] == "3"
    transition = by_key[("Phasenwechsel je Woche", "S1->S2")]
    assert (transition["Zeitraum von"], transition["Zeitraum bis"]) == ("04.10.2027", "10.10.2027")
    assert by_key[("Überfällige Aufgaben je Team", "Jobcenter Leistungssachbearbeitung")][
        "Anzahl"] == "1"
    assert "jc_leistung" not in text
