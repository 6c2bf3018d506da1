"""Outside events: the messages other offices (and the person) send, who is expected to send
each, how long an early one is kept for the case, and when a wait for it is followed up.

Real offices do not act in the diagram's order: a permit may be reported before the
Ausländerbehörde's task to prepare it is done, a BAMF decision may arrive while the
Eingangszone still registers the person. Such a message is kept (buffered) for its case and
used the moment the case reaches the step that waits for it — for at most ``keep_days``
calendar days; then a person looks at it. A wait that lasts ``watch_working_days`` working days
(of the case's Land) gives the expected team a follow-up task, and again after each follow-up:
no wait is silent.

The values are defaults an operator may change (``OutsideEvents.with_overrides``); the
follow-up periods fit the offices' rhythm: at most six weeks (30 working days) for the permit,
the SGB II application and the course start.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from engine.errors import InvalidInput
from engine.law.teams import TEAM_KEYS


@dataclass(frozen=True)
class OutsideEvent:
    """One kind of message from outside."""

    name: str
    label_de: str
    label_en: str
    #: the team expected to send it or to act when it does not come
    expected_team: str
    #: calendar days an early message is kept for its case before a person must look at it
    keep_days: int
    #: working days of waiting before the expected team gets a follow-up task
    watch_working_days: int
    #: the follow-up task's title
    follow_up_de: str


_DEFAULTS = (
    OutsideEvent("bamf_decision", "BAMF-Bescheid", "BAMF decision", "sozialamt", 365, 60,
                 "BAMF-Bescheid steht aus: Sachstand beim BAMF erfragen"),
    OutsideEvent("permit_issued", "Aufenthaltserlaubnis", "Residence permit",
                 "auslaenderbehoerde", 365, 30,
                 "Titel noch nicht gemeldet: bei der ABH nachfragen"),
    OutsideEvent("sgb2_application_received", "SGB II-Antrag", "SGB II application",
                 "jc_leistung", 180, 20, "SGB II-Antrag fehlt weiter"),
    OutsideEvent("course_started", "Beginn des Integrationskurses",
                 "Integration course start", "kurstraeger", 365, 30,
                 "Kursbeginn nicht gemeldet"),
    OutsideEvent("course_result", "Ergebnis des Integrationskurses",
                 "Integration course result", "kurstraeger", 365, 160,
                 "Kursergebnis nicht gemeldet"),
    OutsideEvent("duldung_issued", "Duldung", "Toleration (Duldung)", "auslaenderbehoerde",
                 180, 20, "Duldung noch nicht gemeldet: bei der ABH nachfragen"),
    OutsideEvent("training_contract", "Ausbildungsvertrag", "Training contract",
                 "auslaenderbehoerde", 365, 120, "Ausbildungsvertrag: Stand erfragen"),
)


@dataclass(frozen=True)
class OutsideEvents:
    """The registry of outside events (frozen; look-ups by message name)."""

    events: MappingProxyType[str, OutsideEvent] = field(
        default_factory=lambda: MappingProxyType({e.name: e for e in _DEFAULTS}))

    def get(self, name: str) -> OutsideEvent | None:
        """The outside event of a message name, or None for a name nobody sends."""
        return self.events.get(name)

    def keep_days(self, name: str) -> int:
        """Days an early message of ``name`` is kept (unknown names: the longest default)."""
        event = self.get(name)
        return event.keep_days if event else max(e.keep_days for e in _DEFAULTS)

    def watch_working_days(self, name: str) -> int:
        """Working days before a wait for ``name`` is followed up."""
        event = self.get(name)
        return event.watch_working_days if event else 30

    def with_overrides(self, changes: dict[str, dict[str, Any]]) -> OutsideEvents:
        """A copy with some values changed, e.g. ``{"permit_issued": {"keep_days": 180}}``;
        InvalidInput naming every bad key or value."""
        errors: list[dict[str, str]] = []
        events = dict(self.events)
        for name, values in changes.items():
            if name not in events:
                errors.append({"field": name, "message": "is no outside event"})
                continue
            for key, value in values.items():
                problem = _check(key, value)
                if problem:
                    errors.append({"field": f"{name}.{key}", "message": problem})
            if not errors:
                events[name] = replace(events[name], **values)
        if errors:
            raise InvalidInput("the outside-event settings are not valid", errors)
        return OutsideEvents(MappingProxyType(events))


def _check(key: str, value: Any) -> str | None:
    if key in ("keep_days", "watch_working_days"):
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 3650
        return None if ok else "must be a whole number of days from 1 to 3650"
    if key == "expected_team":
        return None if value in TEAM_KEYS else "must be a team key"
    if key in ("label_de", "label_en", "follow_up_de"):
        return None if isinstance(value, str) and 0 < len(value) <= 200 else "1-200 characters"
    return "cannot be set"


DEFAULT_OUTSIDE_EVENTS = OutsideEvents()
