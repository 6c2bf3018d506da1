"""The joint handover appointment as iCalendar: written by adapters/ical.py, read back with the
``icalendar`` package; attendees, stable UID, UTC times, folding and escaping."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from adapters.ical import Attendee, Invitation, escape_text, fold, invitation, to_ics
from engine import Staffel
from tests.adapters.handover_cases import resettlement_handover
from tests.lifecycle.helpers import ACK, complete_open, find_open, new_engine
from tests.web.conftest import FAST_HASHER

STAMP = datetime(2027, 10, 4, 9, 30, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def eng(make_engine: Any) -> Staffel:
    engine = new_engine(make_engine)
    engine.context.password_hasher = FAST_HASHER
    for name, team in (("cw_eingangszone", "eingangszone"), ("cw_jc_leistung", "jc_leistung"),
                       ("cw_jc_leistung2", "jc_leistung")):
        engine.people.add(name, PASSWORD, ["caseworker"], [team])
        engine.people.set_email(name, f"{name}@stadt.example")
    return engine


def parse(text: str) -> Any:
    calendar = Calendar.from_ical(text)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def emails(event: Any) -> list[str]:
    found = event.get("ATTENDEE")
    items = found if isinstance(found, list) else [found] if found else []
    return [str(a).removeprefix("mailto:") for a in items]


def test_the_invitation_parses_with_both_caseworkers(eng: Staffel) -> None:
    case_id, hid = resettlement_handover(eng)
    record = eng.handovers.record(hid)
    text = to_ics(invitation(record, STAMP, interpreter_email="dolmetscher@stadt.example"))
    calendar, event = parse(text)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["METHOD"]) == "REQUEST"
    assert event["UID"] == f"staffel-handover-{case_id}-resettlement_to_sgb2@staffel"
    assert event.decoded("DTSTART") == datetime(2027, 10, 6, 8, 0, tzinfo=UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=60)
    assert event.decoded("DTSTAMP") == STAMP
    assert str(event["ORGANIZER"]) == "mailto:cw_eingangszone@stadt.example"
    assert emails(event) == ["cw_eingangszone@stadt.example", "cw_jc_leistung@stadt.example",
                             "dolmetscher@stadt.example"]
    roles = [a.params["ROLE"] for a in event["ATTENDEE"]]
    assert roles == ["REQ-PARTICIPANT"] * 3
    number = record.case_number
    assert str(event["SUMMARY"]) == f"Warme Übergabe – Fall {number}"
    description = str(event["DESCRIPTION"])
    assert f"Fall: {number}" in description and "Dolmetscher: gebucht" in description
    assert "Eingangszone (IP) → Jobcenter Leistungssachbearbeitung" in description
    for personal in ("Haddad", "Rana", "1990", "SY"):
        assert personal not in text
    assert int(event["SEQUENCE"]) == 0
    # stable: the same UID after acknowledgment and on every download
    again = to_ics(invitation(eng.handovers.record(hid), STAMP + timedelta(days=1)))
    assert parse(again)[1]["UID"] == event["UID"]


def test_before_acknowledgment_the_assignee_or_the_team_is_invited(eng: Staffel) -> None:
    case_id, hid = resettlement_handover(eng, interpreter=False, acknowledge=False)
    record = eng.handovers.record(hid)
    # nobody holds the acknowledgment task: the team mailbox, else its users with an address
    _c, event = parse(to_ics(invitation(record, STAMP, team_mailboxes={
        "jc_leistung": "leistung@jobcenter.example"})))
    assert emails(event) == ["cw_eingangszone@stadt.example", "leistung@jobcenter.example"]
    _c, event = parse(to_ics(invitation(record, STAMP)))
    assert emails(event) == ["cw_eingangszone@stadt.example", "cw_jc_leistung@stadt.example",
                             "cw_jc_leistung2@stadt.example"]
    assert "Dolmetscher" not in str(event["DESCRIPTION"])  # none booked
    # the caseworker who claimed the acknowledgment task is the one invited
    eng.tasks.claim(find_open(eng, case_id, "Task_handover_ack").id, "cw_jc_leistung2")
    _c, event = parse(to_ics(invitation(eng.handovers.record(hid), STAMP)))
    assert emails(event) == ["cw_eingangszone@stadt.example", "cw_jc_leistung2@stadt.example"]
    complete_open(eng, case_id, "Task_handover_ack", ACK, actor="cw_jc_leistung2")
    _c, event = parse(to_ics(invitation(eng.handovers.record(hid), STAMP)))
    assert emails(event)[-1] == "cw_jc_leistung2@stadt.example"


def test_without_any_address_the_invitation_says_so(eng: Staffel) -> None:
    for name in ("cw_eingangszone", "cw_jc_leistung", "cw_jc_leistung2"):
        eng.people.set_email(name, None)
    _case, hid = resettlement_handover(eng)
    text = to_ics(invitation(eng.handovers.record(hid), STAMP, organizer_email="staffel@x.de"))
    _c, event = parse(text)
    assert emails(event) == [] and str(event["ORGANIZER"]) == "mailto:staffel@x.de"
    description = str(event["DESCRIPTION"])
    assert "keine E-Mail-Adresse hinterlegt" in description
    assert "Keine E-Mail-Adresse für Jobcenter Leistungssachbearbeitung" in description


def test_no_appointment_no_invitation(eng: Staffel) -> None:
    _case, hid = resettlement_handover(eng)
    record = eng.handovers.record(hid)
    without = replace(record, handover=replace(record.handover, appointment_at=None),
                      process_data={})
    with pytest.raises(ValueError, match="no joint appointment"):
        invitation(without, STAMP)
    # the proposal form's time is used when the row has none
    from_form = replace(record, handover=replace(record.handover, appointment_at=None))
    assert invitation(from_form, STAMP).start == datetime(2027, 10, 6, 8, tzinfo=UTC)


def test_lines_are_folded_at_75_octets_and_text_is_escaped() -> None:
    purpose = "Übergabe; Termin, mit Dolmetscher\\Video\n" + "ä" * 80
    invite = Invitation(
        uid="u-1@staffel", stamp=STAMP, start=STAMP, end=STAMP + timedelta(hours=1),
        summary="Fall ST-1, Termin; ok", description=purpose,
        organizer=Attendee("Müller, Team; A", "a@x.example"),
        attendees=[Attendee('Eva "E" Ö', "e@x.example")], sequence=2, location="Video")
    text = to_ics(invite)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n")[:-1]:
        assert len(line.encode("utf-8")) <= 75, line
    text.encode("utf-8").decode("utf-8")  # no split UTF-8 sequence
    _c, event = parse(text)
    assert str(event["SUMMARY"]) == "Fall ST-1, Termin; ok"
    assert str(event["DESCRIPTION"]) == purpose
    assert event["ORGANIZER"].params["CN"] == "Müller, Team; A"
    assert event["ATTENDEE"].params["CN"] == "Eva E Ö"
    assert int(event["SEQUENCE"]) == 2 and str(event["LOCATION"]) == "Video"
    assert escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    assert fold("x" * 75) == "x" * 75 and fold("x" * 76) == "x" * 75 + "\r\n x"
    assert fold("€" * 30).split("\r\n")[0] == "€" * 25  # 75 octets, not 76 or 77
