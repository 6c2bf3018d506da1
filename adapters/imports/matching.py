"""Finding the case of a row: by Aktenzeichen first (the BAMF Aktenzeichen of the case, or
Staffel's case number), then by family name + given name + date of birth.

Names compare case-insensitively, Unicode-normalised and umlaut-tolerant (``Müller`` =
``Mueller``). The index is built in one pass over the cases, keeping only those whose
Aktenzeichen or date of birth occurs in the file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from adapters.imports.model import ParsedRow
from adapters.imports.normalise import name_key
from engine import CaseCandidate, Staffel

NO_MATCH, AMBIGUOUS, MISMATCH = "no_match", "ambiguous", "az_person_mismatch"


@dataclass(frozen=True)
class CaseRef:
    """What matching needs of a case."""

    id: str
    case_number: str
    aktenzeichen: str
    person_key: tuple[str, str, str]  # family, given, birth date
    stage: str


@dataclass
class Match:
    """The case found for a row, or why none was (with the candidate case ids)."""

    case: CaseRef | None
    reason: str | None = None
    candidates: list[str] = field(default_factory=list)


def person_key(family: str, given: str, birth_date: str) -> tuple[str, str, str]:
    """The comparison key of a person."""
    return name_key(family), name_key(given), birth_date


def _az(value: str | None) -> str:
    return "".join((value or "").split()).upper()


class CaseIndex:
    """Cases by Aktenzeichen / case number and by person key."""

    def __init__(self) -> None:
        self.by_az: dict[str, list[CaseRef]] = defaultdict(list)
        self.by_person: dict[tuple[str, str, str], list[CaseRef]] = defaultdict(list)

    @classmethod
    def load(cls, engine: Staffel, rows: Iterable[ParsedRow]) -> CaseIndex:
        """Build the index for the rows of one file from the cases they may belong to."""
        index = cls()
        rows = list(rows)
        azs = {_az(r.aktenzeichen) for r in rows if r.aktenzeichen}
        births = {r.birth_date for r in rows if r.birth_date}
        for case in engine.imports.case_candidates(azs, births):
            index.add(_ref(case))
        return index

    def add(self, ref: CaseRef) -> None:
        """Put one case into the index."""
        if ref.aktenzeichen:
            self.by_az[_az(ref.aktenzeichen)].append(ref)
        self.by_az[ref.case_number.upper()].append(ref)
        self.by_person[ref.person_key].append(ref)

    def match(self, row: ParsedRow) -> Match:
        """Aktenzeichen first (checked against the date of birth), then name + birth date."""
        key = person_key(row.family_name, row.given_name, row.birth_date)
        if row.aktenzeichen:
            hits = self.by_az.get(_az(row.aktenzeichen), [])
            if len(hits) > 1:
                narrowed = [c for c in hits if c.person_key == key]
                if len(narrowed) == 1:
                    return Match(narrowed[0])
                return Match(None, AMBIGUOUS, [c.id for c in hits])
            if len(hits) == 1:
                case = hits[0]
                if case.person_key[2] and case.person_key[2] != row.birth_date:
                    return Match(None, MISMATCH, [case.id])
                return Match(case)
        hits = self.by_person.get(key, [])
        if len(hits) == 1:
            return Match(hits[0])
        if not hits:
            return Match(None, NO_MATCH, [])
        return Match(None, AMBIGUOUS, [c.id for c in hits])


def _ref(case: CaseCandidate) -> CaseRef:
    return CaseRef(case.id, case.case_number, case.bamf_aktenzeichen,
                   person_key(case.family_name, case.given_name, case.birth_date), case.stage)
