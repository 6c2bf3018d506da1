"""The handover package: the data the receiving team of a warm handover needs, and only the
fields the legal basis or the person's recorded consent allows (LIFECYCLE.md §4 and §5).

Three filters decide whether a field is in the package, in this order:

1. **Selection** — the sending team chose data categories in the proposal form
   (``handover_data_package``; stored as the handover's ``shared_fields``). Other categories
   are left out (``not_selected``).
2. **Legal basis** — :data:`RULES` names, per (sending team, receiving team), the statute that
   allows the transfer and the fields it covers (``by_law``). A field not covered is left out
   (``no_legal_basis``). A pair without a rule shares nothing (fail closed).
3. **Consent** — fields a rule allows only with consent (``with_consent``: a course provider is
   no authority, Art. 6(1)(a) GDPR) go out only when the case's recorded consent names the
   receiving team as recipient: the consent given at registration (``consent_given``,
   ``consent_recipients``, ``consent_date``, ``consent_purpose`` of the registration form)
   as it stood when the handover was proposed, which the handover row also records
   (``consent``). No recorded consent → those fields are left out (``no_consent``), and a
   package with nothing left says why it is not shared. A consent the person **withdrew**
   (``HandoverRecord.consent_withdrawn_on``) covers nothing in a package generated on or after
   the withdrawal day (Europe/Berlin): those fields are left out as ``consent_withdrawn``.

A field without a value in Staffel is listed as ``not_recorded`` (e.g. the household: Staffel
keeps no household data yet). The package names its legal basis and lists every left-out
field by name with the reason. Values never go into logs or the audit trail: the caller
records the **names** of the shared fields (:meth:`HandoverPackage.field_names`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine import BERLIN, HandoverRecord

#: Data categories of the proposal form, in the order the package lists them.
CATEGORIES: tuple[str, ...] = ("identity", "residence_status", "benefits", "deadlines",
                               "language_level", "qualifications", "household")

#: Every field a package can hold: name -> (category, where the value comes from).
#: Sources: ``case:<column>``, ``person:<key>``, ``data:<key>[.<key>]`` (process data when the
#: handover was proposed), ``deadlines`` (the computed legal deadlines).
FIELDS: dict[str, tuple[str, str]] = {
    "family_name": ("identity", "person:family_name"),
    "given_name": ("identity", "person:given_name"),
    "birth_date": ("identity", "person:birth_date"),
    "nationality": ("identity", "person:nationality"),
    "languages": ("identity", "person:languages"),
    "interpreter_needed": ("identity", "person:interpreter_needed"),
    "bamf_aktenzeichen": ("identity", "case:bamf_aktenzeichen"),
    "stage": ("residence_status", "case:stage"),
    "entry": ("residence_status", "case:entry"),
    "decision_outcome": ("residence_status", "data:bamf.outcome"),
    "decision_date": ("residence_status", "data:bamf.decision_date"),
    "decision_served_on": ("residence_status", "data:bamf.served_on"),
    "permit_paragraph": ("residence_status", "data:permit.paragraph"),
    "permit_issued_on": ("residence_status", "data:permit.issued_on"),
    "permit_valid_until": ("residence_status", "data:permit.valid_until"),
    "gestattung_valid_until": ("residence_status", "data:gestattung_valid_until"),
    "fiktion_certificate_issued": ("residence_status", "data:fiktion_certificate_issued"),
    "fiktion_valid_until": ("residence_status", "data:fiktion_valid_until"),
    "arrival_date": ("residence_status", "data:arrival_date"),
    "benefit_system": ("benefits", "case:benefit_system"),
    "asylblg_from": ("benefits", "data:asylblg_from"),
    "sgb2_approved_from": ("benefits", "data:sgb2_approved_from"),
    "sgb2_approval_months": ("benefits", "data:sgb2_approval_months"),
    "sgb2_application_status": ("benefits", "data:application_status"),
    "deadlines": ("deadlines", "deadlines"),
    "language_level": ("language_level", "data:language_level"),
    "dtz_level": ("language_level", "data:course_result.dtz_level"),
    "lid_passed": ("language_level", "data:course_result.lid_passed"),
    "course_type": ("language_level", "data:course_type"),
    "course_hours": ("language_level", "data:course_hours"),
    "course_obligated": ("language_level", "data:course_obligated"),
    "qualification": ("qualifications", "data:qualification"),
    "household": ("household", "data:household"),
}

_IDENTITY = frozenset(n for n, (c, _s) in FIELDS.items() if c == "identity")
_RESIDENCE = frozenset(n for n, (c, _s) in FIELDS.items() if c == "residence_status")
_BENEFITS = frozenset(n for n, (c, _s) in FIELDS.items() if c == "benefits")
_LANGUAGE = frozenset(n for n, (c, _s) in FIELDS.items() if c == "language_level")
_BENEFIT_BODY = _IDENTITY | _RESIDENCE | _BENEFITS | {"deadlines", "household"}


@dataclass(frozen=True)
class ShareRule:
    """What one receiving team may get from one sending team, and on which legal basis."""

    legal_basis: str
    by_law: frozenset[str]
    with_consent: frozenset[str] = frozenset()

    @property
    def consent_required(self) -> bool:
        """True when nothing may go out without the person's consent."""
        return not self.by_law


