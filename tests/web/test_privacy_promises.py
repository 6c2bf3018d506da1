"""Two promises of docs/security.md and docs/privacy.md: the logs name pseudonymous ids only,
never a person's value; and a missing key is a clear 503, not a stack trace."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from engine import KeyRing, Staffel
from engine.persistence.crypto import ring_of
from tests.web.conftest import PASSWORD
from tests.web.test_pages_support import HTML
from tests.web.test_person_data_sweep import AZ, SECRETS, build_scene, page_client, sweep
from web import create_app


@pytest.fixture
def scene(api_engine: Staffel) -> dict[str, str]:
    return build_scene(api_engine)


def test_no_person_value_reaches_the_logs(app: Flask, scene: dict[str, str],
                                          api_engine: Staffel, tokens: dict[str, str],
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api_engine.people.add("cw_hand", PASSWORD, ["caseworker"], ["sozialamt", "eingangszone"])
    token = api_engine.people.issue_token("cw_hand").token
    found = sweep(app, app.test_client(), {"Authorization": f"Bearer {token}"}, scene)
    assert found  # the sweep saw the person's data ...
    sweep(app, page_client(app, "cw_hand"), HTML, scene)
    client = app.test_client()
    response = client.post(f"/api/v1/tasks/{scene['task_id']}/claim",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 404)
    client.post("/api/v1/cases", json={
        "person": {"family_name": "Zwetschgenbaum", "given_name": "Ilvana",
                   "birth_date": "1987-11-23"}, "land": "NW", "entry": "asylum",
        "bamf_aktenzeichen": AZ}, headers={"Authorization": f"Bearer {tokens['admin']}"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged  # ... and the app logged while it did
    assert [s for s in SECRETS if s in logged] == []  # but never a value of the person


def test_a_missing_key_is_a_clear_503(api_engine: Staffel, scene: dict[str, str],
                                      tokens: dict[str, str]) -> None:
    ring = ring_of(api_engine.db.engine.dialect)
    wrong = Staffel(api_engine.db.url, clock="simulated",
                    keys=KeyRing(KeyRing.generate().data_keys, ring.index_key))
    app = create_app({"ENGINE": wrong, "DEPLOY_ON_START": False, "TESTING": True,
                      "CASE_PROCESS": "basic", "SECRET_KEY": "test"})
    response = app.test_client().get(f"/api/v1/cases/{scene['case_id']}",
                                     headers={"Authorization": f"Bearer {tokens['cw_soz']}"})
    assert response.status_code == 503
    assert response.get_json()["code"] == "keys"
    assert "cannot be decrypted" in response.get_json()["message"]
    wrong.close()
