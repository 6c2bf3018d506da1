"""``staffel.personal_data``: the personal-data duties of one case (docs/privacy.md): the read
log, the access report (Art. 15 GDPR) and the withdrawal of consent (Art. 7(3) GDPR).

Who may call what is the web layer's rule (``web.authz.may_see_person``); every method here
is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.law.lands import BERLIN
from engine.persistence.models import Case
from engine.privacy.access_report import AccessReport, build_access_report
from engine.privacy.consent import (
    ConsentInfo,
    consent_info,
    parse_withdrawal_day,
    registration_consent,
    withdraw,
    withdrawal_of,
)
from engine.privacy.reads import (
    DEFAULT_LIMIT,
    PersonReadInfo,
    ReadTarget,
    case_reads,
    record_reads,
)
from engine.services.context import EngineContext, storable


class PersonalDataService:
    """Read log, access report and consent withdrawal; one method, one transaction.

    ``retention_days``: how long a closed case's person data is kept (the retention setting
    of ``staffel.erasure``, handed in by the façade); None: read ``retention_days`` of the
    rules in force, else the report says no period is configured.
    """

    def __init__(self, ctx: EngineContext, retention_days: int | None = None) -> None:
        self.ctx = ctx
        self.retention_setting = retention_days

    def _case(self, session: Session, case_id: str) -> Case:
        case = session.get(Case, case_id) if storable(case_id, 32) else None
        if case is None:
            raise NotFound("no such case")
        return case

    def record_read(self, case_id: str | None, subject: str, channel: str,
                    actor: str) -> None:
        """Log that ``actor`` was shown a person's data (one row, its own short write).
        Raises what the database raises (Unavailable: 503): then the read is not served."""
        self.record_reads([ReadTarget(case_id, subject)], channel, actor)

    def record_reads(self, targets: Sequence[ReadTarget], channel: str, actor: str) -> int:
        """Log several reads of one answer (a list) in one INSERT; the number of rows."""
        if not targets:
            return 0
        with self.ctx.db.write() as session:
            return record_reads(session, self.ctx.time.now(session), actor, targets, channel)

    def reads(self, case_id: str, limit: int = DEFAULT_LIMIT) -> list[PersonReadInfo]:
        """Who read the case's personal data, newest first (NotFound for an unknown case)."""
        with self.ctx.db.read() as session:
            self._case(session, case_id)
            return case_reads(session, case_id, max(1, min(limit, 1000)))

    def _consent(self, session: Session, case_id: str) -> ConsentInfo:
        data = registration_consent(session, self.ctx.specs, self.ctx.runtime.script_engine,
                                    case_id)
        return consent_info(data, withdrawal_of(session, case_id))

    def consent(self, case_id: str) -> ConsentInfo:
        """The case's recorded consent and its withdrawal."""
        with self.ctx.db.read() as session:
            self._case(session, case_id)
            return self._consent(session, case_id)

    def withdraw_consent(self, case_id: str, withdrawn_on: date | str | None,
                         actor: str) -> ConsentInfo:
        """Record that the person withdrew the consent on ``withdrawn_on`` (None: today).

        422 (field ``withdrawn_on``) for a day that is no date, in the future (engine time)
        or before the consent (else the case's creation); 409 when the case records no
        consent or it was withdrawn already. Audited as ``consent_withdrawn`` (no values).
        """
        with self.ctx.unit(actor) as uow:
            case = self._case(uow.session, case_id)
            day = parse_withdrawal_day(withdrawn_on, uow.now.astimezone(BERLIN).date())
            withdraw(uow, case, self._consent(uow.session, case_id), day)
            uow.session.flush()
            return self._consent(uow.session, case_id)

    def retention_days(self, day: date) -> Any:
        """The storage period after a case is closed: the setting handed in, else
        ``retention_days`` of the rules in force on ``day``, else None (not configured)."""
        if self.retention_setting is not None:
            return self.retention_setting
        return getattr(self.ctx.rulebook.on(day), "retention_days", None)

    def access_report(self, case_id: str) -> AccessReport:
        """Everything Staffel holds about the person of the case (Art. 15 GDPR)."""
        with self.ctx.db.read() as session:
            case = self._case(session, case_id)
            now = self.ctx.time.now(session)
            return build_access_report(
                session, case, self._consent(session, case_id),
                self.retention_days(now.astimezone(BERLIN).date()), now)
