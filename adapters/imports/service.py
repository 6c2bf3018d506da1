"""Taking a file in: read it whole (or reject it whole), then each line once.

* The same file again (same kind and sha256) changes nothing: the earlier report comes back
  with ``already_imported``. A file whose import was interrupted is resumed instead.
* A line whose normalised content was taken before (any file) is a ``duplicate``.
* A matched line is delivered with :meth:`Staffel.messages.correlate` in its own transaction; its
  import row is written inside that transaction (the ``then`` hook), so the delivery and
  the bookkeeping commit together or not at all. A failing line never affects the others.
* Lines without a case (none, several, not waiting) become clarifications for the
  Eingangszone; invalid lines are reported with line number, column and reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.imports import courses, decisions, permits, report
from adapters.imports.matching import CaseIndex, CaseRef, Match
from adapters.imports.model import (
    CLARIFICATION,
    DUPLICATE,
    INVALID,
    KINDS,
    ImportRejected,
    ParsedFile,
    ParsedRow,
)
from adapters.imports.normalise import fingerprint
from engine import (
    Conflict,
    InvalidInput,
    MessageNotUsable,
    NotFound,
    ScriptError,
    Staffel,
    complete_alternative,
)

BATCH = 1000
Progress = Callable[[int, int], None]  # (lines done, lines in total)


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the file's id, its report, and whether it was imported before."""

    file_id: int
    report: dict[str, Any]
    already_imported: bool = False


def parse(kind: str, data: bytes, file_name: str, engine: Staffel) -> ParsedFile:
    """Read a file of ``kind``; :class:`ImportRejected` if it is not a valid list at all."""
    if kind == "permits":
        return permits.parse(data, file_name)
    if kind == "decisions":
        return decisions.parse(data, file_name)
    return courses.parse(data, file_name, engine.rules)


class Importer:
    """Imports one file; used by the CLI, the upload page and the benchmark."""

    def __init__(self, engine: Staffel) -> None:
        self.engine = engine

    def import_file(self, kind: str, file_name: str, data: bytes, actor: str,
                    progress: Progress | None = None) -> ImportResult:
        """Import a file of ``kind`` (permits, decisions, courses) as ``actor``."""
        if kind not in KINDS:
            raise InvalidInput(f"unknown import kind {kind!r}",
                               [{"field": "kind", "message": f"must be one of {', '.join(KINDS)}"}])
        file_name = (file_name or "upload").replace("\\", "/").rsplit("/", 1)[-1][:255]
        digest = hashlib.sha256(data).hexdigest()
        parsed: ParsedFile | None = None
        # Two tries: a concurrent upload of the same file may store it between our look-up
        # and our insert; the second look-up then finds it (done, or to be resumed).
        for _attempt in range(2):
            earlier = self.engine.imports.find_file(kind, digest)
            if earlier is not None and earlier.status == "done":
                return ImportResult(earlier.id, dict(earlier.report), already_imported=True)
            if parsed is None:
                parsed = parse(kind, data, file_name, self.engine)
            file_id = earlier.id if earlier is not None else self.engine.imports.create_file(
                kind, file_name, data, digest, file_format=parsed.file_format,
                encoding=parsed.encoding, separator=parsed.separator, rows=len(parsed.rows),
                actor=actor)
            if file_id is not None:
                _Run(self, kind, file_id, parsed, actor, progress).run()
                return ImportResult(file_id, self.finish(file_id, actor))
        raise Conflict("the same file is being imported at this moment; try again")

    def finish(self, file_id: int, actor: str) -> dict[str, Any]:
        """Count the outcomes, store the report and mark the file done."""
        return self.engine.imports.finish(file_id, actor, report.summary,
                                          report.STORED_PROBLEMS)


