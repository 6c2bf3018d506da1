"""The random world of the 200-case test (issue 12): one seeded scenario per case.

A :class:`Plan` says how a case goes: how it enters (asylum, resettlement), what the BAMF
decides, when each outside office reports — before the step that waits for it, after, late, or
never — and what the caseworkers decide on their forms. A :class:`Rule` is one message the
world sends for a case: it becomes due a number of days after its trigger is first seen (the
case's start, an open task, a wait for a message, another message sent). ``form_data`` fills
every form of bpmn/forms/ (a form without a builder here gets data from its schema), and
``payload`` writes the message bodies of bpmn/messages/.
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from dateutil.relativedelta import relativedelta

from engine.definitions.sample_data import sample
from tests.lifecycle.helpers import (
    ACK,
    BERLIN,
    BPMN_DIR,
    CLOSE,
    CONTINUITY,
    COURSE_PLANNED,
    NO_COURSE,
    REGISTRATION,
    REGISTRATION_NO_CONSENT,
    SGB2_APPROVAL,
    proposal,
)

DEFAULT_SEED = 20270301


def seed_from_env() -> int:
    """The seed of this run: ``STAFFEL_RANDOM_SEED`` or the fixed default (replayable)."""
    return int(os.environ.get("STAFFEL_RANDOM_SEED", DEFAULT_SEED))


OUTCOMES = {"refugee": 30, "subsidiary": 20, "asylum": 6, "deportation_ban": 12,
            "rejected": 16, "rejected_manifestly_unfounded": 9, "inadmissible": 5, "dublin": 7}
PATHS = {"asylum": "recognition", "refugee": "recognition", "subsidiary": "recognition",
         "deportation_ban": "deportation_ban", "rejected": "rejection",
         "rejected_manifestly_unfounded": "rejection", "inadmissible": "rejection",
         "dublin": "rejection"}
PARAGRAPHS = {"asylum": "§25(1)", "refugee": "§25(2) Alt. 1", "subsidiary": "§25(2) Alt. 2",
              "deportation_ban": "§25(3)", "resettlement": "§23(4)"}
VALIDITY_MONTHS = {"§25(3)": 12, "§25(5)": 6, "§19d(1a)": 24}  # others: 36
# sent "early" with the step that waits for it held back (or sure to come later): always kept
KEPT_WHEN_EARLY = ("bamf_decision", "duldung_issued", "sgb2_application_received",
                   "course_started")


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    """One key of ``weights``, drawn with those weights."""
    return rng.choices(list(weights), list(weights.values()))[0]


@dataclass(frozen=True)
class Rule:
    """One message the world sends for a case.

    ``trigger``: ``start``, ``task:<element>[@team]`` (the task is open), ``wait:<message>``
    (the case waits for it) or ``sent:<rule key>``; the message is due ``delay`` days after
    the trigger is first seen. ``hold``: a task (``<element>[@team]``) the office leaves open
    until the message is sent, so that it surely comes before the step that waits for it.
    """

    key: str
    message: str
    trigger: str
    delay: int
    hold: str | None = None
    resend: bool = False  # sent a second time with the same message id
    by_az: bool = False  # correlated by the BAMF Aktenzeichen instead of the case id
    hand: bool = False  # recorded by hand by a caseworker (source "hand")


@dataclass
class Plan:
    """The scenario of one case."""

    index: int
    entry: str
    start: date
    outcome: str | None = None
    review: str | None = None  # rejection: training (3+2), grant_25_5 or exit
    consent: bool = True
    course: str = "normal"  # none (no place) | normal | early | late | never
    result: str = "passed"  # passed | repeat (failed, then again) | failed | never
    timing: dict[str, str] = field(default_factory=dict)  # message -> early/after/never
    rules: list[Rule] = field(default_factory=list)

    @property
    def az(self) -> str | None:
        return f"{7000000 + self.index}-423" if self.entry == "asylum" else None

    @property
    def path(self) -> str:
        return PATHS[self.outcome] if self.outcome else "resettlement"

    @property
    def withheld(self) -> set[str]:
        return {name for name, how in self.timing.items() if how == "never"}

    def required(self) -> set[str]:
        """The reports the case cannot reach its end without (S6 or the exit)."""
        if self.entry == "resettlement":
            return {"permit_issued", "sgb2_application_received"}
        needed = {"bamf_decision"}
        if self.path == "rejection":
            needed.add("duldung_issued")
            if self.review == "exit":
                return needed
        return needed | {"permit_issued", "sgb2_application_received"}

    @property
    def blocked(self) -> bool:
        """True when a report the case needs is never sent: it must end waiting, watched."""
        return bool(self.required() & self.withheld)

    def label(self) -> str:
        timing = ",".join(f"{k}={v}" for k, v in sorted(self.timing.items()))
        return (f"#{self.index} {self.entry}/{self.outcome}/{self.review} course={self.course}"
                f"/{self.result} {timing}")


def make_plan(rng: random.Random, index: int, start: date) -> Plan:
    """Draw the scenario of case ``index`` starting on ``start``."""
    entry = "resettlement" if rng.random() < 0.1 else "asylum"
    plan = Plan(index, entry, start, consent=rng.random() < 0.8,
                course=pick(rng, {"none": 15, "normal": 37, "early": 10, "swapped": 8,
                                  "late": 20, "never": 10}),
                result=pick(rng, {"passed": 45, "repeat": 20, "failed": 15, "never": 20}))
    rules = plan.rules
    if entry == "asylum":
        plan.outcome = pick(rng, OUTCOMES)
        how = plan.timing["bamf_decision"] = pick(rng, {"early": 20, "after": 78, "never": 2})
        by_az = rng.random() < 0.5
        if how == "early":  # the BAMF decides while the Eingangszone still registers
            rules.append(Rule("bamf", "bamf_decision", "start", rng.randint(0, 2), by_az=by_az,
                              resend=rng.random() < 0.15))
        elif how == "after":  # some come after the follow-up (60 working days)
            rules.append(Rule("bamf", "bamf_decision", "wait:bamf_decision",
                              rng.choice((rng.randint(3, 80), rng.randint(80, 160))),
                              by_az=by_az, resend=rng.random() < 0.15))
    if plan.path == "rejection":
        plan.review = pick(rng, {"training": 30, "grant_25_5": 45, "exit": 25})
        how = plan.timing["duldung_issued"] = pick(rng, {"early": 35, "after": 60, "never": 5})
        if how == "early":
            rules.append(Rule("duldung", "duldung_issued", "task:Task_duldung_check",
                              rng.randint(0, 3), hold="Task_duldung_check"))
        elif how == "after":
            rules.append(Rule("duldung", "duldung_issued", "wait:duldung_issued",
                              rng.randint(0, 40), resend=rng.random() < 0.1))
        if plan.review == "training":  # well before the 18-month review
            rules.append(Rule("training", "training_contract", "wait:training_contract",
                              rng.randint(10, 200)))
    elif rng.random() < 0.06:  # a stray report the case never uses: kept, then expired
        rules.append(Rule("stray", "training_contract", "start", rng.randint(5, 60)))
    how = plan.timing["permit_issued"] = pick(rng, {"early": 25, "during": 20, "after": 53,
                                                    "never": 2})
    if how == "early":  # reported before the ABH's task "Aufenthaltserlaubnis vorbereiten"
        trigger = _permit_trigger(plan)
        hold = trigger.removeprefix("task:") if trigger.startswith("task:") else None
        rules.append(Rule("permit", "permit_issued", trigger, rng.randint(0, 3), hold=hold,
                          resend=rng.random() < 0.15))
    elif how == "during":  # reported while the task is open: the report ends the task
        rules.append(Rule("permit", "permit_issued", "task:Task_permit_prepare",
                          rng.randint(0, 3), hold="Task_permit_prepare"))
    elif how == "after":
        rules.append(Rule("permit", "permit_issued", "wait:permit_issued",
                          rng.choice((rng.randint(0, 20), rng.randint(20, 60))),
                          resend=rng.random() < 0.1))
    sender = "eingangszone" if entry == "resettlement" else "sozialamt"
    how = plan.timing["sgb2_application_received"] = pick(
        rng, {"very_early": 8, "early": 30, "after": 60, "never": 2})
    if how == "very_early":  # applied right after arriving: kept 180 days, often expires;
        # then the Jobcenter records it again by hand once the case waits for it
        rules.append(Rule("application", "sgb2_application_received", "start",
                          rng.randint(20, 60)))
        rules.append(Rule("application_hand", "sgb2_application_received",
                          "wait:sgb2_application_received", rng.randint(0, 10), hand=True))
    elif how == "early":  # the application comes before the warm handover is closed
        rules.append(Rule("application", "sgb2_application_received",
                          f"task:Task_handover_propose@{sender}", rng.randint(0, 4),
                          hold=f"Task_handover_close@{sender}", resend=rng.random() < 0.15))
    elif how == "after":  # some after the deadline: reminder, late application
        rules.append(Rule("application", "sgb2_application_received",
                          "wait:sgb2_application_received",
                          rng.choice((rng.randint(0, 15), rng.randint(15, 50)))))
    _course_rules(rng, plan)
    return plan


def _permit_trigger(plan: Plan) -> str:
    """When the ABH reports a permit before its task to prepare it exists."""
    if plan.entry == "resettlement":
        return "start"  # the admission comes with the permit
    if plan.path != "rejection":
        return "sent:bamf"  # often before the decision is final and the ABH starts
    return "task:Task_permit_19d" if plan.review == "training" else "task:Task_duldung_review"


def _course_rules(rng: random.Random, plan: Plan) -> None:
    rules = plan.rules
    if plan.course == "none":
        return
    if plan.course == "swapped" and plan.result == "never":
        plan.course = "normal"
    plan.timing["course_started"] = {"early": "early", "never": "never"}.get(plan.course,
                                                                              "after")
    if plan.course == "swapped":  # the provider's result comes before its start report
        rules.append(Rule("result1", "course_result", "wait:course_started", rng.randint(0, 10)))
        rules.append(Rule("course_started", "course_started", "sent:result1",
                          rng.randint(1, 20)))
    elif plan.course == "early":  # reported before the course provider acknowledged
        rules.append(Rule("course_started", "course_started", "task:Task_handover_ack@kurstraeger",
                          rng.randint(0, 3), hold="Task_handover_ack@kurstraeger"))
    elif plan.course in ("normal", "late"):  # late: after the follow-ups, often too late
        delay = rng.randint(3, 40) if plan.course == "normal" else rng.randint(60, 250)
        rules.append(Rule("course_started", "course_started", "wait:course_started", delay,
                          resend=rng.random() < 0.1))
    else:
        return
    plan.timing["course_result"] = "never" if plan.result == "never" else "after"
    if plan.result != "never" and plan.course != "swapped":
        rules.append(Rule("result1", "course_result", "sent:course_started",
                          rng.randint(100, 250), resend=rng.random() < 0.1))
    if plan.result == "repeat":
        rules.append(Rule("result2", "course_result", "sent:result1", rng.randint(30, 120)))


def paragraph(plan: Plan) -> str:
    """The legal basis of the case's residence permit."""
    if plan.path == "rejection":
        return "§19d(1a)" if plan.review == "training" else "§25(5)"
    return PARAGRAPHS[plan.outcome or "resettlement"]