#: The allow-list: (sending team, receiving team) -> rule; ``"*"`` matches any sending team.
#: One place for these legal rules (LIFECYCLE.md: every rule is a parameter in one place).
RULES: dict[tuple[str, str], ShareRule] = {
    ("sozialamt", "jc_leistung"): ShareRule(
        "§69 Abs. 1 Nr. 1 SGB X (Übermittlung zwischen Sozialleistungsträgern für die "
        "Leistung nach dem SGB II)", _BENEFIT_BODY),
    ("eingangszone", "jc_leistung"): ShareRule(
        "§69 Abs. 1 Nr. 1 SGB X, §50 SGB II (Antrag und Leistung nach dem SGB II)",
        _BENEFIT_BODY),
    ("jc_vermittlung", "jc_regel"): ShareRule(
        "§50 Abs. 1 SGB II, §67c SGB X (Aufgabe desselben Jobcenters)", frozenset(FIELDS)),
    ("*", "kurstraeger"): ShareRule(
        "Art. 6 Abs. 1 lit. a DSGVO (Einwilligung; der Kursträger ist keine Behörde), "
        "§44a AufenthG, §§7, 8 IntV",
        by_law=frozenset(),
        with_consent=frozenset({"family_name", "given_name", "birth_date", "languages",
                                "interpreter_needed"}) | _LANGUAGE),
}
NO_RULE = ShareRule("keine Rechtsgrundlage für diese Übermittlung hinterlegt", frozenset())


def rule_for(from_team: str, to_team: str) -> ShareRule:
    """The allow-list rule of a team pair (:data:`NO_RULE`: nothing may be shared)."""
    return RULES.get((from_team, to_team)) or RULES.get(("*", to_team)) or NO_RULE


@dataclass(frozen=True)
class ConsentState:
    """The person's recorded consent as far as this handover is concerned."""

    required: bool
    recorded: bool
    date: str | None = None
    purpose: str | None = None
    recipients: tuple[str, ...] = ()
    #: ISO day the person withdrew the consent (None: not withdrawn when the package was made)
    withdrawn_on: str | None = None


@dataclass(frozen=True)
class HandoverPackage:
    """The package of one handover: header, legal basis, consent, data and left-out fields."""

    record: HandoverRecord
    rule: ShareRule
    consent: ConsentState
    data: dict[str, dict[str, Any]]
    withheld: list[tuple[str, str]]
    generated_at: datetime
    reason: str | None = None

    @property
    def shared(self) -> bool:
        """True when at least one field goes to the receiving team."""
        return any(self.data.values())

    def field_names(self) -> list[str]:
        """The names of the shared fields (for the audit trail), sorted."""
        return sorted(name for values in self.data.values() for name in values)

    def appointment(self) -> dict[str, Any]:
        """The joint appointment: time, mode (in person / video), interpreter booked."""
        at = self.record.appointment()
        data = self.record.process_data
        return {"at": at.isoformat() if at else None,
                "mode": data.get("handover_appointment_mode"),
                "interpreter": data.get("handover_interpreter") is True}

    def to_json(self) -> dict[str, Any]:
        """The package as JSON data (ISO dates, team keys, field names in English)."""
        h, r = self.record.handover, self.record
        return {
            "handover": {
                "id": r.id, "key": h.key, "case_number": r.case_number,
                "from_team": h.from_team, "to_team": h.to_team, "state": h.state,
                "purpose": h.purpose, "proposed_at": h.proposed_at.isoformat(),
                "proposed_by": h.proposed_by,
                "acknowledged_at": h.acknowledged_at.isoformat() if h.acknowledged_at else None,
                "appointment": self.appointment(),
            },
            "legal_basis": self.rule.legal_basis,
            "recorded_legal_basis": h.legal_basis,
            "consent": {"required": self.consent.required, "recorded": self.consent.recorded,
                        "date": self.consent.date, "purpose": self.consent.purpose,
                        "withdrawn_on": self.consent.withdrawn_on},
            "shared": self.shared,
            "reason": self.reason,
            "fields": self.field_names(),
            "data": {category: values for category, values in self.data.items() if values},
            "withheld": [{"field": name, "reason": why} for name, why in self.withheld],
            "generated_at": self.generated_at.isoformat(),
        }


