"""The blind index of a case's person (``engine.persistence.crypto``): keyed hashes of the
values the engine looks cases up by, since the values themselves are encrypted.

* ``cases.az_index``: the Aktenzeichen (``compact``: no blanks, upper case);
* ``cases.birth_index``: the date of birth (ISO);
* ``person_name_tokens``: every word of the name (``name_key``: ``Özdemir`` = ``Oezdemir``)
  and each of its prefixes of three letters or more, so ``Özdem`` finds ``Özdemir``.

Equal values give equal hashes; without the index key they say nothing. What the index
cannot do: find a name by a part in the middle of a word (``demir`` does not find
``Özdemir``) — the search is by whole words and their beginnings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.orm import Session

from engine.people.names import compact, name_key
from engine.persistence.crypto import KeyRing, session_ring
from engine.persistence.models import Case
from engine.persistence.privacy_models import PersonNameToken

MIN_PREFIX = 3


def az_token(ring: KeyRing, aktenzeichen: str | None) -> str | None:
    """The index hash of an Aktenzeichen (None for none)."""
    key = compact(aktenzeichen)
    return ring.blind("az", key) if key else None


def birth_token(ring: KeyRing, birth_date: Any) -> str | None:
    """The index hash of an ISO date of birth (None for none)."""
    text = str(birth_date or "").strip()
    return ring.blind("born", text) if text else None


def word_tokens(ring: KeyRing, word: str) -> set[str]:
    """The hashes of a name word and of its prefixes of three letters or more."""
    sizes = range(min(MIN_PREFIX, len(word)), len(word) + 1)
    return {ring.blind("name", word[:size]) for size in sizes if size}


def name_tokens(ring: KeyRing, person: dict[str, Any]) -> set[str]:
    """Every index hash of a person's names."""
    text = name_key(f"{person.get('family_name') or ''} {person.get('given_name') or ''}")
    return {token for word in text.split() for token in word_tokens(ring, word)}


def query_tokens(ring: KeyRing, text: str) -> list[str]:
    """One hash per word of a search text (the word as typed is a whole word or a prefix)."""
    return [ring.blind("name", word) for word in name_key(text).split()]


def index_case(session: Session, case: Case) -> None:
    """(Re)compute the blind index of a case from its current person and Aktenzeichen; an
    erased case keeps none."""
    ring = session_ring(session)
    person = case.person or {}
    case.az_index = az_token(ring, case.bamf_aktenzeichen)
    case.birth_index = birth_token(ring, person.get("birth_date"))
    session.flush()
    session.execute(delete(PersonNameToken).where(PersonNameToken.case_id == case.id))
    session.add_all(PersonNameToken(case_id=case.id, token=t)
                    for t in sorted(name_tokens(ring, person)))
    session.flush()


def az_is(session: Session, aktenzeichen: Iterable[str | None]) -> ColumnElement[bool]:
    """``Case.az_index`` is one of the hashes of ``aktenzeichen``."""
    ring = session_ring(session)
    tokens = {t for t in (az_token(ring, a) for a in aktenzeichen) if t}
    return Case.az_index.in_(sorted(tokens))


def born_on(session: Session, birth_dates: Iterable[str | None]) -> ColumnElement[bool]:
    """``Case.birth_index`` is one of the hashes of ``birth_dates``."""
    ring = session_ring(session)
    tokens = {t for t in (birth_token(ring, b) for b in birth_dates) if t}
    return Case.birth_index.in_(sorted(tokens))


def named_ids(session: Session, text: str) -> Select[str] | None:
    """The ids of the cases whose name has every word of ``text`` (as a word or its
    beginning); None if ``text`` has no word."""
    tokens = sorted(set(query_tokens(session_ring(session), text)))
    if not tokens:
        return None
    return (select(PersonNameToken.case_id)
            .where(PersonNameToken.token.in_(tokens))
            .group_by(PersonNameToken.case_id)
            .having(func.count(PersonNameToken.token) == len(tokens)))


def named(session: Session, text: str) -> ColumnElement[bool] | None:
    """Cases whose name has every word of ``text`` (as a word or its beginning); None if
    ``text`` has no word."""
    matching = named_ids(session, text)
    return None if matching is None else Case.id.in_(matching)
