"""Finding cases: the case list's search (case number, BAMF-Aktenzeichen, name, date of birth)
and the duplicate warning of "Fall anlegen".

Names, birth dates and Aktenzeichen are encrypted, so they are found through the blind index
(:mod:`engine.people.blind_index`): a name by every word typed, as a whole word or its
beginning (``name_key``: ``Müller`` = ``Mueller``), as the matching of agency files compares
them; an Aktenzeichen or birth date as a whole. Everything is one SQL query; only the page
shown is decrypted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, false, func, select, union
from sqlalchemy.orm import Session

from engine.model import CaseHit, Page
from engine.people.access import summary, visible_to
from engine.people.blind_index import az_is, born_on, named_ids
from engine.people.names import compact, name_key
from engine.persistence.models import Case

#: a whole case number (``engine.execution.cases.create_case``), as ``compact`` writes it
CASE_NUMBER = re.compile(r"ST-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}")
NUMBER_PART = re.compile(r"[ST0-9A-F-]+")  # what a part of a case number can be


def _hit(case: Case, with_person: bool) -> CaseHit:
    person = case.person or {} if with_person else {}
    return CaseHit(summary(case), case.bamf_aktenzeichen if with_person else None,
                   person.get("family_name"), person.get("given_name"),
                   person.get("birth_date"))


def search_cases(session: Session, *, teams: Iterable[str] | None, text: str | None = None,
                 birth_date: str | None = None, stage: str | None = None,
                 by_person: bool = True, page: int = 1, per_page: int = 20) -> Page[CaseHit]:
    """Visible cases (``teams`` None: all), newest first, whose case number contains
    ``text``, or (``by_person``) whose Aktenzeichen is ``text`` or whose name has every word
    of it; and born on ``birth_date`` (ISO) if given. Without ``by_person``
    (administrators) names, birth dates and Aktenzeichen are neither searched nor returned."""
    stmt = select(Case)
    if teams is not None:
        stmt = stmt.where(visible_to(teams))
    if stage:
        stmt = stmt.where(Case.stage == stage)
    text = (text or "").strip()
    number = compact(text)
    if number:
        # one id list per way of matching, united: each is found through its own index
        # (an OR of them made PostgreSQL read every case of a Land); a whole case number is
        # looked up, a part of one searched in all numbers, a text with other characters
        # than a case number's (a name) is no case number
        arms: list[Select[str]] = []
        if CASE_NUMBER.fullmatch(number):
            arms.append(select(Case.id).where(Case.case_number == number))
        elif NUMBER_PART.fullmatch(number):
            arms.append(select(Case.id).where(
                Case.case_number.icontains(number, autoescape=True)))
        if by_person:
            arms.append(select(Case.id).where(az_is(session, [text])))
            by_name = named_ids(session, text)
            if by_name is not None:
                arms.append(by_name)
        stmt = stmt.where(Case.id.in_(union(*arms)) if arms else false())
    if birth_date and by_person:
        stmt = stmt.where(born_on(session, [birth_date]))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    shown = session.scalars(stmt.order_by(Case.created_at.desc(), Case.id)
                            .limit(per_page).offset((page - 1) * per_page))
    return Page([_hit(c, by_person) for c in shown], total, page, per_page)


def duplicate_cases(session: Session, person: dict[str, Any],
                    bamf_aktenzeichen: str | None) -> list[Case]:
    """Open or closed cases that may be the same person: the same Aktenzeichen, or the same
    name (``name_key``) and date of birth. Over all cases, whoever may see them."""
    family = name_key(str(person.get("family_name", "")))
    given = name_key(str(person.get("given_name", "")))
    born = str(person.get("birth_date", ""))
    az = compact(bamf_aktenzeichen)
    found = []
    same_az = az_is(session, [az])
    stmt = select(Case).where(same_az | born_on(session, [born])) \
        .order_by(Case.created_at, Case.id)
    for case in session.scalars(stmt):
        other = case.person or {}
        same_person = bool(family and born) and str(other.get("birth_date", "")) == born \
            and name_key(str(other.get("family_name", ""))) == family \
            and name_key(str(other.get("given_name", ""))) == given
        if (bool(az) and compact(case.bamf_aktenzeichen) == az) or same_person:
            found.append(case)
    return found


def hits(cases: list[Case], visible: set[str]) -> list[CaseHit]:
    """Cases as hits, with the person fields only for the ``visible`` case ids."""
    return [_hit(c, c.id in visible) for c in cases]
