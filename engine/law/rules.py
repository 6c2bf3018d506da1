"""Every legal parameter of the lifecycle in one place.

German law changes often (EU asylum reform from June 2026, SGB II reform pending), so no
number or rule of ``/work/shared/domain/LIFECYCLE.md`` section 3 is written anywhere else:
code and diagrams read it from a :class:`LegalRules` instance, normally :data:`DEFAULT_RULES`.
A deployment that needs other values builds its own with :meth:`LegalRules.with_overrides`.

The instance is frozen: rules are values, never mutated at run time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from engine.errors import InvalidInput
from engine.law.lands import LANDS

#: Allowed values of :attr:`LegalRules.asylblg_end_rule`.
AsylblgEndRule = Literal["month_lawsuit_deadline", "month_final", "month_served"]
ASYLBLG_END_RULES: frozenset[str] = frozenset(
    {"month_lawsuit_deadline", "month_final", "month_served"}
)

#: Allowed values of :attr:`LegalRules.posting_fiction_weekend`.
PostingFictionWeekend = Literal["next_working_day", "strict"]
POSTING_FICTION_READINGS: frozenset[str] = frozenset({"next_working_day", "strict"})


@dataclass(frozen=True)
class LegalRules:
    """The legal parameters of the refugee lifecycle (defaults = law as of 2025)."""

    # --- notification and remedies -----------------------------------------------------------
    deemed_notification_days: int = 4
    """§37(2) SGB X, §41(2) VwVfG, §4(2) VwZG: a posted letter counts as notified on this day
    after posting (letters posted on or after :attr:`deemed_notification_cutover`)."""

    deemed_notification_days_before_cutover: int = 3
    """The same fiction for letters posted before :attr:`deemed_notification_cutover`."""

    deemed_notification_cutover: date = date(2025, 1, 1)
    """First posting day of the 4-day rule (Postrechtsmodernisierungsgesetz, in force 2025)."""

    posting_fiction_weekend: PostingFictionWeekend = "next_working_day"
    """A deemed notification day on a Saturday, Sunday or holiday (contested):
    ``"next_working_day"`` moves it to the next working day (BSG line, §26(3) SGB X applied;
    the default); ``"strict"`` keeps the day itself (wording of §41(2) VwVfG, §4(2) VwZG), which
    gives an earlier lawsuit deadline. The chosen reading drives service, the lawsuit deadline
    and finality; the other one's earlier lawsuit deadline is recorded beside it as
    ``lawsuit_deadline_earliest`` ("frühestes mögliches Fristende")."""

    lawsuit_weeks: int = 2
    """§74(1) 1st half-sentence AsylG: lawsuit against a BAMF decision, weeks after service."""

    lawsuit_weeks_short: int = 1
    """§74(1) 2nd half-sentence AsylG: §36 cases (manifestly unfounded / inadmissible) and
    Dublin cases (§34a(2) AsylG)."""

    objection_months: int = 1
    """§84(1) SGG: objection (Widerspruch) against an SGB II / AsylbLG decision."""

    # --- residence law -------------------------------------------------------------------------
    permit_renewal_weeks_before: int = 10
    """§81(4) AufenthG: internal reminder to apply for renewal, weeks before expiry."""

    wohnsitzauflage_years: int = 3
    """§12a(1) AufenthG: residence obligation, years from recognition / first permit."""

    course_entitlement_years: int = 1
    """§44(2) AufenthG: the integration course entitlement lapses this long after the permit."""

    duldung_review_months: int = 18
    """§25(5) AufenthG, §1(1) Nr. 3c AsylbLG: ABH review after this many months of Duldung."""

    exit_deadline_days: int = 30
    """§38(1) AsylG: exit deadline after a (simple) rejection."""

    exit_deadline_days_short: int = 7
    """§36(1) AsylG: exit deadline in manifestly unfounded / inadmissible cases."""

    # --- benefits ------------------------------------------------------------------------------
    asylblg_end_rule: AsylblgEndRule = "month_lawsuit_deadline"
    """§1(3) Nr. 1 AsylbLG with §67(1) Nr. 6 AsylG for refugee status / subsidiary protection:
    ``"month_lawsuit_deadline"`` (default, LIFECYCLE.md) ends AsylbLG with the month that
    contains the last day to sue, since the Gestattung lapses at the end of that day;
    ``"month_final"`` with the month of the day the decision became final (the day after the
    last day to sue: one month later when that day is a month's last); ``"month_served"`` with
    the month of service (local practice of some offices). Asylum under Art. 16a GG
    (§1(3) Nr. 2) always ends with the month of service (§43(1) VwVfG)."""

    sgb2_approval_months: int = 12
    """§41(3) SGB II: normal approval period."""

    sgb2_renewal_weeks_before: int = 6
    """Internal reminder to renew SGB II, weeks before the approval period ends."""

    # --- Integration Point (local rules) -------------------------------------------------------
    ip_responsibility_months: int = 12
    """Local rule (seed 002, Dortmund): the IP's special responsibility lasts at most this many
    months, counted from the day the case entered the IP (§187(2) BGB)."""

    handover_ack_working_days: int = 5
    """Local rule: working days the receiving team has to acknowledge a warm handover."""

    # --- integration course (IntV) -------------------------------------------------------------
    lid_pass_min_score: int = 15
    """IntV: "Leben in Deutschland" is passed with at least this many correct answers ..."""

    lid_questions: int = 33
    """... out of this many questions."""

    dtz_pass_level: str = "B1"
    """IntV: DTZ level that counts as successful completion of the language part."""

    # --- defaults ------------------------------------------------------------------------------
    default_land: str = "NW"
    """Land whose public holidays apply when a case does not name one (§193 BGB)."""

    def __post_init__(self) -> None:
        errors: list[dict[str, Any]] = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.type == "int" and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                errors.append({"field": f.name, "message": "must be a non-negative integer"})
        if self.asylblg_end_rule not in ASYLBLG_END_RULES:
            errors.append(
                {
                    "field": "asylblg_end_rule",
                    "message": f"must be one of {sorted(ASYLBLG_END_RULES)}",
                }
            )
        if self.posting_fiction_weekend not in POSTING_FICTION_READINGS:
            errors.append(
                {
                    "field": "posting_fiction_weekend",
                    "message": f"must be one of {sorted(POSTING_FICTION_READINGS)}",
                }
            )
        if self.default_land not in LANDS:
            errors.append({"field": "default_land", "message": f"must be one of {sorted(LANDS)}"})
        if not isinstance(self.deemed_notification_cutover, date):
            errors.append({"field": "deemed_notification_cutover", "message": "must be a date"})
        if self.lid_pass_min_score > self.lid_questions:
            errors.append({"field": "lid_pass_min_score", "message": "cannot exceed lid_questions"})
        if errors:
            raise InvalidInput("invalid legal rules", errors)

    def with_overrides(self, **overrides: Any) -> LegalRules:
        """Return a copy with the given fields replaced (validated like the defaults)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise InvalidInput(
                "unknown legal rule(s)",
                [{"field": name, "message": "no such legal rule"} for name in unknown],
            )
        return dataclasses.replace(self, **overrides)


#: The rules as the law stands; the engine uses these unless a deployment overrides them.
DEFAULT_RULES = LegalRules()