class _Run:
    """One pass over the lines of a file."""

    def __init__(self, importer: Importer, kind: str, file_id: int, parsed: ParsedFile,
                 actor: str, progress: Progress | None) -> None:
        self.engine = importer.engine
        self.kind, self.file_id, self.parsed, self.actor = kind, file_id, parsed, actor
        self.progress = progress
        self.rows: list[dict[str, Any]] = []
        self.clarifications: dict[int, dict[str, Any]] = {}

    def run(self) -> None:
        rows = self.parsed.rows
        fingerprints = {r.line: fingerprint(r, self.kind) for r in rows if r.error is None}
        done = self.engine.imports.done_lines(self.file_id)
        known = self.engine.imports.known_fingerprints(self.kind, fingerprints.values())
        index = CaseIndex.load(self.engine, (r for r in rows if r.error is None))
        first_line: dict[str, int] = {}
        for n, row in enumerate(rows, 1):
            fp = fingerprints.get(row.line)
            if row.line not in done:
                self._line(row, fp, known, first_line, index)
            if fp is not None:
                first_line.setdefault(fp, row.line)
            if len(self.rows) >= BATCH:
                self._flush()
            if self.progress is not None:
                self.progress(n, len(rows))
        self._flush()

    def _line(self, row: ParsedRow, fp: str | None, known: dict[str, tuple[int, int, int]],
              first_line: dict[str, int], index: CaseIndex) -> None:
        if row.error is not None:
            self._book(row, INVALID, reason=row.error.reason, field=row.error.field,
                       detail=row.error.detail)
            return
        if fp is None:  # only invalid rows have no fingerprint, and those returned above
            return
        if fp in known or fp in first_line:
            self._duplicate(row, fp, known, first_line)
            return
        match = index.match(row)
        if match.case is None:
            self._clarify(row, fp, match)
            return
        payload = self._payload(row, match.case)
        if payload is None:
            self._clarify(row, fp, Match(None, "paragraph_alternative", [match.case.id]))
            return
        self._correlate(row, fp, match.case, payload)

    @staticmethod
    def _payload(row: ParsedRow, case: CaseRef) -> dict[str, Any] | None:
        if not row.needs_alternative:
            return row.payload
        return complete_alternative(row.payload, case.stage)

    def _duplicate(self, row: ParsedRow, fp: str, known: dict[str, tuple[int, int, int]],
                   first_line: dict[str, int]) -> None:
        if fp in first_line:
            self._book(row, DUPLICATE, reason="duplicate_in_file",
                       detail=f"same as line {first_line[fp]}")
            return
        row_id, file_id, line = known[fp]
        self._book(row, DUPLICATE, reason="already_imported", duplicate_of=row_id,
                   detail=f"taken before by import {file_id}, line {line}")

    def _clarify(self, row: ParsedRow, fp: str, match: Match, detail: str | None = None) -> None:
        self._book(row, CLARIFICATION, fingerprint=fp, reason=match.reason or "no_match",
                   detail=detail, case_id=match.candidates[0] if len(match.candidates) == 1
                   else None)
        self.clarifications[row.line] = {
            "reason": match.reason or "no_match", "fields": row.person_fields(),
            "message_name": row.message, "payload": row.payload,
            "candidates": match.candidates}

    def _correlate(self, row: ParsedRow, fp: str, case: CaseRef,
                   payload: dict[str, Any]) -> None:
        for attempt in (1, 2):
            try:
                self.engine.imports.deliver_row(self.file_id, self.kind, row.line, fp,
                                                row.message, payload, case.id, self.actor)
                return
            except (MessageNotUsable, NotFound) as err:  # closed, or never waits for it
                self._clarify(row, fp, Match(None, "not_usable", [case.id]), err.message)
                return
            except InvalidInput as err:
                self._book(row, INVALID, reason="rejected_by_process", field="payload",
                           detail=_detail(err))
                return
            except ScriptError as err:
                self._clarify(row, fp, Match(None, "process_error", [case.id]), err.message)
                return
            except Conflict as err:
                taken = self.engine.imports.known_fingerprints(self.kind, [fp])
                if fp in taken:
                    self._duplicate(row, fp, taken, {})
                    return
                if attempt == 2:
                    self._clarify(row, fp, Match(None, "conflict", [case.id]), err.message)

    def _book(self, row: ParsedRow, outcome: str, *, fingerprint: str | None = None,
              reason: str | None = None, field: str | None = None, detail: str | None = None,
              case_id: str | None = None, duplicate_of: int | None = None) -> None:
        self.rows.append({"file_id": self.file_id, "kind": self.kind, "line": row.line,
                          "fingerprint": fingerprint, "outcome": outcome, "case_id": case_id,
                          "message_name": row.message or None, "reason": reason,
                          "field": field, "detail": (detail or "")[:500] or None,
                          "duplicate_of": duplicate_of})

    def _flush(self) -> None:
        if not self.rows:
            return
        rows, clarifications = self.rows, self.clarifications
        self.rows, self.clarifications = [], {}
        try:
            self.engine.imports.write_rows(rows, clarifications, self.actor)
        except Conflict:  # a concurrent import took one of these rows: write one by one
            for row in rows:
                self._write_one(row, clarifications)

    def _write_one(self, row: dict[str, Any], clarifications: dict[int, dict[str, Any]]) -> None:
        try:
            self.engine.imports.write_rows([row], clarifications, self.actor)
        except Conflict:
            self.engine.imports.write_rows([{**row, "fingerprint": None, "outcome": DUPLICATE,
                                             "reason": "already_imported",
                                             "detail": "taken by a concurrent import"}], {},
                                           self.actor)


def _detail(err: InvalidInput) -> str:
    fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in err.errors[:3])
    return f"{err.message} ({fields})" if fields else err.message


__all__ = ["ImportRejected", "ImportResult", "Importer", "parse"]
