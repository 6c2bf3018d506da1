"""Case effects of engine.execution.effects: what the script helpers record into the run's
CaseEffects, what they refuse, and that they only work while a case's process runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest

from engine.errors import ScriptError
from engine.execution.effects import (
    BENEFIT_SYSTEMS,
    CASE_HELPERS,
    STAGES,
    CaseEffects,
    HandoverStep,
    RecordedDeadline,
    case_court,
    case_court_name,
    close_case,
    collecting,
    current_land,
    handover_acknowledged,
    handover_escalated,
    handover_proposed,
    record_deadline,
    set_benefit_system,
    set_stage,
)


@pytest.fixture
def effects() -> Iterator[CaseEffects]:
    with collecting(CaseEffects("case-1", "NW")) as collected:
        yield collected


def test_new_effects_are_empty_and_each_field_makes_them_non_empty() -> None:
    assert CaseEffects("c", "NW").empty
    assert not CaseEffects("c", "NW", stage="S2").empty
    assert not CaseEffects("c", "NW", benefit_system="sgb2").empty
    assert not CaseEffects("c", "NW", closed=True).empty
    assert not CaseEffects("c", "NW", handovers=[HandoverStep("k", "acknowledged")]).empty
    deadline = RecordedDeadline("x", date(2027, 1, 1), "§1", "NW")
    assert not CaseEffects("c", "NW", deadlines={"x": deadline}).empty


@pytest.mark.parametrize(("helper", "args"), [
    (set_stage, ("S2",)), (set_benefit_system, ("sgb2",)), (close_case, ()),
    (record_deadline, ("k", "2027-01-01", "§1")), (handover_acknowledged, ("k",)),
    (current_land, ()),
])
def test_helpers_outside_a_run_are_refused(helper: Callable[..., object],
                                           args: tuple[object, ...]) -> None:
    with pytest.raises(ScriptError, match="only be used while a case's process runs"):
        helper(*args)


def test_collecting_ends_with_its_block_and_nests() -> None:
    outer, inner = CaseEffects("a", "NW"), CaseEffects("b", "BE")
    with collecting(outer):
        with collecting(inner):
            assert current_land() == "BE"
            set_stage("S4")
        assert current_land() == "NW"
        set_stage("S2")
    assert (outer.stage, inner.stage) == ("S2", "S4")
    with pytest.raises(ScriptError, match="only be used"):
        current_land()


def test_stage_and_benefit_system(effects: CaseEffects) -> None:
    assert set_stage("S3b") == "S3b"
    assert set_benefit_system("sgb2") == "sgb2"
    assert (effects.stage, effects.benefit_system) == ("S3b", "sgb2")
    assert STAGES[0] == "S1" and STAGES[-1] == "S6" and len(STAGES) == 12
    assert BENEFIT_SYSTEMS == ("asylblg", "sgb2")


@pytest.mark.parametrize("stage", ["S7", "s2", "", "S3"])
def test_unknown_stage_is_refused(effects: CaseEffects, stage: str) -> None:
    with pytest.raises(ScriptError, match="unknown stage"):
        set_stage(stage)
    assert effects.stage is None


def test_unknown_benefit_system_is_refused(effects: CaseEffects) -> None:
    with pytest.raises(ScriptError, match="unknown benefit system 'sgb12'"):
        set_benefit_system("sgb12")
    assert effects.benefit_system is None


def test_record_deadline_from_text_or_date(effects: CaseEffects) -> None:
    assert record_deadline("lawsuit_deadline", "2027-05-28", "§74(1) AsylG") == "2027-05-28"
    assert record_deadline("sgb2_start", date(2027, 7, 1), "§37(2) SGB II", "BE") == "2027-07-01"
    assert effects.deadlines == {
        "lawsuit_deadline": RecordedDeadline("lawsuit_deadline", date(2027, 5, 28),
                                             "§74(1) AsylG", "NW"),
        "sgb2_start": RecordedDeadline("sgb2_start", date(2027, 7, 1), "§37(2) SGB II", "BE"),
    }
    record_deadline("lawsuit_deadline", "2027-06-01", "§74(1) AsylG")  # recomputed: replaced
    assert effects.deadlines["lawsuit_deadline"].due_on == date(2027, 6, 1)


def test_record_deadline_needs_a_date(effects: CaseEffects) -> None:
    with pytest.raises(ScriptError, match="deadline 'x' needs a date, got int"):
        record_deadline("x", 20270528, "§1")
    with pytest.raises(ValueError, match="Invalid isoformat"):
        record_deadline("x", "28.05.2027", "§1")
    assert effects.deadlines == {}


def test_handover_steps_are_recorded_in_order(effects: CaseEffects) -> None:
    key = handover_proposed("ho1", "sozialamt", "jc_leistung", "§67 SGB X", "SGB II start",
                            appointment_at="2027-03-10T09:00:00+01:00",
                            shared_fields=["family_name", 7], consent=1)
    assert key == "ho1"
    assert handover_acknowledged("ho1") == "ho1"
    assert handover_escalated("ho1") == "ho1"
    assert [(s.key, s.step) for s in effects.handovers] == [
        ("ho1", "proposed"), ("ho1", "acknowledged"), ("ho1", "escalated")]
    assert effects.handovers[0].fields == {
        "from_team": "sozialamt", "to_team": "jc_leistung", "legal_basis": "§67 SGB X",
        "purpose": "SGB II start", "appointment_at": "2027-03-10T09:00:00+01:00",
        "consent": True, "shared_fields": ["family_name", "7"]}
    assert effects.handovers[1].fields == {}


def test_handover_without_consent_or_fields(effects: CaseEffects) -> None:
    handover_proposed("ho2", "auslaenderbehoerde", "kurstraeger", "basis", "purpose")
    fields = effects.handovers[0].fields
    assert fields["consent"] is None and fields["shared_fields"] == []
    assert fields["appointment_at"] is None


@pytest.mark.parametrize(("from_team", "to_team", "message"), [
    ("Sozialamt", "jc_leistung", "from_team must be a team key, got 'Sozialamt'"),
    ("sozialamt", "jobcenter", "to_team must be a team key, got 'jobcenter'"),
    ("sozialamt", None, "to_team must be a team key, got None"),
])
def test_handover_needs_team_keys(effects: CaseEffects, from_team: object, to_team: object,
                                  message: str) -> None:
    with pytest.raises(ScriptError, match=message):
        handover_proposed("ho", from_team, to_team, "b", "p")  # type: ignore[arg-type]
    assert effects.handovers == []


def test_close_case(effects: CaseEffects) -> None:
    assert effects.empty
    assert close_case() is True
    assert effects.closed and not effects.empty


def test_case_helpers_are_the_module_functions() -> None:
    assert dict(CASE_HELPERS) == {
        "set_stage": set_stage, "set_benefit_system": set_benefit_system,
        "record_deadline": record_deadline, "close_case": close_case,
        "handover_proposed": handover_proposed,
        "handover_acknowledged": handover_acknowledged,
        "handover_escalated": handover_escalated,
        "case_court": case_court, "case_court_name": case_court_name,
    }


def test_case_court_is_the_cases_or_the_lands_default() -> None:
    with collecting(CaseEffects("c", "BY", court="VG_AUGSBURG")):
        assert (case_court(), case_court_name()) == ("VG_AUGSBURG", "VG Augsburg")
    with collecting(CaseEffects("c", "BY")):
        assert (case_court(), case_court_name()) == ("VG_ANSBACH", "VG Ansbach")


def test_record_deadline_needs_a_legal_basis_that_fits(effects: CaseEffects) -> None:
    record_deadline("x", "2027-05-28", "§" * 500)  # 500 characters: room for court and values
    for basis in ("", "§" * 501):
        with pytest.raises(ScriptError, match="legal basis must be 1 to 500 characters"):
            record_deadline("x", "2027-05-28", basis)
