"""Path tests: one route per legal path through bpmn/, each on a fresh engine (Land NW).

The simulated clock starts on Monday 2027-03-01, 09:00 Berlin. Every expected date is written
by hand with the reason next to it (§§187-193 BGB as in LIFECYCLE.md section 3). NW holidays
used: Karfreitag 26.03.2027, Ostermontag 29.03.2027, Pfingstmontag 17.05.2027, Fronleichnam
27.05.2027, Allerheiligen 01.11.2027, Tag der Deutschen Einheit 03.10.2028 (and 03.10.2030).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine import Staffel
from engine.errors import NotFound
from tests.lifecycle.helpers import (
    ASYLBLG_STOP,
    BERLIN,
    COURSE_PLANNED,
    FIRST_APPOINTMENT,
    NO_COURSE,
    PERMIT_PREPARE,
    REGISTRATION,
    REGISTRATION_NO_CONSENT,
    SGB2_APPROVAL,
    advance_to,
    berlin,
    complete_open,
    find_open,
    new_engine,
)
from tests.lifecycle.routes import (
    Step,
    acknowledge_and_close,
    asylum_registered,
    at,
    complete,
    handover,
    message,
    propose,
    run_route,
    seq,
    start,
)

ABH, SOZ, EZ = "auslaenderbehoerde", "sozialamt", "eingangszone"
JCL, JCV, KURS, REGEL = "jc_leistung", "jc_vermittlung", "kurstraeger", "jc_regel"
REMINDER = {"contacted_on": "2027-01-01", "contact_channel": "phone"}


# --- extra checks used in the tables -------------------------------------------------------
def handovers_done(*keys: str) -> Any:
    def check(eng: Staffel, case: str) -> None:
        view = eng.cases.get(case)
        assert [h.key for h in view.handovers] == list(keys)
        assert all(h.state == "acknowledged" for h in view.handovers)
        assert all(h.escalated_at is None for h in view.handovers)
    return check


def closed(eng: Staffel, case: str) -> None:
    view = eng.cases.get(case)
    assert view.status == "completed" and view.closed_at is not None
    assert view.open_tasks == []


def course_package_shared(eng: Staffel, case: str) -> None:
    (h,) = [h for h in eng.cases.get(case).handovers if h.key == "course_registration"]
    assert (h.from_team, h.to_team, h.consent) == (JCV, KURS, True)
    assert h.shared_fields == ["identity", "residence_status", "deadlines"]
    assert "Einwilligung vom 2027-03-01" in h.legal_basis


def course_package_withheld(eng: Staffel, case: str) -> None:
    (h,) = [h for h in eng.cases.get(case).handovers if h.key == "course_registration"]
    assert (h.from_team, h.to_team, h.consent, h.state) == (JCV, KURS, False, "proposed")
    assert h.shared_fields == []
    assert "NICHT übermittelt: keine Einwilligung" in h.legal_basis


def application_in_time(expected: bool) -> Any:
    def check(eng: Staffel, case: str) -> None:
        _, _, data = eng.tasks.get(find_open(eng, case, "Task_sgb2_approve").id)
        assert data["sgb2_application_in_time"] is expected
    return check


def course_wait_cancelled(eng: Staffel, case: str) -> None:
    with pytest.raises(NotFound, match=r"^case ST-.* is not waiting for message 'course_result'$"):
        eng.messages.correlate("course_result", {"dtz_level": "B1", "lid_passed": True,
                                        "date": "2028-12-01"}, case_id=case)


def closing_reason(text: str) -> Any:
    def check(eng: Staffel, case: str) -> None:
        (h,) = [h for h in eng.cases.get(case).handovers if h.key == "ip_to_regel"]
        assert (h.from_team, h.to_team) == (JCV, REGEL) and text in h.purpose
    return check


# --- the routes ---------------------------------------------------------------------------
REFUGEE = [
    Step("case created", start(), "S1", "asylblg", {EZ: ["Task_register"]}),
    Step("registered", complete("Task_register", REGISTRATION), "S1", "asylblg",
         {SOZ: ["Task_asylblg_grant"]}),
    Step("AsylbLG granted", complete("Task_asylblg_grant", {"asylblg_from": "2027-03-01",
                                                            "accommodation": "shared"}),
         "S1", tasks={ABH: ["Task_gestattung"]}),
    Step("Gestattung", complete("Task_gestattung", {"asylum_application_filed_on": "2027-03-01",
                                                    "gestattung_valid_until": "2027-09-01"}),
         "S2", "asylblg", {}),
    Step("refugee status, letter posted Wed 12.05.2027",
         message("bamf_decision", on="2027-05-12", outcome="refugee",
                 decision_date="2027-05-10", posted_on="2027-05-12"),
         "S3b", "asylblg", {},
         {  # posted Wed 12.05. + 4 days = Sun 16.05. -> Mon 17.05. is Pfingstmontag -> Tue 18.05.
          "served_on": "2027-05-18",
          # Tue 18.05. + 2 weeks = Tue 01.06. (working day)
          "lawsuit_deadline": "2027-06-01",
          # strict reading of the posting fiction: served Sun 16.05. + 2 weeks = Sun 30.05.
          # -> Mon 31.05.: the earliest possible last day to sue, shown beside it
          "lawsuit_deadline_earliest": "2027-05-31",
          # final from the day after the last day to sue
          "decision_final_on": "2027-06-02",
          # §1(3) Nr. 1 AsylbLG: end of the month that contains the last day to sue (June)
          "asylblg_end": "2027-06-30",
          # the day after, no gap
          "sgb2_start": "2027-07-01"}),
    Step("last day to sue: nothing yet", at("2027-06-01"), "S3b", tasks={}),
    Step("decision final", at("2027-06-02"), "S3b",
         tasks={ABH: ["Task_permit_prepare"], SOZ: ["Task_handover_propose"]}),
    Step("handover proposed", propose("2027-06-08T10:00:00+02:00"),
         tasks={ABH: ["Task_permit_prepare"], SOZ: ["Task_continuity_check"]}),
    Step("continuity checked", complete("Task_continuity_check", {
        "asylblg_end_confirmed": True, "sgb2_start_confirmed": True,
        "application_status": "not_yet_filed", "no_gap": True}),
         tasks={ABH: ["Task_permit_prepare"], JCL: ["Task_handover_ack"]}),
    Step("acknowledged by the Jobcenter", complete("Task_handover_ack", {
        "handover_taken_over": True, "handover_appointment_confirmed": True}),
         tasks={ABH: ["Task_permit_prepare"], SOZ: ["Task_handover_close"]}),
    Step("handover closed", complete("Task_handover_close", {"handover_meeting_held": True}),
         tasks={ABH: ["Task_permit_prepare"]},
         # last working day of July 2027: Sat 31.07. -> back to Fri 30.07.
         deadlines={"sgb2_application_deadline": "2027-07-30"}),
    Step("permit prepared", complete("Task_permit_prepare", PERMIT_PREPARE), tasks={}),
    Step("permit §25(2) Alt. 1 issued",
         message("permit_issued", on="2027-06-15", paragraph="§25(2) Alt. 1",
                 valid_until="2030-06-14", issued_on="2027-06-15"),
         "S3b", tasks={},
         deadlines={  # Fri 14.06.2030 - 10 weeks = Fri 05.04.2030 (internal, never moved)
                    "permit_renewal_reminder": "2030-04-05",
                    # 3 years from the recognition (served 18.05.2027), start day counts
                    "wohnsitzauflage_end": "2030-05-17",
                    # issued 15.06.2027 + 1 year, same day number
                    "course_entitlement_expiry": "2028-06-15"}),
    Step("SGB II application received", message("sgb2_application_received",
                                                 received_on="2027-06-15"),
         tasks={JCL: ["Task_sgb2_approve"]}),
    Step("SGB II approved", complete("Task_sgb2_approve", SGB2_APPROVAL), tasks={}),
    Step("last AsylbLG day", at("2027-06-30"), "S3b", "asylblg", {SOZ: ["Task_asylblg_stop"]}),
    Step("AsylbLG stopped", complete("Task_asylblg_stop", ASYLBLG_STOP), tasks={}),
    Step("first SGB II day: S5", at("2027-07-01"), "S5", "sgb2",
         {JCV: ["Task_first_appointment"]},
         # 12 months from 01.07.2027, start day counts: ends 30.06.2028
         {"ip_responsibility_end": "2028-06-30"}),
    Step("first appointment", complete("Task_first_appointment", FIRST_APPOINTMENT),
         tasks={JCV: ["Task_course_obligation"]}),
    Step("course obligation", complete("Task_course_obligation", COURSE_PLANNED),
         tasks={JCV: ["Task_handover_propose"]}),
    Step("course handover proposed", propose("2027-07-08T10:00:00+02:00"),
         tasks={KURS: ["Task_handover_ack"]}, check=course_package_shared),
    Step("course provider acknowledged", acknowledge_and_close(), tasks={}),
    Step("course started", message("course_started", start_date="2027-09-01"), tasks={}),
    Step("DTZ B1 and LiD passed early",
         message("course_result", on="2028-03-10", dtz_level="B1", lid_passed=True,
                 date="2028-03-10"),
         "S5", "sgb2", {JCV: ["Task_handover_propose"]}),
    Step("closing handover proposed", propose("2028-03-20T10:00:00+01:00"),
         tasks={REGEL: ["Task_handover_ack"]}, check=closing_reason("Integrationskurs bestanden")),
    Step("regular team took over: S6", acknowledge_and_close(), "S6", "sgb2", {},
         check=lambda eng, case: (closed(eng, case), handovers_done(
             "asylblg_to_sgb2", "course_registration", "ip_to_regel")(eng, case))),
]

ASYLUM_16A = [
    Step("registered, S2", asylum_registered(), "S2", "asylblg", {}),
    Step("asylum (Art. 16a) decided in April, served Thu 13.05.2027",
         message("bamf_decision", on="2027-05-13", outcome="asylum",
                 decision_date="2027-04-28", served_on="2027-05-13"),
         # served already (a timer whose date has passed fires at once), and Art. 16a does
         # not wait for the decision to become final: permit and handover start now
         "S3a", "asylblg", {ABH: ["Task_permit_prepare"], SOZ: ["Task_handover_propose"]},
         {"served_on": "2027-05-13",  # formal service, as given
          # Thu 13.05. + 2 weeks = Thu 27.05. = Fronleichnam (NW) -> Fri 28.05.
          "lawsuit_deadline": "2027-05-28",
          "decision_final_on": "2027-05-29",
          # §1(3) Nr. 2 AsylbLG: end of the month of service (May; the recognition takes
          # effect when served, §43(1) VwVfG), not of the decision's date (April)
          "asylblg_end": "2027-05-31",
          "sgb2_start": "2027-06-01"}),
    Step("handover before the last AsylbLG day",
         handover("2027-05-17T10:00:00+02:00", continuity=True), "S3a", "asylblg",
         {ABH: ["Task_permit_prepare"]},
         # last working day of June 2027: Wed 30.06.
         {"sgb2_application_deadline": "2027-06-30"}),
    Step("permit prepared", complete("Task_permit_prepare", PERMIT_PREPARE), tasks={}),
    Step("last AsylbLG day", at("2027-05-31"), "S3a", "asylblg", {SOZ: ["Task_asylblg_stop"]}),
    Step("AsylbLG stopped", complete("Task_asylblg_stop", ASYLBLG_STOP), tasks={}),
    Step("first SGB II day", at("2027-06-01"), "S3a", "sgb2", {}),
    Step("permit §25(1) issued",
         message("permit_issued", paragraph="§25(1)", valid_until="2030-05-12",
                 issued_on="2027-06-01"),
         "S3a", "sgb2", {},
         {  # Sun 12.05.2030 - 10 weeks = Sun 03.03.2030: an internal reminder never moves
          "permit_renewal_reminder": "2030-03-03",
          # 3 years from the recognition (served 13.05.2027), start day counts
          "wohnsitzauflage_end": "2030-05-12",
          "course_entitlement_expiry": "2028-06-01"}),  # issued 01.06.2027 + 1 year
    Step("last day of the application deadline: reminder", at("2027-06-30"),
         tasks={JCL: ["Task_application_reminder"]}),
    Step("client contacted", complete("Task_application_reminder", REMINDER), tasks={}),
    Step("application on the last day", message("sgb2_application_received",
                                                 received_on="2027-06-30"),
         tasks={JCL: ["Task_sgb2_approve"]}, check=application_in_time(True)),
    Step("approved: S5", complete("Task_sgb2_approve", SGB2_APPROVAL),
         "S5", "sgb2", {JCV: ["Task_first_appointment"]},
         # 12 months from the SGB II start 01.06.2027, start day counts: ends 31.05.2028
         {"ip_responsibility_end": "2028-05-31"}),
]

SUBSIDIARY = [
    Step("registered without consent, S2", asylum_registered(REGISTRATION_NO_CONSENT), "S2"),
    Step("subsidiary protection, letter posted Wed 27.10.2027",
         message("bamf_decision", on="2027-10-27", outcome="subsidiary",
                 decision_date="2027-10-25", posted_on="2027-10-27"),
         "S3c", "asylblg", {},
         {  # 27.10. + 4 days = Sun 31.10. -> Mon 01.11. Allerheiligen (NW) -> Tue 02.11.
          "served_on": "2027-11-02",
          "lawsuit_deadline": "2027-11-16",  # Tue 02.11. + 2 weeks
          # strict reading: served Sun 31.10. + 2 weeks = Sun 14.11. -> Mon 15.11.
          "lawsuit_deadline_earliest": "2027-11-15",
          "decision_final_on": "2027-11-17",
          "asylblg_end": "2027-11-30",  # month of the last day to sue (November)
          "sgb2_start": "2027-12-01"}),
    Step("decision final", at("2027-11-17"),
         tasks={ABH: ["Task_permit_prepare"], SOZ: ["Task_handover_propose"]}),
    Step("handover, permit prepared",
         seq(handover("2027-11-19T10:00:00+01:00", continuity=True),
             complete("Task_permit_prepare", PERMIT_PREPARE)),
         tasks={},
         # last working day of December 2027: Fri 31.12. (31 December is no holiday)
         deadlines={"sgb2_application_deadline": "2027-12-31"}),
    Step("permit §25(2) Alt. 2 and application",
         seq(message("permit_issued", on="2027-11-22", paragraph="§25(2) Alt. 2",
                     valid_until="2030-11-21", issued_on="2027-11-22"),
             message("sgb2_application_received", received_on="2027-11-22"),
             complete("Task_sgb2_approve", SGB2_APPROVAL)),
         "S3c", tasks={},
         deadlines={"permit_renewal_reminder": "2030-09-12",  # Thu 21.11.2030 - 10 weeks
                    # 3 years from the recognition (served 02.11.2027)
                    "wohnsitzauflage_end": "2030-11-01",
                    "course_entitlement_expiry": "2028-11-22"}),
    Step("AsylbLG stopped", seq(at("2027-11-30"), complete("Task_asylblg_stop", ASYLBLG_STOP)),
         "S3c", "asylblg", {}),
    Step("S5", at("2027-12-01"), "S5", "sgb2", {JCV: ["Task_first_appointment"]},
         {"ip_responsibility_end": "2028-11-30"}),  # 12 months from 01.12.2027
    Step("course handover without consent",
         seq(complete("Task_first_appointment", FIRST_APPOINTMENT),
             complete("Task_course_obligation", COURSE_PLANNED),
             propose("2027-12-06T10:00:00+01:00")),
         tasks={KURS: ["Task_handover_ack"]}, check=course_package_withheld),
    Step("course provider acknowledged", acknowledge_and_close(), tasks={}),
    Step("course started", message("course_started", on="2028-01-10", start_date="2028-01-10"),
         tasks={}),
    Step("DTZ A2 only: not passed",
         message("course_result", on="2028-09-01", dtz_level="A2", lid_passed=True,
                 date="2028-09-01"),
         "S5", tasks={JCV: ["Task_course_followup"]}),
    Step("repeat the test", complete("Task_course_followup", {"course_repeat": True}),
         tasks={}),
    Step("last day of the IP's responsibility", at("2028-11-30"), "S5", tasks={}),
    Step("12 months over: the course wait is interrupted", at("2028-12-01"), "S5",
         tasks={JCV: ["Task_handover_propose"]}, check=course_wait_cancelled),
    Step("closing handover: S6", handover("2028-12-05T10:00:00+01:00"), "S6", "sgb2", {},
         check=lambda eng, case: (closed(eng, case),
                                  closing_reason("12 Monate abgelaufen")(eng, case))),
]

DEPORTATION_BAN = [
    Step("registered, S2", asylum_registered(), "S2"),
    Step("deportation ban, served Fri 12.03.2027",
         message("bamf_decision", on="2027-03-12", outcome="deportation_ban",
                 decision_date="2027-03-10", served_on="2027-03-12"),
         "S3d", "asylblg", {},
         {"served_on": "2027-03-12",
          # Fri 12.03. + 2 weeks = Fri 26.03. Karfreitag -> Sat, Sun, Mon 29.03. Ostermontag
          # -> Tue 30.03.
          "lawsuit_deadline": "2027-03-30",
          "decision_final_on": "2027-03-31"}),  # no AsylbLG end yet: SGB II needs the permit
    Step("final: only the ABH works", at("2027-03-31"), "S3d", "asylblg",
         {ABH: ["Task_permit_prepare"]}),
    Step("permit §25(3) issued 20.04.2027",
         seq(complete("Task_permit_prepare", PERMIT_PREPARE),
             message("permit_issued", on="2027-04-20", paragraph="§25(3)",
                     valid_until="2028-04-19", issued_on="2027-04-20")),
         "S3d", "asylblg", {SOZ: ["Task_handover_propose"]},
         {"permit_renewal_reminder": "2028-02-09",  # Wed 19.04.2028 - 10 weeks
          # §12a applies to a first §25(3) permit: 3 years from 20.04.2027
          "wohnsitzauflage_end": "2030-04-19",
          # no course_entitlement_expiry: §25(3) gives no entitlement
          "asylblg_end": "2027-04-30",  # end of the month the permit was issued
          "sgb2_start": "2027-05-01"}),
    Step("handover", handover("2027-04-22T10:00:00+02:00", continuity=True), tasks={},
         deadlines={"sgb2_application_deadline": "2027-05-31"}),  # Mon 31.05.2027
    Step("application and approval",
         seq(message("sgb2_application_received", on="2027-04-22", received_on="2027-04-22"),
             complete("Task_sgb2_approve", SGB2_APPROVAL)), tasks={}),
    Step("AsylbLG stopped", seq(at("2027-04-30"), complete("Task_asylblg_stop", ASYLBLG_STOP)),
         tasks={}),
    Step("S5", at("2027-05-01"), "S5", "sgb2", {JCV: ["Task_first_appointment"]},
         {"ip_responsibility_end": "2028-04-30"}),  # 12 months from 01.05.2027
    Step("no course place (no entitlement)",
         seq(complete("Task_first_appointment", FIRST_APPOINTMENT),
             complete("Task_course_obligation", NO_COURSE)), "S5", tasks={}),
    Step("permit renewal reminder falls in the IP phase", at("2028-02-09"), "S5",
         tasks={ABH: ["Task_permit_renewal"]}),
    Step("renewal requested", complete("Task_permit_renewal",
                                       {"renewal_requested_on": "2028-02-09"}), tasks={}),
    Step("last day of the IP's responsibility", at("2028-04-30"), "S5", tasks={}),
    Step("12 months without a course", at("2028-05-01"), "S5",
         tasks={JCV: ["Task_handover_propose"]}),
    Step("closing handover: S6", handover("2028-05-03T10:00:00+02:00"), "S6", "sgb2", {},
         check=lambda eng, case: (closed(eng, case),
                                  closing_reason("12 Monate abgelaufen")(eng, case))),
]

RESETTLEMENT = [
    Step("resettlement case on Mon 04.10.2027", start("resettlement", on="2027-10-04"),
         "S3e", "sgb2", {EZ: ["Task_register"]}),
    Step("registered", complete("Task_register", REGISTRATION), "S3e",
         tasks={EZ: ["Task_resettlement_arrival"]}),
    Step("arrival recorded", complete("Task_resettlement_arrival",
                                      {"arrival_date": "2027-10-04"}),
         "S3e", "sgb2", {ABH: ["Task_permit_prepare"], EZ: ["Task_handover_propose"]},
         {"sgb2_start": "2027-10-04"}),  # SGB II from the arrival, no AsylbLG at all
    Step("handover proposed: no continuity check without AsylbLG",
         propose("2027-10-06T10:00:00+02:00"),
         tasks={ABH: ["Task_permit_prepare"], JCL: ["Task_handover_ack"]}),
    Step("handover closed", acknowledge_and_close(), tasks={ABH: ["Task_permit_prepare"]},
         # last working day of October 2027: Sun 31.10., Sat 30.10. -> Fri 29.10.
         deadlines={"sgb2_application_deadline": "2027-10-29"}),
    Step("permit §23(4) issued",
         seq(complete("Task_permit_prepare", PERMIT_PREPARE),
             message("permit_issued", paragraph="§23(4)", valid_until="2030-10-03",
                     issued_on="2027-10-04")),
         tasks={},
         deadlines={"permit_renewal_reminder": "2030-07-25",  # Thu 03.10.2030 - 10 weeks
                    # first §23(4) permit 04.10.2027 + 3 years, start day counts
                    "wohnsitzauflage_end": "2030-10-03",
                    "course_entitlement_expiry": "2028-10-04"}),
    Step("no application by the last working day", at("2027-10-29"),
         tasks={JCL: ["Task_application_reminder"]}),
    Step("late application", seq(complete("Task_application_reminder", REMINDER),
                                 message("sgb2_application_received", on="2027-11-02",
                                         received_on="2027-11-02")),
         tasks={JCL: ["Task_sgb2_approve"]}, check=application_in_time(False)),
    Step("approved: S5", complete("Task_sgb2_approve", SGB2_APPROVAL), "S5", "sgb2",
         {JCV: ["Task_first_appointment"]},
         # 12 months from 04.10.2027, start day counts: 03.10.2028 (Tag der Deutschen
         # Einheit; the end of a responsibility period is not moved)
         {"ip_responsibility_end": "2028-10-03"}),
]

MANIFESTLY_UNFOUNDED = [
    Step("registered, S2", asylum_registered(), "S2"),
    Step("manifestly unfounded, served Tue 26.09.2028",
         message("bamf_decision", on="2028-09-26", outcome="rejected_manifestly_unfounded",
                 decision_date="2028-09-22", served_on="2028-09-26"),
         "S4", "asylblg", {},
         {"served_on": "2028-09-26",
          # §36: 1 week -> Tue 03.10.2028 Tag der Deutschen Einheit -> Wed 04.10.
          "lawsuit_deadline": "2028-10-04",
          "decision_final_on": "2028-10-05",
          # §36(1): exit deadline 1 week, the same day moved by §31(3) VwVfG
          "exit_deadline": "2028-10-04"}),
    Step("final", at("2028-10-05"), "S4", "asylblg", {ABH: ["Task_duldung_check"]}),
    Step("Duldung issued Tue 31.10.2028",
         seq(complete("Task_duldung_check", {"duldung_reason": "missing_documents"}),
             message("duldung_issued", on="2028-10-31", issued_on="2028-10-31")),
         "S4", "asylblg", {},
         # 31.10.2028 + 18 months: 31.04.2030 does not exist -> 30.04.2030 (§188(3) BGB)
         {"duldung_review": "2030-04-30"}),
    Step("the day before the 18 months", at("2030-04-29"), "S4", tasks={}),
    Step("18 months: ABH review", at("2030-04-30"), "S4", tasks={ABH: ["Task_duldung_review"]}),
    Step("§25(5) granted: S4b", complete("Task_duldung_review",
                                         {"review_decision": "grant_25_5"}),
         "S4b", "asylblg", {ABH: ["Task_permit_prepare"]},
         {"asylblg_end": "2030-04-30",  # end of the month in which the 18 months are complete
          "sgb2_start": "2030-05-01"}),
    Step("permit §25(5) issued",
         seq(complete("Task_permit_prepare", PERMIT_PREPARE),
             message("permit_issued", on="2030-05-06", paragraph="§25(5)",
                     valid_until="2030-11-05", issued_on="2030-05-06")),
         "S4b", "asylblg", {SOZ: ["Task_handover_propose"]},
         # Tue 05.11.2030 - 10 weeks; no §12a and no course entitlement for §25(5)
         {"permit_renewal_reminder": "2030-08-27"}),
    Step("handover: SGB II started on 01.05. already",
         handover("2030-05-08T10:00:00+02:00", continuity=True), "S4b", "sgb2",
         {SOZ: ["Task_asylblg_stop"]}, {"sgb2_application_deadline": "2030-05-31"}),  # Fri
    Step("stopped, applied, approved: S5",
         seq(complete("Task_asylblg_stop", ASYLBLG_STOP),
             message("sgb2_application_received", received_on="2030-05-06"),
             complete("Task_sgb2_approve", SGB2_APPROVAL)),
         "S5", "sgb2", {JCV: ["Task_first_appointment"]},
         {"ip_responsibility_end": "2031-04-30"}),  # 12 months from 01.05.2030
    Step("a free course place without entitlement",
         seq(complete("Task_first_appointment", FIRST_APPOINTMENT),
             complete("Task_course_obligation", COURSE_PLANNED),
             handover("2030-05-13T10:00:00+02:00")), "S5", tasks={}),
    Step("course started (no entitlement that could lapse)",
         message("course_started", on="2030-06-03", start_date="2030-06-03"), tasks={}),
]

def short_deadlines_basis(eng: Staffel, case: str) -> None:
    deadlines = eng.cases.get(case).deadlines
    assert deadlines["lawsuit_deadline"].legal_basis.startswith("§74(1) Hs. 2 AsylG: 1 Woche")
    assert deadlines["exit_deadline"].legal_basis.startswith("§36(1) AsylG (unzulässig")
    assert "Ausreisefrist 7 Tage" in deadlines["exit_deadline"].legal_basis


INADMISSIBLE = [
    Step("registered, S2", asylum_registered(), "S2"),
    Step("inadmissible (§29(1) Nr. 2 AsylG: protection in another EU state), served Thu 20.05.",
         message("bamf_decision", on="2027-05-20", outcome="inadmissible",
                 decision_date="2027-05-18", served_on="2027-05-20"),
         "S4", "asylblg", {},
         {"served_on": "2027-05-20",
          # §36(3), §74(1) Hs. 2: 1 week -> Thu 27.05.2027 Fronleichnam -> Fri 28.05.
          "lawsuit_deadline": "2027-05-28",
          "decision_final_on": "2027-05-29",
          # §36(1): exit deadline 1 week, Fronleichnam -> Fri 28.05. (§31(3) VwVfG)
          "exit_deadline": "2027-05-28"},
         check=short_deadlines_basis),
    Step("last day to sue", at("2027-05-28"), "S4", tasks={}),
    Step("final on Sat 29.05.: the ABH checks exit or Duldung", at("2027-05-29"), "S4",
         "asylblg", {ABH: ["Task_duldung_check"]}),
    Step("Duldung issued Mon 07.06.2027",
         seq(complete("Task_duldung_check", {"duldung_reason": "missing_documents"}),
             message("duldung_issued", on="2027-06-07", issued_on="2027-06-07")),
         "S4", "asylblg", {}, {"duldung_review": "2028-12-07"}),  # + 18 months
    Step("18 months: ABH review", at("2028-12-07"), "S4",
         tasks={ABH: ["Task_duldung_review"]}),
    Step("exit: the case is closed in S4", complete("Task_duldung_review",
                                                   {"review_decision": "exit"}),
         "S4", "asylblg", {}, check=closed),
]

TRAINING_3_PLUS_2 = [
    Step("registered, S2", asylum_registered(), "S2"),
    Step("rejected, served Fri 17.12.2027",
         message("bamf_decision", on="2027-12-17", outcome="rejected",
                 decision_date="2027-12-15", served_on="2027-12-17"),
         "S4", "asylblg", {},
         {"served_on": "2027-12-17",
          # + 2 weeks = Fri 31.12.2027: New Year's Eve is a working day, no shift
          "lawsuit_deadline": "2027-12-31",
          "decision_final_on": "2028-01-01",
          # §38(1): 30 days -> Sun 16.01.2028 -> Mon 17.01.
          "exit_deadline": "2028-01-17"}),
    Step("last day to sue", at("2027-12-31"), "S4", tasks={}),
    Step("final", at("2028-01-03"), "S4", tasks={ABH: ["Task_duldung_check"]}),
    Step("Duldung issued", seq(complete("Task_duldung_check", {"duldung_reason": "training"}),
                               message("duldung_issued", issued_on="2028-01-03")),
         "S4", "asylblg", {}, {"duldung_review": "2029-07-03"}),  # 03.01.2028 + 18 months
    Step("training contract: S4a",
         message("training_contract", on="2028-07-20", start_date="2028-08-01",
                 end_date="2031-07-31"),
         "S4a", "asylblg", {ABH: ["Task_training_toleration"]}),
    Step("toleration granted", complete("Task_training_toleration",
                                        {"training_toleration_from": "2028-08-01"}),
         tasks={}),
    Step("no 18-month review on the training path", at("2029-07-03"), "S4a", tasks={}),
    Step("last training day", at("2031-07-31"), "S4a", tasks={}),
    Step("training completed", at("2031-08-01"), "S4a", "asylblg",
         {ABH: ["Task_permit_19d"]}),
    Step("employment confirmed", complete("Task_permit_19d", {"employment_confirmed": True}),
         tasks={ABH: ["Task_permit_prepare"]}),
    Step("permit §19d(1a) issued",
         seq(complete("Task_permit_prepare", PERMIT_PREPARE),
             message("permit_issued", on="2031-08-15", paragraph="§19d(1a)",
                     valid_until="2033-08-14", issued_on="2031-08-15")),
         "S4a", "asylblg", {SOZ: ["Task_handover_propose"]},
         {"permit_renewal_reminder": "2033-06-05",  # Sun 14.08.2033 - 10 weeks (not moved)
          "course_entitlement_expiry": "2032-08-15",  # §44(1) Nr. 1 a): employment permit
          "asylblg_end": "2031-08-31",
          "sgb2_start": "2031-09-01"}),
    Step("handover", handover("2031-08-18T10:00:00+02:00", continuity=True), tasks={},
         deadlines={"sgb2_application_deadline": "2031-09-30"}),  # Tue 30.09.2031
    Step("applied and approved",
         seq(message("sgb2_application_received", on="2031-08-20", received_on="2031-08-20"),
             complete("Task_sgb2_approve", SGB2_APPROVAL)), tasks={}),
    Step("AsylbLG stopped", seq(at("2031-08-31"), complete("Task_asylblg_stop", ASYLBLG_STOP)),
         "S4a", "asylblg", {}),
    Step("S5", at("2031-09-01"), "S5", "sgb2", {JCV: ["Task_first_appointment"]},
         {"ip_responsibility_end": "2032-08-31"}),
]

def refugee_until(label: str) -> list[Step]:
    """The refugee route up to and including the step with this label."""
    labels = [step.label for step in REFUGEE]
    return REFUGEE[: labels.index(label) + 1]


def followed_up_on(day: str) -> Any:
    """The course-start wait shows its follow-up: at the start of ``day`` (Berlin)."""
    def check(eng: Staffel, case: str) -> None:
        (wait,) = eng.cases.get(case).waiting_for
        assert (wait.message, wait.watchdog_due) == ("course_started", berlin(day, 0))
    return check


def answer_follow_ups(until: str) -> Any:
    """Answer the open course-start follow-up, and each next one on its day, until ``until``."""
    def act(eng: Staffel, case: str | None) -> None:
        assert case is not None
        while True:
            complete_open(eng, case, "Task_follow_up_course_started",
                          {"follow_up_action": "asked_office"})
            (wait,) = eng.cases.get(case).waiting_for
            assert wait.watchdog_due is not None
            next_day = wait.watchdog_due.astimezone(BERLIN).date()
            if next_day > date.fromisoformat(until):
                advance_to(eng, until)
                return
            advance_to(eng, next_day.isoformat())
    return act


# The course-start wait is watched while the entitlement runs: a follow-up every 30 working
# days, not only when the entitlement lapses (two timers on one event-based gateway).
ENTITLEMENT_LAPSES = [
    *refugee_until("course provider acknowledged"),
    # waiting since Thu 01.07.2027; 30 working days (no NW holiday in July and August) end
    # on Thu 12.08.2027: the follow-up comes at the start of Fri 13.08.
    Step("course start not reported yet", at("2027-08-12"), "S5", tasks={},
         check=followed_up_on("2027-08-13")),
    Step("follow-up after 30 working days", at("2027-08-13"), "S5",
         tasks={JCV: ["Task_follow_up_course_started"]}),
    Step("follow-ups answered until the last day of the course entitlement",
         answer_follow_ups("2028-06-15"), "S5", tasks={}),
    Step("entitlement lapsed", at("2028-06-16"), "S5",
         tasks={JCV: ["Task_entitlement_lapsed"]}),
    Step("obligation issued", complete("Task_entitlement_lapsed", {"obligation_issued": True}),
         tasks={}),
    Step("course started late", message("course_started", start_date="2028-06-20"), tasks={}),
    Step("12 months over (30.06.2028)", at("2028-07-01"), "S5",
         tasks={JCV: ["Task_handover_propose"]}, check=course_wait_cancelled),
]

# An escalation that is closed after the course was passed must not bring back the old
# result: SpiffWorkflow merges the data of every finished branch at the end of a called
# process, so outcome variables are only set after the last user task of a path.
PASSED_AFTER_REPEAT = [
    *refugee_until("course started"),
    Step("DTZ A2: not passed", message("course_result", on="2028-02-01", dtz_level="A2",
                                       lid_passed=True, date="2028-02-01"),
         tasks={JCV: ["Task_course_followup"]}),
    # created Tue 01.02.2028, sla_days 5 -> overdue after Tue 08.02.2028
    Step("follow-up overdue", at("2028-02-09"),
         tasks={JCV: ["Task_course_followup"], "supervisor": ["Esc_course_followup"]}),
    Step("repeat", complete("Task_course_followup", {"course_repeat": True}),
         tasks={"supervisor": ["Esc_course_followup"]}),
    Step("passed at the second attempt",
         message("course_result", on="2028-04-03", dtz_level="B1", lid_passed=True,
                 date="2028-04-03"),
         "S5", tasks={"supervisor": ["Esc_course_followup"]}),
    Step("escalation closed last", complete("Esc_course_followup", {
        "escalation_action": "no_action"}),
         "S5", tasks={JCV: ["Task_handover_propose"]}),
    Step("closing handover", handover("2028-04-10T10:00:00+02:00"), "S6", "sgb2", {},
         check=lambda eng, case: (closed(eng, case),
                                  closing_reason("Integrationskurs bestanden")(eng, case))),
]

ROUTES = {
    "refugee, course passed early": REFUGEE,
    "asylum Art. 16a": ASYLUM_16A,
    "subsidiary, no consent, 12 months without a passed course": SUBSIDIARY,
    "deportation ban, no course, 12 months": DEPORTATION_BAN,
    "resettlement": RESETTLEMENT,
    "manifestly unfounded -> Duldung -> 18 months -> §25(5)": MANIFESTLY_UNFOUNDED,
    "inadmissible -> Duldung -> 18 months -> exit": INADMISSIBLE,
    "rejection -> 3+2": TRAINING_3_PLUS_2,
    "refugee, course entitlement lapses, 12 months": ENTITLEMENT_LAPSES,
    "refugee, course passed at the second attempt, escalation closed last":
        PASSED_AFTER_REPEAT,
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_route(make_engine: Any, route: str) -> None:
    eng = new_engine(make_engine)
    run_route(eng, route, ROUTES[route])
