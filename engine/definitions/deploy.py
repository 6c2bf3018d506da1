"""Deploying BPMN, DMN and JSON-Schema files as versioned process definitions.

A deployment takes one or more files. They are laid over the current source set (the newest
deployed file of every name), so that call activities and decisions resolve against what is
already deployed. Every new file is validated before anything is stored: hardened XML parse,
XSD, unsupported features, lanes, forms, every expression compiled in the sandbox, references
resolved, and finally SpiffWorkflow's own parse. Any problem raises :class:`DeployError` listing
all of them, and nothing is written.

Each executable process gets a new version only when its content changed: the hash covers its
serialized spec, the specs of the processes it calls and the forms its user tasks use.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.definitions.form_rules import RULES_KEY, rule_problems
from engine.definitions.names import undefined_name_problems
from engine.definitions.validation import document_references, resolve_references, validate_document
from engine.definitions.xmlsafe import document_kind, parse_document
from engine.errors import DeployError, Problem
from engine.execution import spiff
from engine.execution.sandbox import check_source
from engine.execution.tasks import FORM_PROPERTY
from engine.model import DeployResult, ProcessVersionInfo
from engine.persistence.models import DefinitionFile, ProcessVersion

SCHEMA_SUFFIX = ".schema.json"
FORMS_DIR = "forms/"
MESSAGES_DIR = "messages/"


def file_kind(name: str) -> str | None:
    """Return ``bpmn``, ``dmn`` or ``schema`` for a file name, or None if we do not deploy it."""
    lower = name.lower()
    if lower.endswith((".bpmn", ".bpmn20.xml")):
        return "bpmn"
    if lower.endswith(".dmn"):
        return "dmn"
    if lower.endswith(SCHEMA_SUFFIX):
        return "schema"
    return None


def read_directory(directory: Path) -> dict[str, bytes]:
    """Read every deployable file below ``directory``, named by its relative path."""
    files = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and file_kind(path.name) and "node_modules" not in path.parts:
            files[path.relative_to(directory).as_posix()] = path.read_bytes()
    return files


def _hash(content: str | bytes) -> str:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


def form_key(name: str) -> str:
    """The name a user task uses for a form file (its base name)."""
    return name.rsplit("/", 1)[-1]


@dataclass
class _Source:
    name: str
    kind: str
    text: str
    tree: Any = None
    new: bool = False


def _decode(name: str, content: bytes | str, problems: list[Problem]) -> str | None:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, f"file is not UTF-8 text ({exc.reason})"))
        return None


def _check_schema(source: _Source, problems: list[Problem]) -> None:
    try:
        schema = json.loads(source.text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(source.name, f"not valid JSON: {exc.msg}", line=exc.lineno))
        return
    if not isinstance(schema, dict):
        problems.append(Problem(source.name, "a JSON Schema must be an object"))
        return
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        problems.append(Problem(source.name, f"not a valid JSON Schema: {exc.message}"))
        return
    problems.extend(Problem(source.name, text, rule=RULES_KEY) for text in rule_problems(schema))


def current_sources(session: Session) -> dict[str, DefinitionFile]:
    """Return the newest deployed file of every name."""
    newest = (select(DefinitionFile.name, func.max(DefinitionFile.id).label("id"))
              .group_by(DefinitionFile.name).subquery())
    rows = session.scalars(select(DefinitionFile).join(newest, DefinitionFile.id == newest.c.id))
    return {row.name: row for row in rows}


def current_source(session: Session, name: str) -> DefinitionFile | None:
    """Return the newest deployed file of one name, or None."""
    return session.scalars(select(DefinitionFile).where(DefinitionFile.name == name)
                           .order_by(DefinitionFile.id.desc()).limit(1)).first()


def _validate(sources: dict[str, _Source]) -> list[Problem]:
    problems: list[Problem] = []
    known_forms = {form_key(s.name) for s in sources.values() if s.kind == "schema"}
    refs = {}
    for source in sources.values():
        if source.kind == "schema":
            if source.new:
                _check_schema(source, problems)
            continue
        try:
            source.tree = parse_document(source.name, source.text.encode("utf-8"))
            kind = document_kind(source.tree, source.name)
        except DeployError as err:
            problems.extend(err.problems)
            continue
        if kind != source.kind:
            problems.append(Problem(source.name,
                                    f"file ending says {source.kind}, content is {kind}"))
            continue
        if source.new:
            problems.extend(validate_document(source.name, source.tree,
                                              check_expression=check_source,
                                              known_forms=known_forms))
        refs[source.name] = document_references(source.tree)
    problems.extend(resolve_references(refs))
    problems.extend(undefined_name_problems(  # issue 14, hole 8: every free name resolves
        {s.name: s.tree for s in sources.values() if s.name in refs},
        new={s.name for s in sources.values() if s.new},
        schema_texts=[s.text for s in sources.values() if s.kind == "schema"]))
    return problems


def _parse_specs(sources: dict[str, _Source]) -> tuple[Any, list[Problem]]:
    from SpiffWorkflow.bpmn.parser.ValidationException import (
        ValidationException,
    )

    parser = spiff.new_parser()
    problems: list[Problem] = []
    for source in sources.values():
        if source.kind in ("bpmn", "dmn") and source.tree is not None:
            try:
                spiff.add_document(parser, source.kind, source.tree, source.name)
            except ValidationException as exc:
                problems.append(_from_validation(exc, source.name))
    return parser, problems


def _from_validation(exc: Any, default_file: str) -> Problem:
    return Problem(file=getattr(exc, "file_name", None) or default_file,
                   line=getattr(exc, "line_number", None) or None,
                   element_id=getattr(exc, "id", None) or None,
                   message=str(getattr(exc, "error_msg", None) or exc).strip())


def _forms_used(bundle_dict: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("extensions", {}).get("properties") if "extensions" in node else None
            if isinstance(props, dict) and props.get(FORM_PROPERTY):
                found.add(str(props[FORM_PROPERTY]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bundle_dict)
    return found


def build_versions(sources: dict[str, _Source]) -> list[tuple[str, str, str, dict, str]]:
    """Parse the source set; return (key, name, file, spec dict, content hash) per process."""
    from SpiffWorkflow.bpmn.parser.ValidationException import (
        ValidationException,
    )

    parser, problems = _parse_specs(sources)
    if problems:
        raise DeployError(problems)
    schema_hashes = {s.name: _hash(s.text) for s in sources.values() if s.kind == "schema"}
    # message payload schemas are checked on correlation: they are part of every version
    message_schemas = sorted((name, digest) for name, digest in schema_hashes.items()
                             if name.startswith(MESSAGES_DIR))
    result = []
    for key, process_parser in sorted(parser.process_parsers.items()):
        if not process_parser.process_executable:
            continue
        try:
            spec = parser.get_spec(key)
            subs = parser.get_subprocess_specs(key)
        except ValidationException as exc:
            problems.append(_from_validation(exc, process_parser.filename))
            continue
        data = spiff.spec_to_dict(spec, subs)
        forms = sorted(_forms_used(data))
        fingerprint = spiff.spec_fingerprint(data) + json.dumps(
            [[(f, schema_hashes.get(FORMS_DIR + f)) for f in forms], message_schemas])
        result.append((key, spec.description or key, process_parser.filename, data,
                       _hash(fingerprint)))
    if problems:
        raise DeployError(problems)
    return result


def validate_files(session: Session, files: Mapping[str, bytes | str]) -> list[Problem]:
    """Run the complete deploy validation without storing anything; return every problem."""
    try:
        _prepare(session, files)
    except DeployError as err:
        return err.problems
    return []


def _prepare(session: Session, files: Mapping[str, bytes | str]) -> tuple[
        dict[str, _Source], list[tuple[str, str, str, dict, str]]]:
    problems: list[Problem] = []
    if not files:
        raise DeployError([Problem("(none)", "no files given")])
    sources: dict[str, _Source] = {
        name: _Source(name, row.kind, row.content) for name, row in current_sources(session).items()
    }
    for name, content in files.items():
        kind = file_kind(name)
        if kind is None:
            problems.append(Problem(name, "unknown file type: use .bpmn, .dmn or .schema.json"))
            continue
        text = _decode(name, content, problems)
        if text is not None:
            sources[name] = _Source(name, kind, text, new=True)
    if problems:
        raise DeployError(problems)
    problems = _validate(sources)
    if problems:
        raise DeployError(problems)
    return sources, build_versions(sources)


def deploy(session: Session, files: Mapping[str, bytes | str], actor: str,
           now: datetime) -> DeployResult:
    """Validate and store files; create a new version of every process whose content changed."""
    sources, built = _prepare(session, files)
    file_ids = []
    for source in sources.values():
        digest = _hash(source.text)
        row = current_source(session, source.name)
        if row is None or row.content_hash != digest:  # new, or changed (back) to other content
            row = DefinitionFile(name=source.name, kind=source.kind, content_hash=digest,
                                 content=source.text, deployed_at=now, deployed_by=actor)
            session.add(row)
            session.flush()
        file_ids.append(row.id)
    versions, new_versions = [], []
    for key, name, file_name, data, digest in built:
        version = latest_version(session, key)
        if version is None or version.content_hash != digest:
            # Same content as the newest version: nothing new. Other content, even that of an
            # older version (a change undone), becomes the newest version, as in Camunda.
            latest = version.version if version is not None else 0
            version = ProcessVersion(
                key=key, version=latest + 1, name=name, content_hash=digest,
                file_name=file_name, file_ids=sorted(file_ids), spec=data,
                serializer_version=spiff.SERIALIZER_VERSION, deployed_at=now, deployed_by=actor)
            session.add(version)
            session.flush()
            new_versions.append(version_info(version))
        versions.append(version_info(version))
    return DeployResult(versions, new_versions)


def version_info(row: ProcessVersion) -> ProcessVersionInfo:
    """Turn a version row into the dataclass callers see."""
    return ProcessVersionInfo(row.id, row.key, row.version, row.name, row.file_name,
                              row.deployed_at, row.deployed_by)


def latest_version(session: Session, key: str) -> ProcessVersion | None:
    """Return the newest version of a process, or None."""
    return session.scalars(select(ProcessVersion).where(ProcessVersion.key == key)
                           .order_by(ProcessVersion.version.desc()).limit(1)).first()


def version_files(session: Session, version: ProcessVersion) -> dict[str, DefinitionFile]:
    """Return the source files a version was built from, by name."""
    rows = session.scalars(select(DefinitionFile).where(DefinitionFile.id.in_(version.file_ids)))
    return {row.name: row for row in rows}


def xml_of_version(session: Session, version: ProcessVersion) -> str:
    """Return the BPMN text of the file that defines the version's process."""
    files = version_files(session, version)
    row = files.get(version.file_name)
    if row is None:
        raise DeployError([Problem(version.file_name, "source file of this version is missing")])
    return row.content

