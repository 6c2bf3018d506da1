"""The team registry of engine.law.teams: keys, names, lane names → team, dynamic lanes."""

from __future__ import annotations

import pytest

from engine.law.teams import (
    DYNAMIC_LANES,
    TEAM_KEYS,
    TEAMS,
    get_team,
    resolve_team,
    team_for_lane,
)


def test_registry_keys() -> None:
    assert sorted(TEAM_KEYS) == ["aa_beratung", "auslaenderbehoerde", "eingangszone",
                                 "jc_leistung", "jc_regel", "jc_vermittlung", "kurstraeger",
                                 "sozialamt", "supervisor"]
    assert len(TEAMS) == len(TEAM_KEYS)  # no key twice


def test_get_team_by_key() -> None:
    team = get_team("sozialamt")
    assert team.key == "sozialamt"
    assert team.name_de == "Sozialamt (AsylbLG)"
    assert team.name_en == "Social welfare office (AsylbLG)"
    assert get_team("auslaenderbehoerde").lane_names == (
        "Ausländerbehörde", "Ausländerbehörde (ABH)", "ABH")


def test_unknown_team_key_raises_key_error() -> None:
    with pytest.raises(KeyError, match="jobcentre"):
        get_team("jobcentre")


@pytest.mark.parametrize(("lane", "team"), [
    ("Sozialamt (AsylbLG)", "sozialamt"),
    ("Sozialamt", "sozialamt"),
    ("sozialamt", "sozialamt"),  # a lane may be named by the key
    ("Jobcenter Leistungssachbearbeitung", "jc_leistung"),
    ("ABH", "auslaenderbehoerde"),
    ("Eingangszone (IP)", "eingangszone"),
    ("Teamleitung", "supervisor"),
    ("  Jobcenter   Leistung ", "jc_leistung"),  # whitespace collapsed
    ("AUSLÄNDERBEHÖRDE", "auslaenderbehoerde"),  # case-insensitive
])
def test_lane_names_denote_teams(lane: str, team: str) -> None:
    assert team_for_lane(lane) == team


def test_every_lane_name_of_every_team_maps_back() -> None:
    for team in TEAMS:
        for lane in (*team.lane_names, team.key, team.name_de):
            assert team_for_lane(lane) == team.key


@pytest.mark.parametrize("lane", [None, "", "Standesamt", "Sozialamt AsylbLG", "Jobcenter"])
def test_unknown_or_missing_lane_is_no_team(lane: str | None) -> None:
    assert team_for_lane(lane) is None


def test_dynamic_lanes_name_a_variable() -> None:
    assert dict(DYNAMIC_LANES) == {"Übergebendes Team": "handover_from",
                                   "Übernehmendes Team": "handover_to",
                                   "Zuständiges Team": "review_team"}
    assert team_for_lane("Übergebendes Team") == "@handover_from"
    assert team_for_lane("übernehmendes  team") == "@handover_to"


def test_resolve_team_reads_the_variable_of_a_dynamic_lane() -> None:
    data = {"handover_from": "sozialamt", "handover_to": "jc_leistung"}
    assert resolve_team("Übergebendes Team", data) == "sozialamt"
    assert resolve_team("Übernehmendes Team", data) == "jc_leistung"


@pytest.mark.parametrize("value", [None, "", "Sozialamt", "nobody", 3, ["sozialamt"]])
def test_resolve_team_refuses_a_variable_that_is_no_team_key(value: object) -> None:
    assert resolve_team("Übernehmendes Team", {"handover_to": value}) is None
    assert resolve_team("Übernehmendes Team", {}) is None


def test_resolve_team_of_a_fixed_lane_ignores_data() -> None:
    assert resolve_team("Sozialamt", {"handover_to": "jc_leistung"}) == "sozialamt"
    assert resolve_team("Standesamt", {"handover_to": "jc_leistung"}) is None
    assert resolve_team(None, {}) is None
