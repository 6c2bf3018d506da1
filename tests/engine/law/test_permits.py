"""Permit paragraphs of engine.law.permits: §25(2) AufenthG completed from the case's stage or
with the alternative a person found out."""

from __future__ import annotations

import pytest

from engine.law.permits import (
    ALTERNATIVE_BY_STAGE,
    AMBIGUOUS_PARAGRAPH,
    PERMIT_PARAGRAPHS,
    complete_alternative,
    with_alternative,
)

PAYLOAD = {"paragraph": "§25(2)", "valid_until": "2030-05-31", "permit_number": "Y123"}


@pytest.mark.parametrize(("stage", "expected"), [("S3b", "§25(2) Alt. 1"),
                                                 ("S3c", "§25(2) Alt. 2")])
def test_the_stage_tells_the_alternative(stage: str, expected: str) -> None:
    completed = complete_alternative(PAYLOAD, stage)
    assert completed == {**PAYLOAD, "paragraph": expected}
    assert completed is not None and completed["paragraph"] in PERMIT_PARAGRAPHS


@pytest.mark.parametrize("stage", [None, "", "S1", "S2", "S3a", "S4", "s3b", "S3b "])
def test_other_stages_leave_it_to_a_person(stage: str | None) -> None:
    assert complete_alternative(PAYLOAD, stage) is None


def test_completing_does_not_change_the_payload_given() -> None:
    payload = dict(PAYLOAD)
    completed = complete_alternative(payload, "S3c")
    assert payload == PAYLOAD
    assert completed is not payload
    assert with_alternative(payload, "1") is not payload
    assert payload["paragraph"] == AMBIGUOUS_PARAGRAPH


@pytest.mark.parametrize(("alternative", "expected"), [("1", "§25(2) Alt. 1"),
                                                       ("2", "§25(2) Alt. 2")])
def test_with_alternative(alternative: str, expected: str) -> None:
    completed = with_alternative(PAYLOAD, alternative)
    assert completed == {**PAYLOAD, "paragraph": expected}
    assert completed["paragraph"] in PERMIT_PARAGRAPHS


def test_both_routes_give_the_same_paragraph() -> None:
    assert complete_alternative(PAYLOAD, "S3b") == with_alternative(PAYLOAD, "1")
    assert complete_alternative(PAYLOAD, "S3c") == with_alternative(PAYLOAD, "2")
    assert set(ALTERNATIVE_BY_STAGE.values()) <= set(PERMIT_PARAGRAPHS)
    assert AMBIGUOUS_PARAGRAPH not in PERMIT_PARAGRAPHS
