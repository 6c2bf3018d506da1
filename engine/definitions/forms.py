"""JSON Schema forms of user tasks and payload schemas of messages, checked before any change.

Forms live in ``bpmn/forms/<name>.schema.json`` and are named by a user task's
``formJsonSchemaFilename`` property; message payload schemas in
``bpmn/messages/<message>.schema.json``. Both are taken from the files a process version was
deployed with, so a running case keeps the forms of its version.

Task data is checked by :func:`form_errors`: the JSON Schema and the plausibility rules of
the form (``x-rules``, :mod:`engine.definitions.form_rules`), reported as codes with
parameters, one entry per field (:mod:`engine.definitions.form_messages`). Message payloads
keep the plain ``{field, message}`` entries of :func:`schema_errors`.
"""

from __future__ import annotations

import functools
import json
import threading
from datetime import date
from typing import Any

import jsonschema
import jsonschema.protocols
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.definitions.form_messages import describe, merge
from engine.definitions.form_rules import check_rules
from engine.errors import InvalidInput
from engine.persistence.models import DefinitionFile, ProcessVersion

FORMAT_CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER
FORM_INVALID = "the form data is not valid"


class SchemaCache:
    """Forms and message schemas per process version (versions are immutable: cache forever)."""

    def __init__(self) -> None:
        self._schemas: dict[tuple[int, str], dict[str, Any] | None] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, version_id: int, name: str) -> dict[str, Any] | None:
        """Return the parsed schema file ``name`` deployed with a version, or None."""
        key = (version_id, name)
        if key in self._schemas:
            return self._schemas[key]
        version = session.get(ProcessVersion, version_id)
        schema = None
        if version is not None:
            row = session.scalars(select(DefinitionFile).where(
                DefinitionFile.id.in_(version.file_ids), DefinitionFile.name == name)).first()
            schema = dict(json.loads(row.content)) if row is not None else None
        with self._lock:
            self._schemas[key] = schema
        return schema

    def form(self, session: Session, version_id: int, form: str | None) -> dict[str, Any] | None:
        """Return the JSON Schema of a user task's form as deployed with a version."""
        return self.get(session, version_id, f"forms/{form}") if form else None

    def message(self, session: Session, version_id: int, name: str) -> dict[str, Any] | None:
        """Return the payload schema of a message as deployed with a version."""
        return self.get(session, version_id, f"messages/{name}.schema.json")

    def validate_data(self, session: Session, version_id: int, form: str | None,
                      data: dict[str, Any], today: date) -> None:
        """Raise InvalidInput when task data does not match the task's form: its JSON Schema
        and its plausibility rules (``today``: the engine's day in Berlin), one entry per
        field (see :func:`form_errors`)."""
        schema = self.form(session, version_id, form)
        if schema is not None:
            errors = form_errors(schema, data, today)
            if errors:
                raise InvalidInput(FORM_INVALID, errors)

    def validate_message(self, session: Session, version_id: int, name: str,
                         payload: dict[str, Any]) -> None:
        """Raise InvalidInput when a message payload does not match its schema."""
        schema = self.message(session, version_id, name)
        if schema is not None:
            errors = schema_errors(schema, payload, prefix="payload.")
            if errors:
                raise InvalidInput(f"the payload of message {name!r} is not valid", errors)


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    return _compiled(json.dumps(schema, sort_keys=True))


@functools.lru_cache(maxsize=2048)
def _compiled(schema_json: str) -> jsonschema.protocols.Validator:
    """A validator per distinct schema (the JSON text is the key; schemas are dicts)."""
    return jsonschema.Draft202012Validator(json.loads(schema_json),
                                           format_checker=FORMAT_CHECKER)


def schema_errors(schema: dict[str, Any], data: Any, prefix: str = "") -> list[dict[str, str]]:
    """Validate ``data``; return one ``{field, message}`` per problem (empty when valid)."""
    validator = _validator(schema)
    errors = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required" and isinstance(error.instance, dict):
            # jsonschema reports one error per missing key, each carrying the whole list:
            # name every missing key once
            missing = [k for k in error.validator_value if k not in error.instance]
            for key in missing:
                entry = {"field": prefix + ".".join([*path, key]), "message": "is required"}
                if entry not in errors:
                    errors.append(entry)
            continue
        if error.validator == "additionalProperties":
            message = "unknown field(s): " + error.message.split("(")[-1].rstrip(")")
        else:
            message = error.message
        errors.append({"field": prefix + (".".join(path) or "(root)"), "message": message})
    return errors


def form_errors(schema: dict[str, Any], data: Any, today: date) -> list[dict[str, Any]]:
    """Check task data against its form: the JSON Schema, then the ``x-rules`` (``today``:
    the engine's day in Berlin). One ``{field, code, params, message}`` per field (several
    problems of a field are merged, see :func:`engine.definitions.form_messages.merge`);
    empty when the data is valid."""
    validator = _validator(schema)
    problems: list[dict[str, Any]] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in
                                                                     e.absolute_path]):
        problems.extend(describe(schema, error, data))
    if isinstance(data, dict):
        problems.extend(check_rules(schema, data, today))
    order = {name: i for i, name in enumerate(schema.get("properties") or {})}
    return sorted(merge(problems), key=lambda e: order.get(str(e["field"]).split(".")[0], -1))
