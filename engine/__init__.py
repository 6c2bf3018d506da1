"""Staffel engine: durable, safe BPMN execution for the refugee legal-status lifecycle.

This module is the engine's one public surface. ``web/`` and ``adapters/`` import only from
here (``from engine import Staffel, NotFound, ...``), never a module inside the engine:
``tests/test_import_rules.py`` enforces it. What is here:

* the façade :class:`Staffel` and its services (``staffel.cases``, ``staffel.tasks``, ...);
* the plain data it returns (ORM rows never leave the engine) and :class:`TaskQuery`;
* the errors of :mod:`engine.errors` (422, 404, 403, 409 in HTTP terms);
* the ports adapters implement (:class:`Notifier`);
* the few constants and helpers pages and adapters need: teams, Länder, the Berlin time zone,
  permit paragraphs, limits, and the hardened XML parser for agency files.

The rooms behind it (``law/``, ``execution/``, ``definitions/``, ``supervision/``,
``people/``, ``imports/``, ``persistence/``, ``services/``) are described in
``docs/architecture.md``.
"""

from engine.definitions.decisions import DecisionFileInfo
from engine.definitions.drafts import DraftInfo
from engine.definitions.form_messages import TEMPLATES as FORM_MESSAGE_TEXTS
from engine.definitions.form_messages import template_key as form_message_key
from engine.definitions.form_rules import conditions as form_conditions
from engine.definitions.form_rules import page_rules as form_page_rules
from engine.definitions.outline import ProcessOutline
from engine.definitions.xmlsafe import MAX_DOCUMENT_BYTES, parse_document, source_line
from engine.errors import (
    Conflict,
    DeployError,
    Forbidden,
    InvalidInput,
    MessageNotUsable,
    NotFound,
    Problem,
    ScriptError,
    StaffelError,
    Unavailable,
)
from engine.execution.cases import ENTRIES
from engine.execution.clock import Clock, SimulatedClock, SystemClock
from engine.execution.events import EngineEvent, EventObserver
from engine.execution.scheduler import TimerScheduler
from engine.execution.task_work import MAX_COMMENT, CommentInfo
from engine.execution.tasks import TASK_SORTS, TaskQuery, due_window
from engine.facade import Staffel
from engine.imports.records import CaseCandidate, ClarificationInfo, FileInfo, RowInfo
from engine.law.courts import COURTS, DEFAULT_COURTS, Court
from engine.law.lands import BERLIN, LANDS
from engine.law.permits import (
    AMBIGUOUS_PARAGRAPH,
    PERMIT_MESSAGE,
    PERMIT_PARAGRAPHS,
    complete_alternative,
)
from engine.law.rules import DEFAULT_RULES, LegalRules
from engine.law.settings import RuleBook, RuleChange, RulesFileError, load_rules, rule_docs
from engine.law.teams import DYNAMIC_LANES, TEAM_KEYS, TEAMS, Team, get_team
from engine.model import (
    AuditEntry,
    AuditVerification,
    CaseHit,
    CaseInfo,
    CasePosition,
    CaseSummary,
    DeadlineInfo,
    DeployResult,
    DraftRunResult,
    FireReport,
    HandoverInfo,
    IssuedToken,
    KeptMessage,
    Page,
    PendingElement,
    ProcessVersionInfo,
    Receipt,
    TaskInfo,
    UserInfo,
    WaitInfo,
)
from engine.people.accounts import RESET_LINK_TTL, ResetLink, UserOverview
from engine.people.names import name_key
from engine.people.saved_filters import MAX_SAVED_FILTERS, SavedFilterInfo
from engine.people.users import ROLES as USER_ROLES
from engine.persistence.crypto import KeyRing, KeysError, key_file_of, read_key_file, write_key_file
from engine.persistence.readiness import DatabaseState
from engine.ports import DeliveryError, Notification, Notifier
from engine.privacy.access_report import AccessReport, Recipient, RetentionInfo
from engine.privacy.consent import ConsentInfo
from engine.privacy.erasure_model import (
    DEFAULT_IMPORT_ORIGINAL_DAYS,
    DEFAULT_RETENTION_DAYS,
    ErasureCounts,
    ErasureRequestInfo,
    RetentionCase,
    RetentionFile,
    RetentionPeriods,
    RetentionReport,
)
from engine.privacy.keys import KeyReport, TableKeys
from engine.privacy.reads import PersonReadInfo, ReadTarget
from engine.services.cases import DEFAULT_PROCESS
from engine.services.health import SchedulerBeatInfo, SystemHealth, TimerHealth
from engine.services.testruns import DEFAULT_OUTCOME, DEFAULT_STEPS, MAIN_PROCESS, MAX_STEPS
from engine.supervision.dashboard import berlin_day
from engine.supervision.dashboard_model import (
    BUCKETS,
    WAIT_BUCKETS,
    DashboardSummary,
    HeatCell,
    OverdueTask,
    WaitGroup,
    WaitingCase,
)
from engine.supervision.missed_steps import MissedStep, missed_steps
from engine.supervision.outbound import HandoverRecord
from engine.supervision.reminders import ReminderReport
from engine.supervision.stalled import StalledCase
from engine.supervision.statistics import MAX_WEEKS, StatisticsReport, check_weeks

