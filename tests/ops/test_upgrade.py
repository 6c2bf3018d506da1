"""Upgrading a populated database from the previous release's schema (issue 16, "migrations on
upgrade"): the fixture tests/data/releases/0017 was written by the release before issue 16
(commit bd4537a, schema 0017_saved_filters) through its own engine; here it is loaded at that
revision, migrated to head by ``staffel init-db`` (so migration 0018, which rewrites the stored
case states, runs on real old states), and then worked with: the audit chain, the counts,
every case, a task, a kept message and a timer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from engine import Staffel, read_key_file
from engine.execution.state_format import LEAN_FORMAT, OLD_FORMAT
from engine.persistence.db import normalise_url
from tests.ops.release_fixture import RELEASE_0017, load_release, manifest
from tests.web.test_pages_support import HTML, login
from web import create_app

ROOT = Path(__file__).resolve().parents[2]
STAFFEL = str(Path(sys.executable).with_name("staffel"))
# the tables whose rows an upgrade must keep one for one
KEPT_TABLES = ("cases", "human_tasks", "audit_events", "timers", "message_waits",
               "inbound_messages", "users", "user_teams", "handovers", "case_deadlines",
               "task_comments", "task_drafts", "saved_filters", "process_versions")
CONTINUITY = {"asylblg_end_confirmed": True, "sgb2_start_confirmed": True,
              "application_status": "not_yet_filed", "no_gap": True}
REGISTRATION = {"interpreter_needed": False, "languages": ["ar"],
                "identity_documents": "arrival_certificate", "consent_given": False}


def _counts(database_url: str) -> dict[str, int]:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                    for t in KEPT_TABLES}
    finally:
        engine.dispose()


def _state_forms(database_url: str) -> set[str]:
    """The serializer versions of the stored instance states."""
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return {str(v) for (v,) in conn.execute(text(
                "SELECT DISTINCT serializer_version FROM process_instances"))}
    finally:
        engine.dispose()


def _revision(database_url: str) -> str:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def upgraded(empty_database_url: str, tmp_path: Path) -> tuple[str, Path]:
    """The release fixture loaded at 0017 and upgraded by ``staffel init-db``; (url, keys)."""
    keys = tmp_path / "release.keys"
    shutil.copy(RELEASE_0017 / "test-keys.toml", keys)
    assert load_release(empty_database_url) == "0017_saved_filters"
    assert _revision(empty_database_url) == "0017_saved_filters"
    assert _state_forms(empty_database_url) == {OLD_FORMAT}  # as the release wrote them
    env = {**os.environ, "STAFFEL_KEYS_FILE": str(keys)}
    for name in ("STAFFEL_DATA_KEYS", "STAFFEL_INDEX_KEY", "STAFFEL_STATE_CONVERSION"):
        env.pop(name, None)
    done = subprocess.run([STAFFEL, "init-db", "--database-url", empty_database_url],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return empty_database_url, keys


def test_the_fixture_was_made_by_the_previous_release() -> None:
    made = manifest()
    assert made["revision"] == "0017_saved_filters"
    assert made["made_by"].startswith("bd4537a")
    stages = {case["stage"] for case in made["cases"].values()}
    assert {"S1", "S2", "S3b", "S5"} <= stages
    assert made["counts"]["task_drafts"] and made["counts"]["task_comments"]


def test_an_upgraded_database_keeps_everything_and_works_on(upgraded: tuple[str, Path]) -> None:
    url, keys = upgraded
    made = manifest()
    head = _revision(url)
    assert head != "0017_saved_filters"
    assert _state_forms(url) == {LEAN_FORMAT}  # migration 0018 converted every stored state
    assert {t: n for t, n in _counts(url).items()} == {t: made["counts"][t] for t in KEPT_TABLES}
    tables = set(inspect(create_engine(normalise_url(url))).get_table_names())
    assert set(made["counts"]) <= tables

    eng = Staffel(url, clock="auto", keys=read_key_file(keys))
    eng.init_db()
    try:
        verified = eng.audit.verify()
        assert verified.ok, verified.reason
        assert verified.checked == made["counts"]["audit_events"]

        # every case reads (the case view's data), the labelled ones where the release left them
        page = eng.cases.list(per_page=100)
        assert page.total == made["counts"]["cases"]
        for summary in page.items:
            view = eng.cases.get(summary.id)
            assert view.person is not None and view.person["family_name"]
        for label, expected in made["cases"].items():
            view = eng.cases.get(expected["id"])
            assert view.stage == expected["stage"], label
            assert sorted(t.name for t in view.open_tasks) == expected["open_tasks"], label
        s3b = made["cases"]["s3b_handover"]["id"]
        assert [k.message for k in eng.cases.get(s3b).buffered] == ["sgb2_application_received"]

        # a task completes: the continuity check of the S3b case's handover
        task = next(t for t in eng.cases.get(s3b).open_tasks
                    if t.name == "Task_continuity_check")
        eng.tasks.complete(task.id, CONTINUITY, actor=f"cw_{task.team}")
        assert "Task_handover_ack" in {t.name for t in eng.cases.get(s3b).open_tasks}

        # the BAMF decision kept during the registration is delivered when the case waits
        kept = made["cases"]["kept_decision"]["id"]
        assert [k.message for k in eng.cases.get(kept).buffered] == ["bamf_decision"]
        for name, data in (("Task_register", REGISTRATION),
                           ("Task_asylblg_grant", {"asylblg_from": "2027-03-01",
                                                   "accommodation": "shared"}),
                           ("Task_gestattung", {"asylum_application_filed_on": "2027-03-01",
                                                "gestattung_valid_until": "2027-09-01"})):
            task = next(t for t in eng.cases.get(kept).open_tasks if t.name == name)
            eng.tasks.complete(task.id, data, actor=f"cw_{task.team}")
        view = eng.cases.get(kept)
        assert view.buffered == [] and view.stage.startswith("S3"), view.stage

        # a timer fires when the clock moves: the follow-up of the wait for the BAMF
        waiting = made["cases"]["waits_for_bamf"]["id"]
        assert eng.cases.get(waiting).open_tasks == []
        _now, fired = eng.clock.advance(by=timedelta(days=120), actor="test")
        assert fired > 0
        assert eng.cases.get(waiting).open_tasks, "the wait's follow-up task"
        assert eng.audit.verify().ok
    finally:
        eng.close()


def test_every_case_page_of_an_upgraded_database_opens(upgraded: tuple[str, Path]) -> None:
    url, keys = upgraded
    eng = Staffel(url, clock="auto", keys=read_key_file(keys))
    eng.init_db()
    try:
        client = create_app({"ENGINE": eng, "DEPLOY_ON_START": False, "TESTING": True,
                             "SECRET_KEY": "test"}).test_client()
        assert login(client, "supervisor", "demo").status_code == 302  # a demo user of 0017
        for label, case in manifest()["cases"].items():
            response = client.get(f"/cases/{case['id']}", headers=HTML)
            assert response.status_code == 200, label
            assert case["case_number"] in response.get_data(as_text=True)
    finally:
        eng.close()
