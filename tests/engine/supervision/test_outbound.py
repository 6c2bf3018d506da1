"""Facts of one warm handover, engine.supervision.outbound: the joint appointment of a
``HandoverRecord`` (the row's, else the proposal form's, never a naive or unreadable one) and
handover ids from URLs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from engine import Staffel
from engine.errors import NotFound
from engine.model import HandoverInfo
from engine.supervision.outbound import HandoverRecord, load_handover, parse_handover_id
from tests.conftest import START

ROW_APPOINTMENT = datetime(2027, 3, 10, 8, 0, tzinfo=UTC)


def record(appointment_at: datetime | None = None, **process_data: Any) -> HandoverRecord:
    info = HandoverInfo("ho1", "sozialamt", "jc_leistung", "proposed", "§67d SGB X",
                        "SGB II start", True, ["family_name"], appointment_at, START,
                        "cw_soz", None, None, None, 1)
    return HandoverRecord(1, "c" * 32, "ST-0000-0000-0001", "NW", "asylum", "S4", "asylblg",
                          "8123456-423", {"family_name": "Haddad"}, [], info,
                          dict(process_data), None, 1)


def test_the_row_appointment_comes_first() -> None:
    assert record(ROW_APPOINTMENT).appointment() == ROW_APPOINTMENT
    chosen = record(ROW_APPOINTMENT, handover_appointment_at="2027-04-01T09:00:00+02:00")
    assert chosen.appointment() == ROW_APPOINTMENT


@pytest.mark.parametrize(("text", "expected"), [
    ("2027-03-10T09:00:00+01:00", datetime(2027, 3, 10, 8, 0, tzinfo=UTC)),
    ("2027-07-01T10:30:00+02:00", datetime(2027, 7, 1, 8, 30, tzinfo=UTC)),
    ("2027-07-01T08:30:00Z", datetime(2027, 7, 1, 8, 30, tzinfo=UTC)),
    ("2027-07-01T08:30:00.250000+00:00", datetime(2027, 7, 1, 8, 30, 0, 250000, tzinfo=UTC)),
])
def test_else_the_proposal_form_value(text: str, expected: datetime) -> None:
    found = record(handover_appointment_at=text).appointment()
    assert found == expected
    assert found is not None and found.utcoffset() is not None


def test_the_form_value_keeps_its_offset() -> None:
    found = record(handover_appointment_at="2027-03-10T09:00:00+01:00").appointment()
    assert found is not None and found.utcoffset() == timedelta(hours=1)
    assert found.tzinfo == timezone(timedelta(hours=1))


@pytest.mark.parametrize("value", [
    "2027-03-10T09:00:00",  # naive: which zone would it be?
    "2027-03-10",  # a day is no appointment
    "next Tuesday", "", "2027-13-10T09:00:00+01:00", "2027-03-10T25:00:00Z",
    None, 1_773_133_200, ["2027-03-10T09:00:00+01:00"],
    {"at": "2027-03-10T09:00:00+01:00"},
])
def test_naive_or_garbage_is_no_appointment(value: object) -> None:
    assert record(handover_appointment_at=value).appointment() is None


def test_no_appointment_at_all() -> None:
    assert record().appointment() is None
    other = record(appointment="2027-03-10T09:00:00+01:00")  # another field is not read
    assert other.appointment() is None


def test_a_record_is_a_frozen_value() -> None:
    first = record(handover_appointment_at="2027-03-10T09:00:00+01:00")
    moved = replace(first, handover=replace(first.handover, appointment_at=ROW_APPOINTMENT))
    assert moved.appointment() == ROW_APPOINTMENT
    assert first.appointment() == datetime(2027, 3, 10, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "number"), [("1", 1), (42, 42), ("2147483647", 2**31 - 1),
                                               ("007", 7)])
def test_handover_ids_from_urls(value: object, number: int) -> None:
    assert parse_handover_id(value) == number


@pytest.mark.parametrize("value", ["0", "-1", "2147483648", "12345678901", "1e3", " 1", "abc",
                                   "١٢", "", "1.0", None])
def test_bad_handover_ids_are_not_found(value: object) -> None:
    with pytest.raises(NotFound, match=r"^handover .* does not exist$"):
        parse_handover_id(value)


def test_an_unknown_handover_is_not_found(engine: Staffel) -> None:
    with engine.db.read() as session, \
            pytest.raises(NotFound, match=r"^handover 77 does not exist$"):
        load_handover(session, "77")