__all__ = [
    "AMBIGUOUS_PARAGRAPH",
    "BERLIN",
    "BUCKETS",
    "COURTS",
    "DEFAULT_COURTS",
    "DEFAULT_IMPORT_ORIGINAL_DAYS",
    "DEFAULT_OUTCOME",
    "DEFAULT_PROCESS",
    "DEFAULT_RETENTION_DAYS",
    "DEFAULT_RULES",
    "DEFAULT_STEPS",
    "DYNAMIC_LANES",
    "ENTRIES",
    "FORM_MESSAGE_TEXTS",
    "LANDS",
    "MAIN_PROCESS",
    "MAX_COMMENT",
    "MAX_DOCUMENT_BYTES",
    "MAX_SAVED_FILTERS",
    "MAX_STEPS",
    "MAX_WEEKS",
    "PERMIT_MESSAGE",
    "PERMIT_PARAGRAPHS",
    "RESET_LINK_TTL",
    "TASK_SORTS",
    "TEAMS",
    "TEAM_KEYS",
    "USER_ROLES",
    "WAIT_BUCKETS",
    "AccessReport",
    "AuditEntry",
    "AuditVerification",
    "CaseCandidate",
    "CaseHit",
    "CaseInfo",
    "CasePosition",
    "CaseSummary",
    "ClarificationInfo",
    "Clock",
    "CommentInfo",
    "Conflict",
    "ConsentInfo",
    "Court",
    "DashboardSummary",
    "DatabaseState",
    "DeadlineInfo",
    "DecisionFileInfo",
    "DeliveryError",
    "DeployError",
    "DeployResult",
    "DraftInfo",
    "DraftRunResult",
    "EngineEvent",
    "ErasureCounts",
    "ErasureRequestInfo",
    "EventObserver",
    "FileInfo",
    "FireReport",
    "Forbidden",
    "HandoverInfo",
    "HandoverRecord",
    "HeatCell",
    "InvalidInput",
    "IssuedToken",
    "KeptMessage",
    "KeyReport",
    "KeyRing",
    "KeysError",
    "LegalRules",
    "MessageNotUsable",
    "MissedStep",
    "NotFound",
    "Notification",
    "Notifier",
    "OverdueTask",
    "Page",
    "PendingElement",
    "PersonReadInfo",
    "Problem",
    "ProcessOutline",
    "ProcessVersionInfo",
    "ReadTarget",
    "Receipt",
    "Recipient",
    "ReminderReport",
    "ResetLink",
    "RetentionCase",
    "RetentionFile",
    "RetentionInfo",
    "RetentionPeriods",
    "RetentionReport",
    "RowInfo",
    "RuleBook",
    "RuleChange",
    "RulesFileError",
    "SavedFilterInfo",
    "SchedulerBeatInfo",
    "ScriptError",
    "SimulatedClock",
    "Staffel",
    "StaffelError",
    "StalledCase",
    "StatisticsReport",
    "SystemClock",
    "SystemHealth",
    "TableKeys",
    "TaskInfo",
    "TaskQuery",
    "Team",
    "TimerHealth",
    "TimerScheduler",
    "Unavailable",
    "UserInfo",
    "UserOverview",
    "WaitGroup",
    "WaitInfo",
    "WaitingCase",
    "berlin_day",
    "check_weeks",
    "complete_alternative",
    "due_window",
    "form_conditions",
    "form_message_key",
    "form_page_rules",
    "get_team",
    "key_file_of",
    "load_rules",
    "missed_steps",
    "name_key",
    "parse_document",
    "read_key_file",
    "rule_docs",
    "source_line",
    "write_key_file",
]
