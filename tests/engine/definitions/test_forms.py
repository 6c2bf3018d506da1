"""JSON-Schema checks of task forms and message payloads: one entry per field and problem."""

from __future__ import annotations

from engine.definitions.forms import schema_errors


def test_every_missing_required_field_is_named_once() -> None:
    schema = {"type": "object", "required": ["a", "b"],
              "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    assert schema_errors(schema, {}) == [{"field": "a", "message": "is required"},
                                         {"field": "b", "message": "is required"}]


def test_nested_required_fields_carry_their_path_and_prefix() -> None:
    schema = {"type": "object", "properties": {"permit": {
        "type": "object", "required": ["paragraph", "valid_until"]}}}
    assert schema_errors(schema, {"permit": {}}, prefix="payload.") == [
        {"field": "payload.permit.paragraph", "message": "is required"},
        {"field": "payload.permit.valid_until", "message": "is required"}]


def test_the_validator_of_an_equal_schema_is_reused() -> None:
    from engine.definitions.forms import _validator

    assert _validator({"type": "object"}) is _validator({"type": "object"})
