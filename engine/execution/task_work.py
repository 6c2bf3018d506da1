"""Work on a task besides completing it (issue 15, points 4 and 5), inside the caller's
session or unit of work:

* **prefill** — the values a task's form starts from: the case's person record (languages,
  interpreter, …) and values given earlier in the case's processes, for fields of the same
  name that the form has and the task's own data lacks;
* **write-back** — what a completed task recorded about the person
  (:data:`WRITABLE_PERSON_FIELDS`) updates the case's person record, audited by field names;
* **drafts** — one per task and user, private, dropped when the task completes;
* **comments** — append-only, on the task, for the case's teams.

Who may do which of these is the caller's business (``web.authz``); nothing here knows roles.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from engine.errors import Conflict, InvalidInput
from engine.execution.cases import PERSON_FIELDS
from engine.execution.specs import SpecCache
from engine.execution.spiff import load_state
from engine.execution.unit import UnitOfWork
from engine.persistence.models import Case, HumanTask, ProcessInstance
from engine.persistence.task_work_models import TaskComment, TaskDraft
from engine.states import HumanTaskState

#: person fields a task may change: not the names and the birth date (they key the blind
#: index and the file; a correction is a registration matter)
WRITABLE_PERSON_FIELDS = ("interpreter_needed", "languages", "nationality")
_PERSON_TYPES: dict[str, type] = {"interpreter_needed": bool, "languages": list,
                                  "nationality": str}
MAX_COMMENT = 2000
MAX_DRAFT_BYTES = 64_000
PERSON_UPDATED = "person_updated"
COMMENT_ADDED = "task_comment_added"


@dataclass(frozen=True)
class CommentInfo:
    """A comment on a task; ``text`` None once the case's person was erased."""

    id: int
    task_id: str
    author: str
    at: datetime
    text: str | None


def form_fields(schema: Mapping[str, Any] | None) -> list[str]:
    """The field names of a form (JSON Schema ``properties``)."""
    properties = (schema or {}).get("properties") or {}
    return [str(name) for name in properties] if isinstance(properties, dict) else []


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def earlier_values(session: Session, specs: SpecCache, script_engine: Any,
                   case_id: str) -> dict[str, Any]:
    """The case's process data as given so far: the data of every completed task of every
    process of the case, later completions over earlier ones."""
    found: list[tuple[float, dict[str, Any]]] = []
    instances = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)
                                .order_by(ProcessInstance.created_at))
    for instance in instances:
        workflow = load_state(instance.state, specs.get(session, instance.process_version_id),
                              script_engine)
        for flow in (workflow, *workflow.subprocesses.values()):
            for task in flow.get_tasks(state=TaskState.COMPLETED):
                if task.data:
                    found.append((float(task.last_state_change or 0), task.data))
    merged: dict[str, Any] = {}
    for _stamp, data in sorted(found, key=lambda pair: pair[0]):
        merged.update(data)
    plain: dict[str, Any] = json.loads(json.dumps(merged, default=str))
    return plain


def from_person(case: Case, fields: Iterable[str]) -> dict[str, Any]:
    """The person record's values of the person fields a form has: they win over the
    process data (the record is kept current by every task that writes back)."""
    person = dict(case.person or {})
    return {name: person[name] for name in fields
            if name in PERSON_FIELDS and not _empty(person.get(name))}


def missing(fields: Iterable[str], task_data: Mapping[str, Any],
            known: Mapping[str, Any]) -> list[str]:
    """The fields neither the task's data nor ``known`` has a value for."""
    return [name for name in fields if _empty(task_data.get(name)) and name not in known]


def prefill(case: Case, fields: Iterable[str], task_data: Mapping[str, Any],
            earlier: Mapping[str, Any]) -> dict[str, Any]:
    """The start values of a form: the person record's value of each person field, and for
    each other field the task's own data lacks, the value given earlier in the case."""
    names = list(fields)
    values = from_person(case, names)
    for name in missing(names, task_data, values):
        if not _empty(earlier.get(name)):
            values[name] = earlier[name]
    return values


def write_back_person(uow: UnitOfWork, case: Case, row: HumanTask, fields: Iterable[str],
                      data: Mapping[str, Any]) -> list[str]:
    """Copy what the task recorded about the person into the person record (fields the form
    has, of the person record's type, changed values only); audit ``person_updated`` with
    the field names, never the values. Returns the changed field names."""
    names = sorted(set(fields) & set(WRITABLE_PERSON_FIELDS) & set(data))
    if not names or case.erased_at is not None:
        return []  # most forms record nothing about the person: no decryption then
    person = dict(case.person or {})
    changed = []
    for name in names:
        value = data[name]
        if not isinstance(value, _PERSON_TYPES[name]) or value == person.get(name):
            continue
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            continue
        person[name] = value
        changed.append(name)
    if changed:
        case.person = person
        uow.record(PERSON_UPDATED, case_id=case.id, instance_id=row.instance_id,
                   element_id=row.element_id, task_id=row.id, fields=changed)
    return changed


# -- drafts ------------------------------------------------------------------------------------
def draft(session: Session, task_id: str, username: str) -> dict[str, Any] | None:
    """A user's draft of a task (None if there is none)."""
    row = session.scalar(select(TaskDraft).where(TaskDraft.task_id == task_id,
                                                 TaskDraft.username == username))
    return dict(row.data) if row is not None and isinstance(row.data, dict) else None


