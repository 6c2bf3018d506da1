"""Consent withdrawal (issue 14): from the withdrawal day on, the handover package leaves out
what the consent covered (``consent_withdrawn``); what the law allows still goes out; bad
withdrawal days are refused and write nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.handover_package import build_package
from engine import BERLIN, Conflict, InvalidInput, Staffel
from engine.persistence.models import AuditEvent
from engine.persistence.privacy_models import ConsentWithdrawal
from tests.adapters.handover_cases import course_handover, resettlement_handover
from tests.lifecycle.helpers import REGISTRATION_NO_CONSENT, new_engine


@pytest.fixture
def eng(make_engine: Any) -> Staffel:
    return new_engine(make_engine)


def today(eng: Staffel) -> Any:
    return eng.clock.now().astimezone(BERLIN).date()


def written(eng: Staffel) -> tuple[int, int]:
    with eng.db.read() as s:
        return (s.scalar(select(func.count()).select_from(ConsentWithdrawal)) or 0,
                s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_the_course_provider_gets_nothing_after_the_withdrawal(eng: Staffel) -> None:
    case, hid = course_handover(eng)
    before = build_package(eng.handovers.record(hid), eng.clock.now())
    assert before.shared and "family_name" in before.data["identity"]
    assert before.to_json()["consent"]["withdrawn_on"] is None

    day = today(eng) - timedelta(days=2)
    consent = eng.personal_data.withdraw_consent(case, day.isoformat(), "cw_jc")
    assert consent.withdrawn_on == day and consent.withdrawal_recorded_by == "cw_jc"
    record = eng.handovers.record(hid)
    assert record.consent_withdrawn_on == day
    after = build_package(record, eng.clock.now())
    body = after.to_json()
    assert not after.shared and body["reason"] == "consent_withdrawn"
    assert body["consent"] == {"required": True, "recorded": False, "date": None,
                               "purpose": None, "withdrawn_on": day.isoformat()}
    reasons = dict(after.withheld)
    assert reasons["family_name"] == reasons["language_level"] == "consent_withdrawn"
    assert reasons["nationality"] == "no_legal_basis"  # never covered by the consent
    assert "Haddad" not in json.dumps(body) and body["data"] == {}


def test_a_package_made_before_the_withdrawal_day_still_had_the_data(eng: Staffel) -> None:
    case, hid = course_handover(eng)
    eng.personal_data.withdraw_consent(case, None, "cw_jc")  # today
    record = eng.handovers.record(hid)
    assert record.consent_withdrawn_on == today(eng)
    yesterday = eng.clock.now() - timedelta(days=1)
    assert build_package(record, yesterday).shared  # generated before: the consent held
    assert not build_package(record, eng.clock.now()).shared


def test_what_the_law_allows_is_not_touched_by_a_withdrawal(eng: Staffel) -> None:
    case, hid = resettlement_handover(eng)  # Sozialamt -> Jobcenter, §69 SGB X
    eng.personal_data.withdraw_consent(case, None, "cw_soz")
    package = build_package(eng.handovers.record(hid), eng.clock.now())
    assert package.shared and package.data["identity"]["family_name"] == "Haddad"
    assert package.to_json()["consent"]["withdrawn_on"] == today(eng).isoformat()


@pytest.mark.parametrize(("day", "reason"), [
    ("tomorrow", "must not be after today"),
    ("2027-02-28", "must not be before the consent date (2027-03-01)"),
    ("2027-02-30", "must be a date"),
    ("01.03.2027", "must be a date"),
    ("2027-3-1", "must be a date"),
])
def test_bad_days_are_refused_and_nothing_is_written(eng: Staffel, day: str,
                                                     reason: str) -> None:
    case, _hid = course_handover(eng)
    if day == "tomorrow":
        day = (today(eng) + timedelta(days=1)).isoformat()
    before = written(eng)
    with pytest.raises(InvalidInput) as err:
        eng.personal_data.withdraw_consent(case, day, "cw_jc")
    assert err.value.errors[0]["field"] == "withdrawn_on"
    assert reason in err.value.errors[0]["message"]
    assert written(eng) == before


def test_twice_or_without_consent_is_a_conflict(eng: Staffel) -> None:
    case, _hid = course_handover(eng)
    eng.personal_data.withdraw_consent(case, "2027-03-01", "cw_jc")  # the consent day itself
    before = written(eng)
    with pytest.raises(Conflict, match="withdrawn already"):
        eng.personal_data.withdraw_consent(case, None, "cw_jc")
    assert written(eng) == before
    other, _hid = resettlement_handover(eng, registration=REGISTRATION_NO_CONSENT)
    before = written(eng)
    with pytest.raises(Conflict, match="no consent"):
        eng.personal_data.withdraw_consent(other, None, "cw_jc")
    assert written(eng) == before


def test_the_withdrawal_is_audited_without_values(eng: Staffel) -> None:
    case, _hid = course_handover(eng)
    eng.personal_data.withdraw_consent(case, "2027-04-02", "cw_jc")
    events = [e for e in eng.audit.events(case, limit=1000) if e.action == "consent_withdrawn"]
    assert len(events) == 1 and events[0].actor == "cw_jc"
    assert "2027-04-02" not in json.dumps(events[0].details)
