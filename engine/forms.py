"""JSON Schema forms of user tasks and payload schemas of messages, checked before any change.

Forms live in ``bpmn/forms/<name>.schema.json`` and are named by a user task's
``formJsonSchemaFilename`` property; message payload schemas in
``bpmn/messages/<message>.schema.json``. Both are taken from the files a process version was
deployed with, so a running case keeps the forms of its version.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput
from engine.persistence.models import DefinitionFile, ProcessVersion

FORMAT_CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


@functools.lru_cache(maxsize=1024)
def _parsed(content_hash: str, content: str) -> dict[str, Any]:
    return dict(json.loads(content))


def _schema_file(session: Session, version_id: int, name: str) -> dict[str, Any] | None:
    version = session.get(ProcessVersion, version_id)
    if version is None:
        return None
    row = session.scalars(select(DefinitionFile).where(
        DefinitionFile.id.in_(version.file_ids), DefinitionFile.name == name)).first()
    return _parsed(row.content_hash, row.content) if row is not None else None


def form_schema(session: Session, version_id: int, form: str | None) -> dict[str, Any] | None:
    """Return the JSON Schema of a form as deployed with a process version."""
    if not form:
        return None
    return _schema_file(session, version_id, f"forms/{form}")


def message_schema(session: Session, version_id: int, name: str) -> dict[str, Any] | None:
    """Return the payload schema of a message as deployed with a process version."""
    return _schema_file(session, version_id, f"messages/{name}.schema.json")


def schema_errors(schema: dict[str, Any], data: Any, prefix: str = "") -> list[dict[str, str]]:
    """Validate ``data``; return one ``{field, message}`` per problem (empty when valid)."""
    validator = jsonschema.Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    errors = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [k for k in error.validator_value if k not in error.instance]
            for key in missing:
                errors.append({"field": prefix + ".".join([*path, key]), "message": "is required"})
            continue
        if error.validator == "additionalProperties":
            message = "unknown field(s): " + error.message.split("(")[-1].rstrip(")")
        else:
            message = error.message
        errors.append({"field": prefix + (".".join(path) or "(root)"), "message": message})
    return errors


def validate_data(session: Session, version_id: int, form: str | None,
                  data: dict[str, Any]) -> None:
    """Raise InvalidInput when task data does not match the task's form."""
    schema = form_schema(session, version_id, form)
    if schema is None:
        return
    errors = schema_errors(schema, data)
    if errors:
        raise InvalidInput("the form data is not valid", errors)


def validate_message(session: Session, version_id: int, name: str,
                     payload: dict[str, Any]) -> None:
    """Raise InvalidInput when a message payload does not match its schema."""
    schema = message_schema(session, version_id, name)
    if schema is None:
        return
    errors = schema_errors(schema, payload, prefix="payload.")
    if errors:
        raise InvalidInput(f"the payload of message {name!r} is not valid", errors)