def check_draft(data: Any, fields: Iterable[str]) -> dict[str, Any]:
    """InvalidInput unless ``data`` is an object of the form's fields, within the size limit."""
    if not isinstance(data, dict):
        raise InvalidInput("the draft must be an object",
                           [{"field": "data", "message": "must be an object"}])
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InvalidInput("the draft names fields the form does not have",
                           [{"field": f"data.{name}"[:200], "message": "is not a field of "
                             "the form"} for name in unknown])
    try:
        size = len(json.dumps(data, allow_nan=False).encode())
    except (TypeError, ValueError) as exc:
        raise InvalidInput("the draft is not plain JSON data",
                           [{"field": "data", "message": "must be plain JSON data"}]) from exc
    if size > MAX_DRAFT_BYTES:
        raise InvalidInput("the draft is too large",
                           [{"field": "data",
                             "message": f"must be at most {MAX_DRAFT_BYTES} bytes"}])
    return data


def save_draft(uow: UnitOfWork, row: HumanTask, username: str, data: dict[str, Any]) -> None:
    """Create or replace the user's draft of an open task (Conflict once it is closed)."""
    if row.state != HumanTaskState.OPEN:
        raise Conflict(f"task {row.id} is already {row.state}")
    found = uow.session.scalar(select(TaskDraft).where(
        TaskDraft.task_id == row.id, TaskDraft.username == username).with_for_update())
    if found is None:
        uow.session.add(TaskDraft(task_id=row.id, case_id=row.case_id, username=username,
                                  data=data, saved_at=uow.now))
    else:
        found.data, found.saved_at = data, uow.now
    uow.session.flush()


def drop_drafts(session: Session, task_id: str, username: str | None = None) -> int:
    """Delete the drafts of a task (of one user, or of everyone); returns how many.

    A plain Core statement on the session's connection: no autoflush and no ORM
    synchronisation of the identity map (drafts are never loaded next to a completion), which
    keeps this step of every completion near 0.1 ms."""
    table = cast(Table, TaskDraft.__table__)
    stmt = delete(table).where(table.c.task_id == task_id)
    if username is not None:
        stmt = stmt.where(table.c.username == username)
    return int(getattr(session.connection().execute(stmt), "rowcount", 0) or 0)


# -- comments ----------------------------------------------------------------------------------
def comments(session: Session, task_id: str) -> list[CommentInfo]:
    """The comments of a task, oldest first (newest last)."""
    rows = session.scalars(select(TaskComment).where(TaskComment.task_id == task_id)
                           .order_by(TaskComment.at, TaskComment.id))
    return [CommentInfo(r.id, r.task_id, r.author, r.at, r.text) for r in rows]


def case_comments(session: Session, case_id: str) -> list[CommentInfo]:
    """The comments on all tasks of a case, oldest first (for the access report)."""
    rows = session.scalars(select(TaskComment).where(TaskComment.case_id == case_id)
                           .order_by(TaskComment.at, TaskComment.id))
    return [CommentInfo(r.id, r.task_id, r.author, r.at, r.text) for r in rows]


def check_comment(text: Any) -> str:
    """The comment's text, stripped; InvalidInput if empty, too long or not plain text."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("the comment is empty", [{"field": "text", "message": "is required"}])
    clean = text.strip()
    if len(clean) > MAX_COMMENT:
        raise InvalidInput("the comment is too long",
                           [{"field": "text",
                             "message": f"must be at most {MAX_COMMENT} characters"}])
    if "\x00" in clean:
        raise InvalidInput("the comment holds a NUL character",
                           [{"field": "text", "message": "must be plain text"}])
    return clean


def add_comment(uow: UnitOfWork, row: HumanTask, author: str, text: str) -> CommentInfo:
    """Append a comment to a task (any state: a done task can still be discussed); audited
    ``task_comment_added`` with its id and length, never the text."""
    clean = check_comment(text)
    comment = TaskComment(task_id=row.id, case_id=row.case_id, author=author, at=uow.now,
                          text=clean)
    uow.session.add(comment)
    uow.session.flush()
    uow.record(COMMENT_ADDED, case_id=row.case_id, instance_id=row.instance_id,
               element_id=row.element_id, task_id=row.id, comment_id=comment.id,
               length=len(clean))
    return CommentInfo(comment.id, comment.task_id, comment.author, comment.at, comment.text)


# -- erasure -----------------------------------------------------------------------------------
def erase_task_work(session: Session, case_id: str) -> tuple[int, int]:
    """Delete a case's drafts and empty its comments' texts; returns (drafts, comments)."""
    drafts = int(getattr(session.execute(delete(TaskDraft).where(
        TaskDraft.case_id == case_id)), "rowcount", 0) or 0)
    texts = 0
    for comment in session.scalars(select(TaskComment).where(TaskComment.case_id == case_id,
                                                             TaskComment.text.is_not(None))):
        comment.text, texts = None, texts + 1
    return drafts, texts


def task_work_counts(session: Session, case_id: str) -> tuple[int, int]:
    """How many drafts and comments with text a case has (for the access report)."""
    drafts = session.scalar(select(func.count()).select_from(TaskDraft)
                            .where(TaskDraft.case_id == case_id)) or 0
    texts = session.scalar(select(func.count()).select_from(TaskComment).where(
        TaskComment.case_id == case_id, TaskComment.text.is_not(None))) or 0
    return int(drafts), int(texts)
