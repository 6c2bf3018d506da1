"""Plain data returned to callers of the façade (:mod:`engine.facade`); ORM rows never leak out."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from engine.errors import Problem

T = TypeVar("T")


@dataclass(frozen=True)
class ProcessVersionInfo:
    """One deployed version of a process."""

    id: int
    key: str
    version: int
    name: str
    file_name: str
    deployed_at: datetime
    deployed_by: str


@dataclass(frozen=True)
class DeployResult:
    """What a deployment did: every executable process with its (new or unchanged) version."""

    versions: list[ProcessVersionInfo]
    new_versions: list[ProcessVersionInfo]


@dataclass(frozen=True)
class DeadlineInfo:
    """A computed legal deadline of a case."""

    key: str
    date: date
    legal_basis: str
    land: str


@dataclass(frozen=True)
class TaskInfo:
    """A human task as the inbox shows it."""

    id: str
    case_id: str
    case_number: str
    instance_id: str
    process_key: str
    name: str
    title: str
    team: str
    form: str | None
    state: str
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    completed_at: datetime | None = None
    completed_by: str | None = None


@dataclass(frozen=True)
class HandoverInfo:
    """A warm handover of a case and its state."""

    key: str
    from_team: str
    to_team: str
    state: str
    legal_basis: str
    purpose: str
    consent: bool | None
    shared_fields: list[str]
    appointment_at: datetime | None
    proposed_at: datetime
    proposed_by: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    escalated_at: datetime | None
    id: int | None = None  # the handover's row id (package and invitation are fetched by it)


@dataclass(frozen=True)
class WaitInfo:
    """A message from outside the case waits for: since when, whose move, when it is
    followed up (the due time of the timer beside it at the same gateway), whether one is
    kept already."""

    message: str
    label: str
    element_id: str
    since: datetime | None
    expected_team: str | None
    watchdog_due: datetime | None
    buffered: bool = False


@dataclass(frozen=True)
class KeptMessage:
    """A message kept for the case until it waits for it (used then; expires otherwise)."""

    id: int
    message: str
    label: str
    received_at: datetime
    expires_at: datetime | None
    source: str
    received_by: str


@dataclass(frozen=True)
class CaseInfo:
    """A case with what the case view needs."""

    id: str
    case_number: str
    land: str
    entry: str
    stage: str
    benefit_system: str | None
    bamf_aktenzeichen: str | None
    #: None where the reader may not see it (``web.authz.may_see_person``)
    person: dict[str, Any] | None
    created_at: datetime
    closed_at: datetime | None
    status: str
    #: the key of the case's Verwaltungsgericht (``engine.law.courts.COURTS``)
    court: str | None = None
    deadlines: dict[str, DeadlineInfo] = field(default_factory=dict)
    open_tasks: list[TaskInfo] = field(default_factory=list)
    handovers: list[HandoverInfo] = field(default_factory=list)
    waiting_for: list[WaitInfo] = field(default_factory=list)
    buffered: list[KeptMessage] = field(default_factory=list)


@dataclass(frozen=True)
class PendingElement:
    """One place a running case is at: an open user task (``task``), a wait for a message
    (``message``; at an event-based gateway with its follow-up timer's ``due_at``) or for a
    timer (``timer``, with ``due_at``), or a call activity (``call``, running ``called``) or
    embedded subprocess (``subprocess``) on the way to one of them."""

    process_key: str
    element_id: str
    kind: str
    due_at: datetime | None = None
    called: str | None = None


@dataclass(frozen=True)
class CasePosition:
    """Where a case is, from the state of its process instances: what is pending, and the
    element ids already completed per process key (the path walked, in the order reached;
    only of the processes still running, and of the case's top process)."""

    pending: list[PendingElement] = field(default_factory=list)
    done: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with the total count."""

    items: list[T]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class AuditEntry:
    """One event of the audit trail."""

    seq: int
    at: datetime
    actor: str
    action: str
    case_id: str | None
    instance_id: str | None
    element_id: str | None
    details: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class AuditVerification:
    """Result of checking the audit hash chain."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class FireReport:
    """What one call of ``fire_due`` did."""

    fired: int
    failed: int
    released: int


@dataclass(frozen=True)
class CaseSummary:
    """A case as a list shows it: no personal data, no deadlines or tasks."""

    id: str
    case_number: str
    land: str
    entry: str
    stage: str
    benefit_system: str | None
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class CaseHit:
    """A case found by the search or the duplicate check. The person fields are filled only
    for members of teams that work on the case (``None`` otherwise)."""

    case: CaseSummary
    bamf_aktenzeichen: str | None
    family_name: str | None = None
    given_name: str | None = None
    birth_date: str | None = None


@dataclass(frozen=True)
class UserInfo:
    """A user as callers see it (never the password hash)."""

    username: str
    roles: frozenset[str]
    teams: frozenset[str]
    active: bool = True


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued API bearer token; the clear text exists only in this object."""

    token: str
    expires_at: datetime
    username: str


@dataclass(frozen=True)
class DraftStep:
    """One step of a test run: what was done, on which element, when, with which data."""

    number: int
    kind: str  # start | user_task | message | timer
    element_id: str | None
    name: str
    element_type: str | None
    process: str | None
    team: str | None
    at: datetime
    stage: str
    data: dict[str, Any]
    deadlines: list[str] = field(default_factory=list)  # keys computed in this step


@dataclass(frozen=True)
class DraftDeadline:
    """A deadline the synthetic case got (the last computation of each key)."""

    key: str
    date: str
    legal_basis: str
    land: str
    computed_at: datetime


@dataclass(frozen=True)
class DraftRunResult:
    """What a test run did; ``valid`` is False (and only ``problems`` set) for a bad draft."""

    valid: bool
    problems: list[Problem] = field(default_factory=list)
    steps: list[DraftStep] = field(default_factory=list)
    deadlines: list[DraftDeadline] = field(default_factory=list)
    path: dict[str, list[str]] = field(default_factory=dict)  # process -> elements walked
    waiting: dict[str, list[str]] = field(default_factory=dict)  # process -> elements open
    final_stage: str | None = None
    benefit_system: str | None = None
    completed: bool = False
    stop_reason: str = "invalid"  # completed | stuck | step_limit | error | invalid
    message: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (times as ISO strings)."""
        return json.loads(json.dumps(asdict(self), default=_iso))


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


@dataclass(frozen=True)
class Receipt:
    """What became of a message from outside.

    ``outcome``: ``delivered`` (the case waited and took it), ``buffered`` (kept for the case
    until it gets there, at most until ``expires_at``) or ``duplicate`` (the same
    ``message_id`` came before; nothing changed, ``state`` says what became of the first).
    """

    outcome: str
    case: CaseInfo
    message: str
    message_id: str | None
    state: str
    expires_at: datetime | None = None
