"""The deterministic sample-data generator of test runs: every form and message schema of
bpmn/ gets data that validates, choices win, bounds and formats are respected."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from engine.definitions.forms import schema_errors
from engine.definitions.sample_data import EMAIL, sample
from tests.lifecycle.helpers import BPMN_DIR

TODAY = date(2027, 3, 1)
SCHEMAS = sorted((BPMN_DIR / "forms").glob("*.schema.json")) + sorted(
    (BPMN_DIR / "messages").glob("*.schema.json"))


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_every_bpmn_schema_gets_valid_data(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    data = sample(schema, TODAY)
    assert schema_errors(schema, data) == [], data
    assert set(data) >= set(schema.get("required", []))
    assert sample(schema, TODAY) == data  # deterministic


def test_choices_win_and_conditional_requirements_follow() -> None:
    schema = json.loads((BPMN_DIR / "forms" / "registration.schema.json").read_text())
    data = sample(schema, TODAY, {"consent_given": True})
    assert data["consent_given"] is True and data["consent_date"] == "2027-03-01"
    assert data["consent_recipients"] == ["kurstraeger"]
    assert schema_errors(schema, data) == []
    message = json.loads((BPMN_DIR / "messages" / "bamf_decision.schema.json").read_text())
    payload = sample(message, TODAY, {"outcome": "dublin"})
    assert payload == {"outcome": "dublin", "decision_date": "2027-03-01",
                       "served_on": "2027-03-01"}


def test_bounds_formats_and_defaults() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "required": ["n", "x", "mail", "at", "valid_until", "code", "flag", "fixed", "pick", "tags",
                     "short", "d"],
        "properties": {
            "n": {"type": "integer", "minimum": 3, "maximum": 9},
            "x": {"type": "number", "exclusiveMaximum": 0},
            "mail": {"type": "string", "format": "email"},
            "at": {"type": "string", "format": "date-time"},
            "valid_until": {"type": "string", "format": "date"},
            "code": {"type": "string", "pattern": "^[a-z]{2}$"},
            "flag": {"type": "boolean"},
            "fixed": {"const": "yes"},
            "pick": {"type": "string", "enum": ["b", "a"]},
            "tags": {"type": "array", "minItems": 2, "uniqueItems": True,
                     "items": {"enum": ["p", "q", "r"]}},
            "short": {"type": "string", "minLength": 12, "maxLength": 12},
            "d": {"type": "string", "default": "given"},
        },
        "additionalProperties": False,
    }
    data = sample(schema, TODAY)
    assert schema_errors(schema, data) == []
    assert data["n"] == 3 and data["x"] == -1 and data["mail"] == EMAIL
    assert data["at"] == "2027-03-02T10:00:00+01:00" and data["valid_until"] == "2030-03-01"
    assert (data["code"], data["flag"], data["fixed"], data["pick"]) == ("de", False, "yes", "b")
    assert data["tags"] == ["p", "q"] and len(data["short"]) == 12 and data["d"] == "given"


def test_no_schema_gives_no_data() -> None:
    assert sample(None, TODAY) == {} and sample({}, TODAY) == {}
