"""What the import modules hand each other: parsed rows, the rejection error, the kinds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import InvalidInput

KINDS = ("permits", "decisions", "courses")
CLARIFICATION_TEAM = "eingangszone"
MAX_IMPORT_BYTES = 50 * 1024 * 1024

# outcomes of a line
CORRELATED, CLARIFICATION, INVALID, DUPLICATE = "correlated", "clarification", "invalid", \
    "duplicate"
OUTCOMES = (CORRELATED, CLARIFICATION, INVALID, DUPLICATE)


class ImportRejected(InvalidInput):
    """The file is not a valid list at all (wrong header, not CSV, not valid against the XSD,
    a DTD or entity declaration): nothing of it was stored. ``errors`` name line and reason."""

    code = "import_rejected"

    def __init__(self, file_name: str, message: str, line: int | None = None) -> None:
        entry: dict[str, Any] = {"field": "file", "message": message}
        if line is not None:
            entry["line"] = line
        super().__init__(f"{file_name}: file rejected: {message}", [entry])
        self.reason = message
        self.line = line


@dataclass(frozen=True)
class RowError:
    """Why a line is invalid: the column, a reason code and an English detail."""

    field: str
    reason: str
    detail: str


@dataclass
class ParsedRow:
    """One line of a file, checked and normalised (or with the error that makes it invalid)."""

    line: int
    message: str = ""
    aktenzeichen: str = ""
    family_name: str = ""
    given_name: str = ""
    birth_date: str = ""  # ISO
    payload: dict[str, Any] = field(default_factory=dict)
    error: RowError | None = None
    # §25(2) given without "Alt. 1/2": the case's stage decides (S3b -> Alt. 1, S3c -> Alt. 2)
    needs_alternative: bool = False

    def person_fields(self) -> dict[str, str]:
        """The fields a caseworker needs to find the case (and nothing else)."""
        return {"aktenzeichen": self.aktenzeichen, "family_name": self.family_name,
                "given_name": self.given_name, "birth_date": self.birth_date}


@dataclass
class ParsedFile:
    """A whole file, read: its format, encoding, separator and rows."""

    file_format: str  # csv | xml
    encoding: str
    separator: str | None
    rows: list[ParsedRow]
