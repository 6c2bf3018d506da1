"""What the retention and erasure service gives back (no personal data in any of it: case
numbers, counts, usernames, the reason a supervisor gave)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.errors import InvalidInput

#: cases: three years after the case ended (SGB X §84(2): erase when no longer needed; the
#: three years of the general limitation period, §195 BGB / §45 SGB I, for claims and appeals
#: about the benefits the case carried) — a local decision each operator sets for itself
DEFAULT_RETENTION_DAYS = 3 * 365
#: original agency files: 90 days after upload (the report, rows and clarifications keep what
#: was done with every line; the original is only needed to check a disputed import)
DEFAULT_IMPORT_ORIGINAL_DAYS = 90
MAX_DAYS = 100 * 365
REASON_LENGTH = 500


@dataclass(frozen=True)
class RetentionPeriods:
    """How long a closed case's person data and an uploaded agency file's original are kept."""

    case_days: int = DEFAULT_RETENTION_DAYS
    import_original_days: int = DEFAULT_IMPORT_ORIGINAL_DAYS

    def __post_init__(self) -> None:
        for name in ("case_days", "import_original_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
                raise InvalidInput(f"{name} must be a whole number of days from 0 to {MAX_DAYS}",
                                   [{"field": name, "message": f"0 to {MAX_DAYS} days"}])

    @classmethod
    def parse(cls, case_days: object = None, import_original_days: object = None
              ) -> RetentionPeriods:
        """Periods from settings text (environment, app config, CLI); None: the default."""
        values: dict[str, int] = {}
        for name, raw in (("case_days", case_days),
                          ("import_original_days", import_original_days)):
            if raw is None or raw == "":
                continue
            try:
                values[name] = int(str(raw).strip())
            except ValueError:
                raise InvalidInput(f"{name} is not a number of days: {str(raw)[:40]!r}",
                                   [{"field": name, "message": "a whole number of days"}]
                                   ) from None
        return cls(**values)


@dataclass(frozen=True)
class ErasureCounts:
    """What one erasure removed, counted (the audit event ``person_erased`` holds these)."""

    person_fields: int = 0
    aktenzeichen: int = 0
    name_tokens: int = 0
    instances: int = 0
    process_values: int = 0
    messages: int = 0
    import_originals: int = 0
    task_drafts: int = 0
    comment_texts: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts by name."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class RetentionCase:
    """A case whose retention period is over (or that was erased by this run)."""

    case_id: str
    case_number: str
    ended_at: datetime
    instances: int
    messages: int
    #: None: would be / was erased; else why it is left (``running``: a process still runs)
    skipped: str | None = None
    counts: ErasureCounts | None = None


@dataclass(frozen=True)
class RetentionFile:
    """An agency file whose original is (to be) emptied."""

    file_id: int
    kind: str
    uploaded_at: datetime


@dataclass(frozen=True)
class RetentionReport:
    """A retention run (or its dry run): the cutoffs, the cases and files it concerns."""

    now: datetime
    dry_run: bool
    periods: RetentionPeriods
    cases_before: datetime
    files_before: datetime
    cases: list[RetentionCase] = field(default_factory=list)
    files: list[RetentionFile] = field(default_factory=list)

    @property
    def erased(self) -> int:
        """How many cases were (or would be) erased."""
        return sum(1 for c in self.cases if c.skipped is None)


@dataclass(frozen=True)
class ErasureRequestInfo:
    """An erasure request: pseudonymous case number, reason, who asked, who decided."""

    id: int
    case_id: str
    case_number: str
    reason: str
    state: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    counts: ErasureCounts | None = None