def recorded_consent(record: HandoverRecord, rule: ShareRule,
                     today: date | None = None) -> ConsentState:
    """Whether the case's recorded consent covers the receiving team of this handover.

    A withdrawal (``record.consent_withdrawn_on``) on or before ``today`` (the day the package
    is generated; None: any recorded withdrawal counts) covers nothing. Else the handover row's
    ``consent`` (decided when it was proposed) wins when it says no; else the registration's
    consent in the process data must name the receiving team as recipient.
    """
    withdrawn = record.consent_withdrawn_on
    if withdrawn is not None and (today is None or withdrawn <= today):
        return ConsentState(required=rule.consent_required, recorded=False,
                            withdrawn_on=withdrawn.isoformat())
    data, to_team = record.process_data, record.handover.to_team
    recipients = data.get("consent_recipients")
    names = tuple(str(x) for x in recipients) if isinstance(recipients, list) else ()
    in_data = data.get("consent_given") is True and to_team in names
    if record.handover.consent is False:
        recorded = False
    elif record.handover.consent is True:
        recorded = in_data or not data
    else:
        recorded = in_data
    date = data.get("consent_date")
    purpose = data.get("consent_purpose")
    return ConsentState(required=rule.consent_required, recorded=recorded,
                        date=str(date) if recorded and date else None,
                        purpose=str(purpose) if recorded and purpose else None,
                        recipients=names if recorded else ())


def field_value(record: HandoverRecord, source: str) -> Any:
    """The value of one package field (None when Staffel has not recorded it)."""
    if source == "deadlines":
        return [{"key": d.key, "date": d.date.isoformat(), "legal_basis": d.legal_basis,
                 "land": d.land} for d in record.deadlines] or None
    kind, _, path = source.partition(":")
    if kind == "case":
        return getattr(record, path)
    if kind == "person":
        stored = record.person.get(path)
        return stored if stored is not None else record.process_data.get(path)
    value: Any = record.process_data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def build_package(record: HandoverRecord, now: datetime) -> HandoverPackage:
    """Filter the case data of a handover into its package (see the module doc)."""
    rule = rule_for(record.handover.from_team, record.handover.to_team)
    consent = recorded_consent(record, rule, now.astimezone(BERLIN).date())
    refused = "consent_withdrawn" if consent.withdrawn_on else "no_consent"
    selected = set(record.handover.shared_fields)
    data: dict[str, dict[str, Any]] = {category: {} for category in CATEGORIES}
    withheld: list[tuple[str, str]] = []
    for name, (category, source) in FIELDS.items():
        if category not in selected:
            withheld.append((name, "not_selected"))
        elif name in rule.by_law or (name in rule.with_consent and consent.recorded):
            value = field_value(record, source)
            if value in (None, "", []):
                withheld.append((name, "not_recorded"))
            else:
                data[category][name] = value
        elif name in rule.with_consent:
            withheld.append((name, refused))
        else:
            withheld.append((name, "no_legal_basis"))
    reason = None
    if not any(data.values()):
        if rule is NO_RULE:
            reason = "no_legal_basis"
        elif rule.consent_required and not consent.recorded:
            reason = refused
        elif not selected & set(CATEGORIES):
            reason = "nothing_selected"
        else:
            reason = "nothing_recorded"
    return HandoverPackage(record, rule, consent, data, withheld, now, reason)
