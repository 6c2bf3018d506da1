"""Log lines (issue 16): one per request (method, URL rule, status, duration, pseudonymous user)
and one per engine event (kind and ids), text or JSON, and never a person's data; the
readiness probe's scheduler heartbeat."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import Staffel
from tests.web.conftest import NEW_CASE, Api
from web import create_app
from web.logging_setup import (
    ACCESS_LOGGER,
    NOISY_LOGGERS,
    configure_logging,
    formatter,
    pseudonym,
)

PERSON_DATA = ("Haddad", "Rana", "1990-04-12", "12.04.1990", "8123456-423")


@pytest.fixture()
def captured(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """Every log line of the app in one buffer, formatted as ``staffel serve`` does; the
    logging set-up of the test process is restored afterwards."""
    fmt = getattr(request, "param", "json")
    root, access = logging.getLogger(), logging.getLogger(ACCESS_LOGGER)
    saved = (list(root.handlers), root.level, list(access.handlers), access.propagate,
             access.level)
    quietened = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    buffer = io.StringIO()
    configure_logging(fmt, None)
    for logger in (root, access):
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        sink = logging.StreamHandler(buffer)
        sink.setFormatter(formatter(fmt))
        logger.addHandler(sink)
    yield buffer
    root.handlers[:], root.level = saved[0], saved[1]
    access.handlers[:], access.propagate, access.level = saved[2], saved[3], saved[4]
    for name, level in quietened.items():
        logging.getLogger(name).setLevel(level)


def lifecycle_steps(api: Api, api_engine: Staffel) -> tuple[str, str]:
    """Create a case with a person, search for her by name, open and complete her task."""
    created = api.post("/api/v1/cases", NEW_CASE, as_="cw_ez")
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["id"]
    for path in (f"/api/v1/cases?q={NEW_CASE['person']['family_name']}",
                 "/api/v1/cases?q=1990-04-12", f"/api/v1/cases/{case_id}"):
        api.get(path, as_="cw_soz").close()
    api.get("/inbox?q=Rana+Haddad", as_=None).close()
    task_id = api_engine.cases.get(case_id).open_tasks[0].id
    done = api.post(f"/api/v1/tasks/{task_id}/complete",
                    {"data": {"interpreter_needed": True, "language": "ar"}}, as_="cw_soz")
    assert done.status_code == 200, done.get_json()
    done.close()
    created.close()
    return case_id, task_id


@pytest.mark.parametrize("captured", ["json", "text"], indirect=True)
def test_no_person_data_in_request_and_event_lines(api: Api, api_engine: Staffel,
                                                   captured: io.StringIO) -> None:
    case_id, task_id = lifecycle_steps(api, api_engine)
    output = captured.getvalue()
    for value in PERSON_DATA:
        assert value not in output
    assert "q=" not in output and "?" not in output
    access = [line for line in output.splitlines() if ACCESS_LOGGER in line]
    assert access and not any("cw_soz" in line or "cw_ez" in line for line in access)
    assert "spiff" not in output  # SpiffWorkflow's per-task chatter stays out
    assert case_id in output and task_id in output


def test_json_lines_carry_route_status_duration_user_and_events(
        api: Api, api_engine: Staffel, captured: io.StringIO) -> None:
    case_id, task_id = lifecycle_steps(api, api_engine)
    lines = [json.loads(line) for line in captured.getvalue().splitlines() if line]
    requests = [x for x in lines if x["logger"] == ACCESS_LOGGER]
    completion = next(x for x in requests if x["method"] == "POST"
                      and x["route"] == "/api/v1/tasks/<task_id>/complete")
    assert completion["status"] == 200 and completion["ms"] > 0
    assert completion["user"] == pseudonym("test", "cw_soz")
    search = next(x for x in requests if x["route"] == "/api/v1/cases"
                  and x["method"] == "GET")
    assert search["status"] == 200
    anonymous = next(x for x in requests if x["route"] == "/inbox")
    assert anonymous["user"] == "-" and anonymous["status"] == 302
    events = [x for x in lines if x["logger"] == "staffel.events"]
    done = next(x for x in events if x["event"] == "task_completed")
    assert done["case_id"] == case_id and done["task_id"] == task_id
    assert {"case_created", "task_created"} <= {x["event"] for x in events}


def test_a_wrong_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="STAFFEL_LOG_FORMAT"):
        formatter("yaml")


def test_ready_waits_for_an_expected_scheduler(api_engine: Staffel) -> None:
    plain = create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "TESTING": True,
                        "SECRET_KEY": "test"})
    expecting = create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "TESTING": True,
                            "SECRET_KEY": "test", "EXPECT_SCHEDULER": True})
    answer = plain.test_client().get("/health/ready")
    assert answer.status_code == 200
    assert answer.get_json()["scheduler"] == {"expected": False, "age_seconds": None,
                                              "stale": True}
    answer = expecting.test_client().get("/health/ready")
    assert answer.status_code == 503 and answer.get_json()["reason"] == "scheduler"
    assert answer.headers["Retry-After"]
    api_engine.health.beat("timers")
    answer = expecting.test_client().get("/health/ready")
    assert answer.status_code == 200, answer.get_json()
    scheduler = answer.get_json()["scheduler"]
    assert scheduler["stale"] is False and 0 <= scheduler["age_seconds"] < 60


def test_serve_refuses_a_wrong_log_format(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from web.cli import main

    monkeypatch.setenv("STAFFEL_LOG_FORMAT", "yaml")
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--database-url",
                                       f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 2, result.output
    assert "STAFFEL_LOG_FORMAT must be one of text, json" in result.output
    assert not (tmp_path / "x.db").exists()  # nothing started, nothing created
