"""The joint appointment of a warm handover as an iCalendar invitation (RFC 5545, METHOD
REQUEST of RFC 5546), written with the ``icalendar`` package: one VCALENDAR with one VEVENT.

* ``UID`` is stable per handover (``staffel-handover-<case id>-<key>@staffel``; the case id is
  pseudonymous), ``SEQUENCE`` counts the proposals of that handover, so a new proposal updates
  the calendar entry instead of adding a second one.
* ``DTSTAMP``, ``DTSTART`` and ``DTEND`` are in UTC (``…Z``); the appointment lasts
  ``minutes`` (default 60; the proposal form records only its start).
* ``SUMMARY`` and ``DESCRIPTION`` name the case number, the teams and the form of the meeting,
  never the person: the invitation travels through mail and calendar servers.
* ``ORGANIZER`` is the sending caseworker; ``ATTENDEE`` the sending and the receiving
  caseworker (the user who proposed, the user who acknowledged or holds the acknowledgment
  task; else the team's mailbox, else the team's users with an e-mail address) and the
  interpreter when one is booked (``handover_interpreter`` in the proposal form) and an
  interpreter mailbox is configured; otherwise the description says the booking has no address.
* ``icalendar`` writes the text: CRLF line ends, lines folded to at most 75 octets without
  splitting a UTF-8 character, TEXT values escaped, parameter values quoted (RFC 5545) and
  ``^`` escaped (RFC 6868). Names lose DQUOTE and control characters before they become a
  ``CN`` parameter, so a reader shows them as written here whether or not it knows RFC 6868.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vDatetime, vText
from icalendar.parser import param_value as ical_param_value

from engine import HandoverRecord, get_team

PRODID = "-//Staffel//Warme Uebergabe//DE"
DEFAULT_MINUTES = 60
NO_ADDRESS = "noreply@staffel.invalid"


@dataclass(frozen=True)
class Attendee:
    """One participant of the appointment."""

    name: str
    email: str
    role: str = "REQ-PARTICIPANT"
    kind: str = "INDIVIDUAL"


@dataclass(frozen=True)
class Invitation:
    """One calendar event, ready to be written as iCalendar text."""

    uid: str
    stamp: datetime
    start: datetime
    end: datetime
    summary: str
    description: str
    organizer: Attendee
    attendees: list[Attendee] = field(default_factory=list)
    sequence: int = 0
    location: str | None = None


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11) as ``icalendar`` writes it."""
    return vText(value).to_ical().decode("utf-8")


def _clean(value: str) -> str:
    """A parameter value without DQUOTE and control characters (RFC 5545 forbids them)."""
    return "".join(ch for ch in value if ch >= " " and ch not in '"\x7f')


def param_value(value: str) -> str:
    """A parameter value, quoted when it holds ``:;,`` (DQUOTE and controls are dropped)."""
    return ical_param_value(_clean(value))


def fold(line: str) -> str:
    """Fold one content line into chunks of at most 75 octets (continuations start with a
    space), never inside a UTF-8 character; joined with CRLF.

    ``to_ics`` does not use it: ``icalendar`` folds the invitation itself (74 octets plus the
    continuation's space); kept for callers that fold a content line of their own.
    """
    chunks: list[str] = []
    current, size, limit = "", 0, 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            chunks.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += width
    chunks.append(current)
    return "\r\n".join(chunks)


def utc(instant: datetime) -> str:
    """A DATE-TIME in UTC form (``YYYYMMDDTHHMMSSZ``)."""
    return vDatetime(_in_utc(instant)).to_ical().decode("ascii")


def _in_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(microsecond=0)


def _address(person: Attendee, *, with_role: bool) -> vCalAddress:
    params = {"CN": _clean(person.name)}
    if with_role:
        params = {"CUTYPE": person.kind, "ROLE": person.role, "PARTSTAT": "NEEDS-ACTION",
                  "RSVP": "TRUE", **params}
    return vCalAddress(f"mailto:{person.email}", params=params)


