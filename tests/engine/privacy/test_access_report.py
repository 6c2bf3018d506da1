"""The access report (Art. 15 GDPR) from the engine's own rows, and the read log: recipients
(handover packages with fields and legal basis, teams with tasks), consent and withdrawal,
purposes, storage period, who read the data."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.handover_package import build_package
from engine import ReadTarget, Staffel
from engine.privacy import access_report
from tests.adapters.handover_cases import course_handover
from tests.lifecycle.helpers import new_engine


@pytest.fixture
def eng(make_engine: Any) -> Staffel:
    return new_engine(make_engine)


def test_the_report_names_data_recipients_consent_and_reads(eng: Staffel) -> None:
    case, hid = course_handover(eng)
    package = build_package(eng.handovers.record(hid), eng.clock.now())
    eng.handovers.record_shared(hid, package.field_names(), package.rule.legal_basis, "json",
                                "cw_jc")
    eng.personal_data.withdraw_consent(case, "2027-04-02", "cw_jc")
    eng.personal_data.record_read(case, "case", "page", "cw_soz")
    eng.personal_data.record_read(case, f"handover:{hid}", "api", "cw_jc")

    report = eng.personal_data.access_report(case)
    assert report.person["family_name"] == "Haddad" and report.case_id == case
    assert {h.to_team for h in report.handovers} >= {"kurstraeger"}
    handed = [r for r in report.recipients if r.kind == "handover"]
    assert len(handed) == 1 and handed[0].team == "kurstraeger" and handed[0].count == 1
    assert handed[0].fields == tuple(package.field_names())
    assert handed[0].legal_basis is not None and "Art. 6 Abs. 1 lit. a DSGVO" in \
        handed[0].legal_basis
    with_tasks = {r.team for r in report.recipients if r.kind == "tasks"}
    assert {"eingangszone", "jc_vermittlung", "kurstraeger"} <= with_tasks
    assert str(report.consent.date) == "2027-03-01" and report.consent.given is True
    assert report.consent.recipients == ("kurstraeger", "beratungsstelle")
    assert str(report.consent.withdrawn_on) == "2027-04-02"
    assert [(r.actor, r.subject, r.channel) for r in report.reads] == [
        ("cw_jc", f"handover:{hid}", "api"), ("cw_soz", "case", "page")]
    assert [key for key, _basis in report.purposes] == [k for k, _b in access_report.PURPOSES]
    assert report.retention.days == eng.erasure.periods.case_days  # the retention setting
    assert report.retention.erase_after is None  # the case is still running


def test_the_retention_setting_names_the_erasure_day(eng: Staffel) -> None:
    case, _hid = course_handover(eng)
    report = eng.personal_data.access_report(case)
    retention = access_report.retention_of(_closed(report), 30)
    assert retention.days == 30 and retention.erase_after is not None
    assert access_report.retention_of(_closed(report), "x").days is None


def _closed(report: Any) -> Any:
    class Closed:
        closed_at = report.created_at
    return Closed()


def test_list_reads_are_one_statement_and_bad_subjects_are_refused(eng: Staffel) -> None:
    case, _hid = course_handover(eng)
    written = eng.personal_data.record_reads(
        [ReadTarget(case, "case_list"), ReadTarget(None, "clarification:7")], "page", "cw_ez")
    assert written == 2
    assert [r.subject for r in eng.personal_data.reads(case)] == ["case_list"]
    with pytest.raises(ValueError, match="subject"):
        eng.personal_data.record_read(case, "everything", "page", "cw_ez")
    with pytest.raises(ValueError, match="channel"):
        eng.personal_data.record_read(case, "case", "fax", "cw_ez")
    assert len(eng.personal_data.reads(case)) == 1


def test_without_a_setting_the_rules_are_asked_then_none(eng: Staffel) -> None:
    case, _hid = course_handover(eng)
    service = type(eng.personal_data)(eng.context)  # no retention handed in
    assert service.access_report(case).retention.days is None  # documented fallback
