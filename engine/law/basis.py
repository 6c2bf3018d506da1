"""The legal-basis text a case shows beside a computed date, naming the values actually used:
"Bekanntgabe am 3. Tag" for a letter posted before 2025, "am 4. Tag" after; the lawsuit weeks,
the months of Duldung, the IP's months in force on the relevant day (settings file, dated
changes). Diagrams call :func:`legal_basis` instead of writing the numbers into the text.
"""

from __future__ import annotations

from engine.errors import InvalidInput
from engine.law.calendar import DateLike, as_date
from engine.law.rules import DEFAULT_RULES, LegalRules
from engine.law.settings import RuleBook, in_force


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


#: the AsylbLG end after recognition, by outcome (asylum) or ``asylblg_end_rule``
ASYLBLG_END_BASIS = {
    "asylum": ("§1(3) Nr. 2 AsylbLG: Ende des Monats der Bekanntgabe (Art. 16a GG; Anerkennung "
               "wirksam mit Bekanntgabe, §43(1) VwVfG)"),
    "month_lawsuit_deadline": ("§1(3) Nr. 1 AsylbLG, §67(1) Nr. 6 AsylG: Ende des Monats, in "
                               "dem die Klagefrist abläuft (Gestattung erlischt mit Ablauf des "
                               "letzten Klagetags)"),
    "month_final": "§1(3) Nr. 1 AsylbLG: Ende des Monats der Bestandskraft (örtliche Praxis)",
    "month_served": "§1(3) Nr. 1 AsylbLG: Ende des Zustellungsmonats (örtliche Praxis)",
}


def legal_basis(key: str, day: DateLike, short: bool = False, outcome: str | None = None,
                rules: LegalRules | RuleBook = DEFAULT_RULES) -> str:
    """The German legal basis of deadline ``key`` computed from ``day`` (the relevant day:
    posting for ``served_on``, service for ``lawsuit_deadline`` and ``asylblg_end`` (with the
    decision's ``outcome``), the start otherwise)."""
    when = as_date(day, "day")
    r = in_force(rules, when)
    if key == "asylblg_end":
        return ASYLBLG_END_BASIS["asylum" if outcome == "asylum" else r.asylblg_end_rule]
    if key == "served_on":
        n = (r.deemed_notification_days if when >= r.deemed_notification_cutover
             else r.deemed_notification_days_before_cutover)
        move = ("§193 BGB: Verschiebung auf den nächsten Werktag (BSG)"
                if r.posting_fiction_weekend == "next_working_day"
                else "strenge Lesart: keine Verschiebung auf den nächsten Werktag")
        return (f"§41(2) VwVfG, §4(2) VwZG: Bekanntgabe am {n}. Tag nach Aufgabe zur Post; "
                f"{move}")
    if key == "lawsuit_deadline":
        if short:
            return (f"§74(1) Hs. 2 AsylG: {_count(r.lawsuit_weeks_short, 'Woche', 'Wochen')} "
                    "(§36, §34a(2) AsylG); §§187(1), 188(2), 193 BGB, §57 VwGO")
        return (f"§74(1) Hs. 1 AsylG: {_count(r.lawsuit_weeks, 'Woche', 'Wochen')}; "
                "§§187(1), 188(2), 193 BGB, §57 VwGO")
    if key == "duldung_review":
        return (f"§25(5) S. 2 AufenthG, §1(1) Nr. 3c AsylbLG: "
                f"{_count(r.duldung_review_months, 'Monat', 'Monate')} seit der Duldung")
    if key == "ip_responsibility_end":
        return ("Örtliche Regel (Integration Point): "
                f"{_count(r.ip_responsibility_months, 'Monat', 'Monate')} ab SGB II-Beginn; "
                "§§187(2), 188(2) BGB")
    if key == "wohnsitzauflage_end":
        return (f"§12a(1) AufenthG: {_count(r.wohnsitzauflage_years, 'Jahr', 'Jahre')} ab "
                "Anerkennung bzw. erster Erteilung; §§187(2), 188(2) BGB")
    if key == "course_entitlement_expiry":
        return (f"§44(2) AufenthG: Anspruch erlischt "
                f"{_count(r.course_entitlement_years, 'Jahr', 'Jahre')} nach Erteilung des "
                "Titels")
    raise InvalidInput("no legal-basis text for this deadline",
                       [{"field": "key", "message": f"unknown: {key}"}])
