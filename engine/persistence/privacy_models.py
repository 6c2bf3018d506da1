"""Rows of the personal-data duties (issue 14; docs/privacy.md): the blind index of names,
who read which case's personal data, erasure requests (four eyes), consent withdrawals.

None of these rows holds a person's data in clear: name tokens are keyed hashes, the read log
and the requests name pseudonymous case ids and usernames.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.models import Base
from engine.persistence.types import UTCDateTime


class PersonNameToken(Base):
    """One blind-index token of a case's name: the keyed hash of a name word or of one of its
    prefixes (three letters or more), so that the search finds ``Özdem`` and ``Oezdemir``."""

    __tablename__ = "person_name_tokens"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), primary_key=True)

    # covering (token, case_id): the search reads the cases of a name from the index alone
    # (migration 0019; a Land has millions of tokens)
    __table_args__ = (Index("ix_person_name_tokens_token_case", "token", "case_id"),)


class PersonRead(Base):
    """Someone opened a person's data: the case page, the API, a handover package, an
    access report, a clarification or an original agency file."""

    __tablename__ = "person_reads"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    case_id: Mapped[str | None] = mapped_column(String(32))
    #: what was read: ``case``, ``task:<id>``, ``handover:<id>``, ``access_report``,
    #: ``clarification:<id>``, ``import_original:<id>``
    subject: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(10))  # page | api | cli

    __table_args__ = (Index("ix_person_reads_case_at", "case_id", "at"),
                      Index("ix_person_reads_actor_at", "actor", "at"))


class ErasureRequest(Base):
    """A request to erase one person's data before the retention period ends: asked by a
    supervisor of a team with work on the case, carried out when an administrator approves
    (four eyes; the two must be different people)."""

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(10))  # pending | approved | rejected
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(String(500))


class ConsentWithdrawal(Base):
    """The person withdrew the consent given at registration (Art. 7(3) GDPR), from a day on:
    handover packages generated on or after that day leave out what the consent covered."""

    __tablename__ = "consent_withdrawals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    withdrawn_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
