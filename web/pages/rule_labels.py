"""What each legal rule means, in German and English, for the rules page (the engine's own
explanations are the docstrings in ``engine/law/rules.py``; a test keeps both lists equal)."""

from __future__ import annotations

from web.i18n import current_language

# rule -> (German, English)
RULE_TEXTS: dict[str, tuple[str, str]] = {
    "deemed_notification_days": (
        "§37(2) SGB X, §41(2) VwVfG, §4(2) VwZG: ein Brief gilt am soundsovielten Tag nach der "
        "Aufgabe zur Post als bekannt gegeben",
        "§37(2) SGB X, §41(2) VwVfG, §4(2) VwZG: a posted letter counts as notified on this "
        "day after posting"),
    "deemed_notification_days_before_cutover": (
        "Dieselbe Bekanntgabefiktion für Briefe, die vor dem Stichtag zur Post gingen",
        "The same fiction for letters posted before the cut-over day"),
    "deemed_notification_cutover": (
        "Erster Aufgabetag der 4-Tages-Fiktion (Postrechtsmodernisierungsgesetz, 2025)",
        "First posting day of the 4-day rule (postal law reform, 2025)"),
    "lawsuit_weeks": ("§74(1) Hs. 1 AsylG: Klagefrist gegen den BAMF-Bescheid in Wochen",
                      "§74(1) 1st half-sentence AsylG: lawsuit deadline in weeks"),
    "lawsuit_weeks_short": (
        "§74(1) Hs. 2 AsylG: Klagefrist in §36-Fällen (offensichtlich unbegründet, unzulässig) "
        "und Dublin-Fällen",
        "§74(1) 2nd half-sentence AsylG: lawsuit deadline in §36 and Dublin cases"),
    "objection_months": ("§84(1) SGG: Widerspruchsfrist gegen SGB II- und AsylbLG-Bescheide",
                         "§84(1) SGG: objection deadline against SGB II / AsylbLG decisions"),
    "permit_renewal_weeks_before": (
        "§81(4) AufenthG: interne Erinnerung an den Verlängerungsantrag, Wochen vor Ablauf",
        "§81(4) AufenthG: internal renewal reminder, weeks before expiry"),
    "wohnsitzauflage_years": ("§12a(1) AufenthG: Wohnsitzauflage in Jahren",
                              "§12a(1) AufenthG: residence obligation in years"),
    "course_entitlement_years": (
        "§44(2) AufenthG: der Anspruch auf den Integrationskurs erlischt so lange nach dem Titel",
        "§44(2) AufenthG: the course entitlement lapses this long after the permit"),
    "duldung_review_months": ("§25(5) AufenthG: Prüfung durch die ABH nach so vielen Monaten "
                              "Duldung",
                              "§25(5) AufenthG: ABH review after this many months of Duldung"),
    "exit_deadline_days": ("§38(1) AsylG: Ausreisefrist nach (einfacher) Ablehnung in Tagen",
                           "§38(1) AsylG: exit deadline after a simple rejection, days"),
    "exit_deadline_days_short": (
        "§36(1) AsylG: Ausreisefrist bei offensichtlich unbegründeten und unzulässigen Anträgen",
        "§36(1) AsylG: exit deadline in manifestly unfounded / inadmissible cases"),
    "asylblg_end_rule": ("§1(3) AsylbLG: in welchem Monat die Leistungen nach dem AsylbLG enden",
                         "§1(3) AsylbLG: the month in which AsylbLG benefits end"),
    "sgb2_approval_months": ("§41(3) SGB II: regulärer Bewilligungszeitraum in Monaten",
                             "§41(3) SGB II: normal approval period, months"),
    "sgb2_renewal_weeks_before": (
        "Interne Erinnerung an den Weiterbewilligungsantrag, Wochen vor Ende des Zeitraums",
        "Internal SGB II renewal reminder, weeks before the period ends"),
    "ip_responsibility_months": (
        "Örtliche Regel: besondere Zuständigkeit des Integration Point in Monaten",
        "Local rule: the Integration Point's special responsibility, months"),
    "handover_ack_working_days": (
        "Örtliche Regel: Arbeitstage, in denen das aufnehmende Team die Übergabe bestätigt",
        "Local rule: working days to acknowledge a warm handover"),
    "lid_pass_min_score": ("IntV: „Leben in Deutschland“ bestanden ab so vielen richtigen "
                           "Antworten",
                           "IntV: 'Leben in Deutschland' passed from this many correct answers"),
    "lid_questions": ("IntV: Zahl der Fragen im Test „Leben in Deutschland“",
                      "IntV: number of questions in 'Leben in Deutschland'"),
    "dtz_pass_level": ("IntV: Sprachniveau im DTZ, das als erfolgreicher Abschluss zählt",
                       "IntV: DTZ level that counts as passed"),
    "posting_fiction_weekend": (
        "Bekanntgabefiktion an einem Wochenende oder Feiertag: nächster Werktag (BSG) oder "
        "strenge Auffassung; die andere Lesart wird als frühestes Fristende angezeigt",
        "Deemed service on a weekend or holiday: next working day (BSG) or the strict view; "
        "the other reading is shown as the earliest possible deadline"),
    "default_land": ("Land, dessen Feiertage gelten, wenn ein Fall keines nennt (§193 BGB)",
                     "Land whose holidays apply when a case names none (§193 BGB)"),
}


def rule_text(name: str) -> str:
    """What a legal rule means, in the page language (its name if unknown)."""
    pair = RULE_TEXTS.get(name)
    if pair is None:
        return name
    return pair[0] if current_language() == "de" else pair[1]