def to_ics(invite: Invitation) -> str:
    """The invitation as iCalendar text (CRLF line ends, folded)."""
    event = Event()
    event.add("uid", invite.uid)
    event.add("dtstamp", _in_utc(invite.stamp))
    event.add("dtstart", _in_utc(invite.start))
    event.add("dtend", _in_utc(invite.end))
    event.add("sequence", invite.sequence)
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    event.add("organizer", _address(invite.organizer, with_role=False))
    for attendee in invite.attendees:
        event.add("attendee", _address(attendee, with_role=True))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar = Calendar()
    for name, value in (("version", "2.0"), ("prodid", PRODID), ("calscale", "GREGORIAN"),
                        ("method", "REQUEST")):
        calendar.add(name, value)
    calendar.add_component(event)
    return calendar.to_ical(sorted=False).decode("utf-8")


def team_name(key: str) -> str:
    """The German name of a team (the key for an unknown one)."""
    try:
        return get_team(key).name_de
    except KeyError:
        return key


def _caseworkers(record: HandoverRecord, team: str, users: Iterable[str | None],
                 mailboxes: Mapping[str, str]) -> list[Attendee]:
    label = team_name(team)
    for user in users:
        if user and user in record.emails:
            return [Attendee(f"{user} ({label})", record.emails[user])]
    if team in mailboxes:
        return [Attendee(label, mailboxes[team])]
    contacts = record.contacts.get(team, [])
    workers = [c for c in contacts if not c.supervisor] or contacts
    return [Attendee(f"{c.username} ({label})", c.email) for c in workers]


def invitation(record: HandoverRecord, stamp: datetime, *,
               team_mailboxes: Mapping[str, str] | None = None,
               interpreter_email: str | None = None, organizer_email: str | None = None,
               minutes: int = DEFAULT_MINUTES, case_url: str | None = None) -> Invitation:
    """The invitation of a handover's joint appointment; ValueError if none is recorded."""
    start = record.appointment()
    if start is None:
        raise ValueError("the handover has no joint appointment")
    h, data, mailboxes = record.handover, record.process_data, team_mailboxes or {}
    sender = _caseworkers(record, h.from_team, [h.proposed_by], mailboxes)
    receiver = _caseworkers(record, h.to_team, [h.acknowledged_by, record.ack_assignee],
                            mailboxes)
    attendees: list[Attendee] = []
    for person in (*sender, *receiver):
        if all(a.email.casefold() != person.email.casefold() for a in attendees):
            attendees.append(person)
    video = data.get("handover_appointment_mode") == "video"
    interpreter = data.get("handover_interpreter") is True
    lines = [f"Fall: {record.case_number}",
             f"Übergabe: {team_name(h.from_team)} → {team_name(h.to_team)}",
             f"Zweck: {h.purpose}",
             "Form: " + ("Video" if video else "persönlich")]
    if interpreter and interpreter_email:
        attendees.append(Attendee("Dolmetscher", interpreter_email))
        lines.append("Dolmetscher: gebucht")
    elif interpreter:
        lines.append("Dolmetscher: gebucht (keine E-Mail-Adresse hinterlegt)")
    if not receiver:
        lines.append(f"Keine E-Mail-Adresse für {team_name(h.to_team)} hinterlegt")
    if case_url:
        lines.append(f"In Staffel: {case_url}")
    organizer = sender[0] if sender else Attendee("Staffel", organizer_email or NO_ADDRESS)
    return Invitation(
        uid=f"staffel-handover-{record.case_id}-{h.key}@staffel", stamp=stamp, start=start,
        end=start + timedelta(minutes=minutes),
        summary=f"Warme Übergabe – Fall {record.case_number}",
        description="\n".join(lines), organizer=organizer, attendees=attendees,
        sequence=max(0, record.proposals - 1), location="Video" if video else None)