def payload(rule: Rule, plan: Plan, today: date, rng: random.Random) -> dict[str, Any]:
    """The body of the message ``rule`` sends today."""
    if rule.message == "bamf_decision":
        decided = today - timedelta(days=rng.randint(0, 10))
        body: dict[str, Any] = {"outcome": plan.outcome, "decision_date": decided.isoformat()}
        # mostly served in the last days; some letters reach the office weeks late, when
        # the lawsuit deadline (and the AsylbLG end) may have passed already
        back = rng.randint(0, 3) if rng.random() < 0.85 else rng.randint(20, 60)
        decided = min(decided, today - timedelta(days=back))
        service = max(decided, today - timedelta(days=back)).isoformat()
        body["served_on" if rng.random() < 0.5 else "posted_on"] = service
        return body
    if rule.message == "permit_issued":
        basis = paragraph(plan)
        valid = today + relativedelta(months=VALIDITY_MONTHS.get(basis, 36), days=-1)
        body = {"paragraph": basis, "valid_until": valid.isoformat()}
        if rng.random() < 0.7:
            body["issued_on"] = today.isoformat()
        return body
    if rule.message == "sgb2_application_received":
        return {"received_on": today.isoformat()}
    if rule.message == "duldung_issued":
        return {"issued_on": (today - timedelta(days=rng.randint(0, 2))).isoformat()}
    if rule.message == "training_contract":
        begins = today + timedelta(days=rng.randint(7, 40))
        ends = begins + relativedelta(years=2, days=-1)
        return {"start_date": begins.isoformat(), "end_date": ends.isoformat()}
    if rule.message == "course_started":
        return {"start_date": today.isoformat()}
    passed = rule.key == "result2" or plan.result == "passed"
    level, lid = ("B1", True) if passed else rng.choice((("A2", True), ("B1", False),
                                                         ("below_A2", False)))
    return {"dtz_level": level, "lid_passed": lid, "date": today.isoformat()}


