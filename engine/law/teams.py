"""The one registry of teams: team keys, their German names, and which BPMN lane means which team.

Lanes in the diagrams carry readable German names ("Sozialamt (AsylbLG)"); the engine, the
API and the authorization rules speak in team keys (``sozialamt``). :func:`team_for_lane` is the
only place that translates between the two. A lane may also be named by its key directly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Team:
    """A team that works on cases: its key, its German name and the lane names that denote it."""

    key: str
    name_de: str
    name_en: str
    lane_names: tuple[str, ...]


TEAMS: tuple[Team, ...] = (
    Team("eingangszone", "Eingangszone (IP)", "Reception desk (IP)",
         ("Eingangszone (IP)", "Eingangszone")),
    Team("sozialamt", "Sozialamt (AsylbLG)", "Social welfare office (AsylbLG)",
         ("Sozialamt (AsylbLG)", "Sozialamt")),
    Team("auslaenderbehoerde", "Ausländerbehörde", "Immigration office",
         ("Ausländerbehörde", "Ausländerbehörde (ABH)", "ABH")),
    Team("jc_leistung", "Jobcenter Leistungssachbearbeitung", "Jobcenter benefits",
         ("Jobcenter Leistungssachbearbeitung", "Jobcenter Leistung")),
    Team("jc_vermittlung", "Jobcenter Arbeitsvermittlung", "Jobcenter placement",
         ("Jobcenter Arbeitsvermittlung", "Jobcenter Vermittlung")),
    Team("aa_beratung", "Agentur für Arbeit (SGB III)", "Employment agency (SGB III)",
         ("Agentur für Arbeit (SGB III)", "Agentur für Arbeit")),
    Team("kurstraeger", "Integrationskursträger", "Integration course provider",
         ("Integrationskursträger", "Kursträger")),
    Team("jc_regel", "Jobcenter Regelteam", "Regular Jobcenter team",
         ("Jobcenter Regelteam", "Jobcenter (Regelteam)")),
    Team("supervisor", "Teamleitung", "Supervisors", ("Teamleitung",)),
)

TEAM_KEYS: frozenset[str] = frozenset(team.key for team in TEAMS)

# Lanes whose team is read from task data at run time: the generic warm handover's, and the
# team expected to act on an outside event (``review_team``).
DYNAMIC_LANES: dict[str, str] = {
    "Übergebendes Team": "handover_from",
    "Übernehmendes Team": "handover_to",
    "Zuständiges Team": "review_team",
}
DYNAMIC_PREFIX = "@"
_BY_KEY = {team.key: team for team in TEAMS}
_BY_LANE = {name.casefold(): team.key for team in TEAMS for name in (*team.lane_names, team.key)}
_BY_LANE.update({name.casefold(): DYNAMIC_PREFIX + var for name, var in DYNAMIC_LANES.items()})


def team_for_lane(lane_name: str | None) -> str | None:
    """Return the team key a lane name denotes, or ``None`` for an unknown or missing lane.

    A dynamic lane (see :data:`DYNAMIC_LANES`) returns ``"@variable"``: the team is the value
    of that task-data variable (see :func:`resolve_team`).
    """
    if not lane_name:
        return None
    return _BY_LANE.get(" ".join(lane_name.split()).casefold())


def get_team(key: str) -> Team:
    """Return the team with this key; raises ``KeyError`` for an unknown key."""
    return _BY_KEY[key]


def resolve_team(lane_name: str | None, data: dict[str, object]) -> str | None:
    """Return the team of a task in this lane with this task data (dynamic lanes read data)."""
    key = team_for_lane(lane_name)
    if key is None or not key.startswith(DYNAMIC_PREFIX):
        return key
    value = data.get(key[len(DYNAMIC_PREFIX):])
    return value if isinstance(value, str) and value in TEAM_KEYS else None
