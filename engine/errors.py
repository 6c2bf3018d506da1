"""The errors the engine raises; every caller (web, CLI) maps them to a clear answer.

* :class:`InvalidInput` -> HTTP 422 / CLI exit 2, with field errors.
* :class:`NotFound` -> HTTP 404 (also for things the caller may not see).
* :class:`Forbidden` -> HTTP 403.
* :class:`Conflict` -> HTTP 409 (someone else got there first, task not ready).
* :class:`DeployError` -> HTTP 422 with one entry per problem (file, line, element).
* :class:`ScriptError` -> a diagram expression failed or was stopped at run time.
* :class:`Unavailable` -> HTTP 503 with ``Retry-After``: the database is busy, read-only or
  unreachable; nothing was changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class StaffelError(Exception):
    """Base class of every error the engine raises on purpose."""

    code = "error"

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: list[dict[str, Any]] = errors or []

    def to_dict(self) -> dict[str, Any]:
        """Return the one JSON error shape used by the API and the CLI."""
        return {"code": self.code, "message": self.message, "errors": self.errors}


class InvalidInput(StaffelError):
    """Bad input from a caller; ``errors`` names the fields and reasons."""

    code = "invalid_input"


class NotFound(StaffelError):
    """The thing does not exist, or the caller may not see it."""

    code = "not_found"


class Forbidden(StaffelError):
    """The caller's role does not allow this action."""

    code = "forbidden"


class Conflict(StaffelError):
    """Someone else changed the thing first, or it is not in a state that allows the action."""

    code = "conflict"


class MessageNotUsable(Conflict):
    """A message from outside that its case can never use: the case is closed, or none of its
    processes waits for a message of that name (409; an import makes it a Klärfall). The
    reason names the case's stage, in English and (``message_de``) in German."""

    code = "message_not_usable"

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None, *,
                 message_de: str) -> None:
        super().__init__(message, errors)
        self.message_de = message_de


class Unavailable(StaffelError):
    """The database cannot take the request now: locked by another writer beyond the bounded
    wait, read-only, out of disk or unreachable (503 with ``Retry-After``). Nothing was
    changed; the same request may simply be sent again after ``retry_after`` seconds.
    ``reason`` is ``busy``, ``read_only`` or ``unreachable``; ``message_de`` says it in German.
    """

    code = "unavailable"

    def __init__(self, message: str, *, reason: str, retry_after: int,
                 message_de: str) -> None:
        super().__init__(message, [{"field": "(database)", "message": reason}])
        self.reason = reason
        self.retry_after = retry_after
        self.message_de = message_de


class ScriptError(StaffelError):
    """A diagram expression or script failed, was rejected or ran out of time at run time."""

    code = "script_error"


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a deployment."""

    file: str
    message: str
    line: int | None = None
    element_id: str | None = None
    severity: str = "error"
    rule: str = field(default="")

    def to_dict(self) -> dict[str, Any]:
        """Return the problem as a JSON-ready dict."""
        return asdict(self)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.element_id:
            where += f" [{self.element_id}]"
        return f"{where}: {self.message}"


class DeployError(StaffelError):
    """A deployment was rejected; ``problems`` lists every problem found. Nothing was stored."""

    code = "deploy_error"

    def __init__(self, problems: list[Problem], message: str | None = None) -> None:
        self.problems = problems
        text = message or f"deployment rejected: {len(problems)} problem(s)"
        super().__init__(text, [p.to_dict() for p in problems])

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  {p}" for p in self.problems)])
