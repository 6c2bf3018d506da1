"""Finding cases: the case list's search (case number, BAMF-Aktenzeichen, name, date of birth)
and the duplicate warning of "Fall anlegen".

Names are compared with :func:`engine.people.names.name_key` (``Müller`` = ``Mueller``), as the
matching of agency files does. Names live in the case's JSON person data, so a name or birth
date search reads the visible cases' person data in one streaming pass (no name index: no
extra copy of personal data); a number search is a plain SQL condition.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.model import CaseHit, Page
from engine.people.access import summary, visible_to
from engine.people.names import compact, name_key
from engine.persistence.models import Case

STREAM_CHUNK = 2000


def _hit(case: Case, with_person: bool) -> CaseHit:
    person = case.person or {} if with_person else {}
    return CaseHit(summary(case), case.bamf_aktenzeichen if with_person else None,
                   person.get("family_name"), person.get("given_name"),
                   person.get("birth_date"))


def _name_matches(words: list[str], person: dict[str, Any]) -> bool:
    full = name_key(f"{person.get('family_name', '')} {person.get('given_name', '')}")
    parts = full.split()
    return all(any(part.startswith(word) for part in parts) or word in full for word in words)


def search_cases(session: Session, *, teams: Iterable[str] | None, text: str | None = None,
                 birth_date: str | None = None, stage: str | None = None,
                 by_person: bool = True, page: int = 1, per_page: int = 20) -> Page[CaseHit]:
    """Visible cases (``teams`` None: all), newest first, whose case number contains
    ``text``, or (``by_person``) whose Aktenzeichen contains it or whose name contains every
    word of it; and born on ``birth_date`` (ISO) if given. Without ``by_person``
    (administrators) names, birth dates and Aktenzeichen are neither searched nor returned."""
    stmt = select(Case)
    if teams is not None:
        stmt = stmt.where(visible_to(teams))
    if stage:
        stmt = stmt.where(Case.stage == stage)
    text = (text or "").strip()
    words = name_key(text).split() if by_person else []
    number = compact(text)
    if not by_person:
        birth_date = None
        if number:
            stmt = stmt.where(Case.case_number.icontains(number, autoescape=True))
    matching: list[Case] = []
    rows = session.scalars(stmt.order_by(Case.created_at.desc(), Case.id)
                           .execution_options(yield_per=STREAM_CHUNK))
    for case in rows:
        person = case.person or {}
        if birth_date and str(person.get("birth_date", "")) != birth_date:
            continue
        if by_person and text and not (
                number in case.case_number.upper()
                or number in compact(case.bamf_aktenzeichen)
                or (words and _name_matches(words, person))):
            continue
        matching.append(case)
    shown = matching[(page - 1) * per_page: page * per_page]
    return Page([_hit(c, by_person) for c in shown], len(matching), page, per_page)


def duplicate_cases(session: Session, person: dict[str, Any],
                    bamf_aktenzeichen: str | None) -> list[Case]:
    """Open or closed cases that may be the same person: the same Aktenzeichen, or the same
    name (``name_key``) and date of birth. Over all cases, whoever may see them."""
    family = name_key(str(person.get("family_name", "")))
    given = name_key(str(person.get("given_name", "")))
    born = str(person.get("birth_date", ""))
    az = compact(bamf_aktenzeichen)
    found = []
    stmt = select(Case).order_by(Case.created_at, Case.id).execution_options(
        yield_per=STREAM_CHUNK)
    for case in session.scalars(stmt):
        other = case.person or {}
        same_az = bool(az) and compact(case.bamf_aktenzeichen) == az
        same_person = bool(family and born) and str(other.get("birth_date", "")) == born \
            and name_key(str(other.get("family_name", ""))) == family \
            and name_key(str(other.get("given_name", ""))) == given
        if same_az or same_person:
            found.append(case)
    return found


def hits(cases: list[Case], visible: set[str]) -> list[CaseHit]:
    """Cases as hits, with the person fields only for the ``visible`` case ids."""
    return [_hit(c, c.id in visible) for c in cases]
