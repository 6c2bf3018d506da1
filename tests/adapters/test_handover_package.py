"""The handover package on real handovers of bpmn/: fields filtered by the sender's choice,
the legal basis of the team pair and the recorded consent; the audit event with field names."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from adapters.handover_package import (
    CATEGORIES,
    FIELDS,
    NO_RULE,
    RULES,
    build_package,
    rule_for,
)
from engine import Staffel
from engine.errors import NotFound
from tests.adapters.handover_cases import (
    ALL_CATEGORIES,
    course_handover,
    resettlement_handover,
)
from tests.lifecycle.helpers import BPMN_DIR, REGISTRATION, REGISTRATION_NO_CONSENT, new_engine


@pytest.fixture
def eng(make_engine: Any) -> Staffel:
    return new_engine(make_engine)


def withheld(package: Any) -> dict[str, str]:
    return dict(package.withheld)


def test_the_allow_list_speaks_the_forms_language() -> None:
    form = json.loads((BPMN_DIR / "forms" / "handover_proposal.schema.json").read_text())
    assert list(CATEGORIES) == form["properties"]["handover_data_package"]["items"]["enum"]
    assert {category for category, _source in FIELDS.values()} == set(CATEGORIES)
    for rule in RULES.values():
        assert rule.legal_basis and (rule.by_law | rule.with_consent) <= set(FIELDS)
        assert not rule.by_law & rule.with_consent
    assert rule_for("sozialamt", "jc_leistung").legal_basis.startswith("§69 Abs. 1 Nr. 1 SGB X")
    assert rule_for("jc_vermittlung", "kurstraeger").consent_required
    assert rule_for("auslaenderbehoerde", "aa_beratung") is NO_RULE


def test_social_benefit_bodies_get_the_chosen_data_on_section_69(eng: Staffel) -> None:
    case_id, hid = resettlement_handover(eng)  # package: identity, residence status, deadlines
    package = build_package(eng.handovers.record(hid), eng.clock.now())
    body = package.to_json()
    assert body["shared"] is True and body["reason"] is None
    assert body["legal_basis"].startswith("§69 Abs. 1 Nr. 1 SGB X, §50 SGB II")
    # the registration's consent names course providers and advice centres, not the Jobcenter:
    # not needed here, and not counted as recorded for this recipient
    assert body["consent"] == {"required": False, "recorded": False, "date": None,
                               "purpose": None, "withdrawn_on": None}
    assert body["data"]["identity"] == {
        "family_name": "Haddad", "given_name": "Rana", "birth_date": "1990-04-12",
        "nationality": "SY", "languages": ["ar"], "interpreter_needed": True}
    assert body["data"]["residence_status"] == {"stage": "S3e", "entry": "resettlement",
                                                "arrival_date": "2027-10-04"}
    assert {d["key"] for d in body["data"]["deadlines"]["deadlines"]} == {"sgb2_start"}
    assert set(body["data"]) == {"identity", "residence_status", "deadlines"}
    reasons = withheld(package)
    assert reasons["bamf_aktenzeichen"] == "not_recorded"  # resettlement: no asylum procedure
    assert reasons["benefit_system"] == reasons["qualification"] == "not_selected"
    assert reasons["permit_paragraph"] == "not_recorded"  # not issued when proposed
    assert body["handover"]["appointment"] == {"at": "2027-10-06T08:00:00+00:00",
                                               "mode": "in_person", "interpreter": True}
    assert body["handover"]["case_number"] == eng.cases.get(case_id).case_number
    assert sorted(body["fields"]) == body["fields"] == package.field_names()
    assert set(body["fields"]) | set(reasons) == set(FIELDS)


def test_fields_beyond_the_legal_basis_stay_out_even_when_chosen(eng: Staffel) -> None:
    _case, hid = resettlement_handover(eng, package=ALL_CATEGORIES)
    package = build_package(eng.handovers.record(hid), eng.clock.now())
    reasons = withheld(package)
    for name in ("language_level", "course_type", "dtz_level", "qualification"):
        assert reasons[name] == "no_legal_basis", name
    assert reasons["household"] == "not_recorded"  # Staffel keeps no household data
    assert package.data["benefits"] == {"benefit_system": "sgb2"}
    assert "qualifications" not in package.to_json()["data"]


def test_the_course_provider_gets_consented_fields_only(eng: Staffel) -> None:
    _case, hid = course_handover(eng)
    record = eng.handovers.record(hid)
    assert (record.handover.from_team, record.handover.to_team) == ("jc_vermittlung",
                                                                    "kurstraeger")
    package = build_package(record, eng.clock.now())
    body = package.to_json()
    assert body["shared"] is True and body["consent"]["required"] is True
    assert body["consent"]["recorded"] is True and body["consent"]["date"] == "2027-03-01"
    assert body["legal_basis"].startswith("Art. 6 Abs. 1 lit. a DSGVO")
    assert body["data"] == {
        "identity": {"family_name": "Haddad", "given_name": "Rana",
                     "birth_date": "1990-04-12", "languages": ["ar"],
                     "interpreter_needed": True},
        "language_level": {"language_level": "A1", "course_type": "general",
                           "course_hours": 700, "course_obligated": True}}
    reasons = withheld(package)
    assert reasons["nationality"] == reasons["qualification"] == "no_legal_basis"
    assert reasons["dtz_level"] == "not_recorded"
    assert "Elektriker" not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("registration", [
    REGISTRATION_NO_CONSENT,
    {**REGISTRATION, "consent_recipients": ["lotse"]},  # consent, but not for course providers
])
def test_no_recorded_consent_no_package(eng: Staffel, registration: dict[str, Any]) -> None:
    _case, hid = course_handover(eng, registration=registration)
    record = eng.handovers.record(hid)
    assert record.handover.consent is False and record.handover.shared_fields == []
    package = build_package(record, eng.clock.now())
    body = package.to_json()
    assert body["shared"] is False and body["reason"] == "no_consent"
    assert body["data"] == {} and body["fields"] == []
    assert body["consent"] == {"required": True, "recorded": False, "date": None,
                               "purpose": None, "withdrawn_on": None}
    assert "Haddad" not in json.dumps(body)


def test_consent_fields_need_the_recorded_consent_even_if_the_row_lost_it(eng: Staffel) -> None:
    """A consent-only field never goes out on the handover row's word alone when the
    process data says the consent does not name the recipient."""
    _case, hid = course_handover(eng)
    record = eng.handovers.record(hid)
    withdrawn = replace(record, process_data={**record.process_data,
                                              "consent_recipients": ["beratungsstelle"]})
    package = build_package(withdrawn, eng.clock.now())
    assert not package.shared and package.reason == "no_consent"
    assert withheld(package)["family_name"] == "no_consent"


def test_a_team_pair_without_legal_basis_shares_nothing(eng: Staffel) -> None:
    _case, hid = resettlement_handover(eng, package=ALL_CATEGORIES)
    record = eng.handovers.record(hid)
    foreign = replace(record, handover=replace(record.handover, to_team="aa_beratung"))
    package = build_package(foreign, eng.clock.now())
    assert package.rule is NO_RULE and not package.shared
    assert package.to_json()["reason"] == "no_legal_basis"
    assert set(withheld(package).values()) <= {"no_legal_basis", "not_selected"}


def test_sharing_is_audited_with_field_names_only(eng: Staffel) -> None:
    case_id, hid = resettlement_handover(eng)
    package = build_package(eng.handovers.record(hid), eng.clock.now())
    eng.handovers.record_shared(hid, package.field_names(), package.rule.legal_basis, "json",
                               actor="cw_jc_leistung")
    event = eng.audit.events(case_id)[-1]
    assert event.action == "handover_package_shared" and event.actor == "cw_jc_leistung"
    assert event.details == {
        "handover_id": hid, "key": "resettlement_to_sgb2", "from_team": "eingangszone",
        "to_team": "jc_leistung", "legal_basis": package.rule.legal_basis,
        "fields": package.field_names(), "format": "json"}
    assert "family_name" in event.details["fields"]
    text = json.dumps(event.details, ensure_ascii=False)
    for value in ("Haddad", "Rana", "1990-04-12", "SY", "2027-10-04"):
        assert value not in text
    assert eng.audit.verify().ok


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "99999", "1e3", "99999999999", "²", ""])
def test_unknown_or_malformed_ids_are_not_found(eng: Staffel, bad: str) -> None:
    resettlement_handover(eng)
    before = len(eng.audit.events(limit=10_000))
    message = f"^handover {re.escape(bad)} does not exist$"
    with pytest.raises(NotFound, match=message):
        eng.handovers.record(bad)
    with pytest.raises(NotFound, match=message):
        eng.handovers.record_shared(bad, ["family_name"], "x", "json", actor="cw")
    assert eng.handovers.teams(bad) is None
    assert len(eng.audit.events(limit=10_000)) == before