def user_tasks() -> set[str]:
    """The element ids of every user task in bpmn/."""
    found: set[str] = set()
    for path in BPMN_DIR.glob("*.bpmn"):
        found.update(re.findall(r'<bpmn:userTask id="([^"]+)"', path.read_text()))
    return found


@cache
def form_schema(form: str) -> dict[str, Any]:
    """The JSON Schema of a form of bpmn/forms/."""
    schema: dict[str, Any] = json.loads((BPMN_DIR / "forms" / form).read_text())
    return schema


def form_data(form: str | None, plan: Plan, today: date, rng: random.Random,
              followups: int) -> dict[str, Any]:
    """Form data a caseworker enters today (``followups``: course follow-ups done before)."""
    iso = today.isoformat()
    if form is None:
        return {}
    name = form.removesuffix(".schema.json")
    if name == "registration":
        data = dict(REGISTRATION if plan.consent else REGISTRATION_NO_CONSENT)
        if plan.consent:
            data["consent_date"] = plan.start.isoformat()
        return data
    if name == "handover_proposal":
        meeting = datetime.combine(today + timedelta(days=rng.randint(1, 5)), time(10),
                                   tzinfo=BERLIN)
        return proposal(meeting.isoformat(), rng.choice((None, ["identity", "benefits"])))
    fixed: dict[str, dict[str, Any]] = {
        "resettlement_arrival": {"arrival_date": plan.start.isoformat()},
        "asylblg_grant": {"asylblg_from": plan.start.isoformat(),
                          "accommodation": rng.choice(("reception_centre", "shared"))},
        "gestattung": {"asylum_application_filed_on": plan.start.isoformat(),
                       "gestattung_valid_until": (plan.start + timedelta(days=183)).isoformat()},
        "continuity_check": {**CONTINUITY, "application_status": rng.choice(
            ("filed_in_time", "not_yet_filed"))},
        "handover_ack": ACK, "handover_close": CLOSE,
        "asylblg_stop": {"asylblg_stopped_after": iso},
        "sgb2_approval": {**SGB2_APPROVAL, "sgb2_approved_from": iso},
        "application_reminder": {"contacted_on": iso,
                                 "contact_channel": rng.choice(("phone", "letter"))},
        "first_appointment": {"first_appointment_on": iso, "cooperation_plan": True,
                              "language_level": rng.choice(("alpha", "A1", "A2"))},
        "course_obligation": NO_COURSE if plan.course == "none" else COURSE_PLANNED,
        # one more attempt after the first failed result, none after the second
        "course_followup": {"course_repeat": plan.result == "repeat" and followups == 0},
        "duldung_check": {"duldung_reason": "training" if plan.review == "training"
                          else rng.choice(("missing_documents", "no_travel_route"))},
        "duldung_review": {"review_decision": "exit" if plan.review == "exit"
                           else "grant_25_5"},
        "training_toleration": {"training_toleration_from": iso},
        "permit_19d_check": {"employment_confirmed": True},
        "permit_renewal": {"renewal_requested_on": iso},
        "wohnsitzauflage_end": {"residence_obligation_lifted": True},
        "follow_up": {"follow_up_action": rng.choice(("asked_office", "contacted_person",
                                                      "no_action_yet"))},
        "expired_message": {"review_outcome": rng.choice(("obsolete", "record_again_later"))},
    }
    if name in fixed:
        return dict(fixed[name])
    # escalations, entitlement lapsed and any form added later: data from the schema alone
    choices = {k: rng.choice(v["enum"]) for k, v in form_schema(form)["properties"].items()
               if "enum" in v}
    return sample(form_schema(form), today, choices)
