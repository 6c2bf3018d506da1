"""Outside events over HTTP and the CLI (issue 12): what a case waits for and what is kept for
it, the stalled cases of a supervisor's teams, ``staffel message`` and ``staffel check``."""

from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import text

from engine import Staffel
from engine.persistence.db import Database
from tests.conftest import ENGINE_DIAGRAMS, START
from tests.web.conftest import Api, assert_error, start_basic, start_waiting
from web.cli import main


def test_the_case_answer_names_waits_and_kept_messages(api: Api, api_engine: Staffel) -> None:
    waiting = start_waiting(api_engine, "8000000-001")
    early = start_basic(api_engine, "8000000-002")
    api.post("/api/v1/messages", {"name": "bamf_decision", "case_id": early.id,
                                  "payload": {"outcome": "refugee"}})
    body = api.get(f"/api/v1/cases/{waiting.id}").get_json()
    assert body["waiting_for"] == [{
        "message": "bamf_decision", "label": "BAMF-Bescheid", "element_id": "Gw_decision_wait",
        "since": START.isoformat(), "expected_team": "sozialamt",
        "watchdog_due": "2027-05-31T22:00:00+00:00",  # 60 working days (NW): 1 June, 0:00
        "buffered": False}]
    assert body["buffered"] == []
    kept = api.get(f"/api/v1/cases/{early.id}").get_json()["buffered"]
    assert [(k["message"], k["source"], k["received_by"]) for k in kept] == [
        ("bamf_decision", "api", "admin")]


def test_supervisors_see_the_stalled_cases_of_their_teams(api: Api,
                                                          api_engine: Staffel) -> None:
    case = start_waiting(api_engine, "8000000-001")  # waits for the BAMF, watched
    assert api.get("/api/v1/supervisor/stalled", as_="admin").get_json()["total"] == 0
    with api_engine.db.write() as session:  # its follow-up timer failed: nothing watches
        session.execute(text("UPDATE timers SET status = 'failed' WHERE case_id = :case"),
                        {"case": case.id})
    answer = api.get("/api/v1/supervisor/stalled", as_="sup_soz")
    assert answer.status_code == 200
    assert [(i["case_id"], i["stage"], i["waiting_for"]) for i in answer.get_json()["items"]] \
        == [(case.id, "S1", ["bamf_decision"])]
    assert api.get("/api/v1/supervisor/stalled", as_="sup_jc").get_json()["total"] == 0
    assert api.get("/api/v1/supervisor/stalled", as_="admin").get_json()["total"] == 1
    assert_error(api.get("/api/v1/supervisor/stalled", as_="cw_soz"), 403, "forbidden")
    assert_error(api.get("/api/v1/supervisor/stalled?team=jc_leistung", as_="sup_soz"), 403,
                 "forbidden")


def test_staffel_message_keeps_an_early_message_and_check_lists_stalled_cases(
        database_url: str) -> None:
    runner = CliRunner()

    def cli(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, [*args, "--database-url", database_url],
                             catch_exceptions=False)

    cli("init-db", "--clock", "simulated")
    cli("deploy", str(ENGINE_DIAGRAMS))
    started = cli("start-case", "--family-name", "Haddad", "--given-name", "Rana",
                  "--birth-date", "1990-04-12", "--process", "basic", "--land", "NW",
                  "--bamf-aktenzeichen", "8123456-423")
    task_id = re.search(r"open task (\S+) Task_register", started.output).group(1)  # type: ignore[union-attr]
    assert cli("check").exit_code == 0
    kept = cli("message", "bamf_decision", "--bamf-aktenzeichen", "8123456-423",
               "--payload", '{"outcome": "refugee"}', "--message-id", "bamf-1")
    assert kept.exit_code == 0, kept.output
    assert re.search(r"kept bamf_decision for case ST-\S+ \(stage S1\) until 2027-01-05",
                     kept.output)
    again = cli("message", "bamf_decision", "--bamf-aktenzeichen", "8123456-423",
                "--payload", '{"outcome": "refugee"}', "--message-id", "bamf-1")
    assert "bamf_decision bamf-1 came before (buffered); nothing changed" in again.output
    never = cli("message", "course_result", "--bamf-aktenzeichen", "8123456-423")
    assert never.exit_code == 4 and "will never use message 'course_result'" in never.output
    done = cli("complete", task_id, "--data", '{"interpreter_needed": false}')
    assert done.exit_code == 0, done.output
    assert cli("check").exit_code == 0  # the kept decision was used: the case completed

    other = cli("start-case", "--family-name", "Karimi", "--given-name", "Amir",
                "--birth-date", "1993-09-09", "--process", "basic", "--land", "NW")
    other_task = re.search(r"open task (\S+) Task_register", other.output).group(1)  # type: ignore[union-attr]
    cli("complete", other_task, "--data", '{"interpreter_needed": false}')
    assert cli("check").exit_code == 0  # it waits for the decision, watched by a timer
    db = Database(database_url)
    with db.write() as session:  # the follow-up timer failed too often: nothing watches
        session.execute(text("UPDATE timers SET status = 'failed'"))
    db.dispose()
    stalled = cli("check")
    assert stalled.exit_code == 1
    assert re.search(r"ST-\S+  stage S1  unchanged since 2026-01-05  waits for bamf_decision",
                     stalled.output)
