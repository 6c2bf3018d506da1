"""The authorization matrix: every endpoint × every role × own / other team.

The scene: case ``open`` has an open, unclaimed sozialamt task; case ``waiting`` had one
(completed) and waits for the message ``bamf_decision``. "Own team" is sozialamt, "other
team" jc_leistung (which never worked on either case). Each cell names the expected status;
a refusal must be in the one error shape and must leave the database unchanged.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.imports import Importer
from engine import Staffel
from tests.conftest import DATA, PERSON
from tests.web.conftest import NEW_CASE, Api, assert_error, snapshot, start_basic, start_waiting
from tests.web.test_erasure_api import ended_case
from tests.web.test_pages_imports import decisions

ACTORS = {
    "caseworker/own": "cw_soz",
    "caseworker/other": "cw_jc",
    "caseworker/eingangszone": "cw_ez",
    "caseworker/own+message-team": "cw_multi",
    "supervisor/own": "sup_soz",
    "supervisor/other": "sup_jc",
    "process_owner": "owner",
    "admin": "admin",
    "anonymous": None,
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    body: Any = None
    form: dict[str, Any] | None = None  # multipart/form-data; bytes become a file part


ENDPOINTS = {
    "GET /cases": Endpoint("GET", "/api/v1/cases"),
    "POST /cases": Endpoint("POST", "/api/v1/cases", NEW_CASE),
    "GET /cases/{id}": Endpoint("GET", "/api/v1/cases/{open}"),
    "GET /cases/{id}/audit": Endpoint("GET", "/api/v1/cases/{open}/audit"),
    # personal-data duties (issue 14): the read log, the access report, consent withdrawal
    "GET /cases/{id}/reads": Endpoint("GET", "/api/v1/cases/{open}/reads"),
    "GET /cases/{id}/access-report": Endpoint("GET", "/api/v1/cases/{open}/access-report"),
    "POST /cases/{id}/consent-withdrawal": Endpoint(
        "POST", "/api/v1/cases/{open}/consent-withdrawal", {}),
    "GET /tasks": Endpoint("GET", "/api/v1/tasks"),
    "GET /tasks/{id}": Endpoint("GET", "/api/v1/tasks/{task}"),
    "POST /tasks/{id}/claim": Endpoint("POST", "/api/v1/tasks/{task}/claim"),
    "POST /tasks/{id}/unclaim": Endpoint("POST", "/api/v1/tasks/{task}/unclaim"),
    "POST /tasks/{id}/complete": Endpoint("POST", "/api/v1/tasks/{task}/complete",
                                          {"data": {"interpreter_needed": False}}),
    "POST /tasks/{id}/assign": Endpoint("POST", "/api/v1/tasks/{task}/assign",
                                        {"username": "cw_soz2"}),
    # work on a task (issue 15, point 5): a private draft per user, comments for the case's teams
    "GET /tasks/{id}/draft": Endpoint("GET", "/api/v1/tasks/{task}/draft"),
    "PUT /tasks/{id}/draft": Endpoint("PUT", "/api/v1/tasks/{task}/draft",
                                      {"data": {"interpreter_needed": True}}),
    "DELETE /tasks/{id}/draft": Endpoint("DELETE", "/api/v1/tasks/{task}/draft"),
    "GET /tasks/{id}/comments": Endpoint("GET", "/api/v1/tasks/{task}/comments"),
    "POST /tasks/{id}/comments": Endpoint("POST", "/api/v1/tasks/{task}/comments",
                                          {"text": "Termin telefonisch bestätigt"}),
    "POST /messages": Endpoint("POST", "/api/v1/messages",
                               {"name": "bamf_decision", "case_id": "{waiting}",
                                "payload": {"outcome": "refugee"}}),
    "GET /clock": Endpoint("GET", "/api/v1/clock"),
    "POST /clock/advance": Endpoint("POST", "/api/v1/clock/advance", {"by": "P1D"}),
    "GET /process-definitions": Endpoint("GET", "/api/v1/process-definitions"),
    "POST /process-definitions/validate": Endpoint(
        "POST", "/api/v1/process-definitions/validate?filename=basic.bpmn", "<not-bpmn/>"),
    "POST /process-definitions": Endpoint(
        "POST", "/api/v1/process-definitions?filename=basic.bpmn", "<not-bpmn/>"),
    "POST /process-definitions/test-run": Endpoint(
        "POST", "/api/v1/process-definitions/test-run?filename=basic.bpmn", "<not-bpmn/>"),
    "GET /process-definitions/{key}/versions": Endpoint(
        "GET", "/api/v1/process-definitions/basic/versions"),
    "GET /process-definitions/{key}/versions/{version}": Endpoint(
        "GET", "/api/v1/process-definitions/basic/versions/1"),
    "GET /process-definitions/{key}/diff": Endpoint(
        "GET", "/api/v1/process-definitions/basic/diff?from=1&to=1"),
    "POST /process-definitions/{key}/migrations": Endpoint(
        "POST", "/api/v1/process-definitions/basic/migrations", {"from": 1, "to": 2}),
    "POST /process-definitions/{key}/versions/{version}/rollback": Endpoint(
        "POST", "/api/v1/process-definitions/basic/versions/1/rollback"),
    "DELETE /auth/token": Endpoint("DELETE", "/api/v1/auth/token"),
    "GET /supervisor/overdue": Endpoint("GET", "/api/v1/supervisor/overdue?team=sozialamt"),
    "GET /supervisor/summary": Endpoint("GET", "/api/v1/supervisor/summary?team=sozialamt"),
    "GET /supervisor/stalled": Endpoint("GET", "/api/v1/supervisor/stalled?team=sozialamt"),
    # a third case (process ``handover`` of tests/data/web): sozialamt -> jc_leistung, no
    # joint appointment recorded (so the invitation is 404 even where access is allowed)
    "GET /handovers/{handover_id}/package": Endpoint(
        "GET", "/api/v1/handovers/{handover}/package"),
    "GET /handovers/{handover_id}/appointment.ics": Endpoint(
        "GET", "/api/v1/handovers/{handover}/appointment.ics"),
    "GET /statistics.csv": Endpoint("GET", "/api/v1/statistics.csv"),
    # agency files: an import of a BAMF decision for nobody made a file and a clarification
    "POST /imports": Endpoint("POST", "/api/v1/imports", form={
        "kind": "decisions", "file": decisions("9999999-998", "Unbekannt")}),
    "GET /imports": Endpoint("GET", "/api/v1/imports"),
    "GET /imports/{file_id}": Endpoint("GET", "/api/v1/imports/{file}"),
    "GET /imports/{file_id}/report.csv": Endpoint("GET", "/api/v1/imports/{file}/report.csv"),
    "GET /clarifications": Endpoint("GET", "/api/v1/clarifications"),
    "GET /clarifications/{clarification_id}": Endpoint(
        "GET", "/api/v1/clarifications/{clarification}"),
    "POST /clarifications/{clarification_id}/resolve": Endpoint(
        "POST", "/api/v1/clarifications/{clarification}/resolve",
        {"case_number": "{waiting_number}"}),
    "POST /clarifications/{clarification_id}/discard": Endpoint(
        "POST", "/api/v1/clarifications/{clarification}/discard", {"reason": "unbekannt"}),
    "GET /supervisor/waits": Endpoint("GET", "/api/v1/supervisor/waits?team=sozialamt"),
    # erasure (issue 14): team leads ask, administrators decide; {ended}: a completed case
    "POST /cases/{id}/erasure-requests": Endpoint(
        "POST", "/api/v1/cases/{ended}/erasure-requests", {"reason": "Antrag der Person"}),
    "GET /erasure-requests": Endpoint("GET", "/api/v1/erasure-requests"),
    "POST /erasure-requests/{request_id}/decision": Endpoint(
        "POST", "/api/v1/erasure-requests/{erasure_request}/decision", {"approve": False}),
}

# endpoint -> expected status per actor, in the order of ACTORS:
#   cw/own cw/other cw/ez cw/multi sup/own sup/other owner admin anonymous
MATRIX: dict[str, tuple[int, ...]] = {
    "GET /cases":                (200, 200, 200, 200, 200, 200, 403, 200, 401),
    "POST /cases":               (403, 403, 201, 403, 201, 201, 403, 201, 401),
    "GET /cases/{id}":           (200, 404, 404, 200, 200, 404, 403, 200, 401),
    "GET /cases/{id}/audit":     (200, 404, 404, 200, 200, 404, 403, 200, 401),
    # a person's data: teams with work on the case, never admins; the read log: supervisors
    "GET /cases/{id}/reads":     (403, 404, 404, 403, 200, 404, 403, 404, 401),
    "GET /cases/{id}/access-report":
                                 (200, 404, 404, 200, 200, 404, 403, 404, 401),
    "POST /cases/{id}/consent-withdrawal":
                                 (201, 404, 404, 201, 201, 404, 403, 404, 401),
    "GET /tasks":                (200, 200, 200, 200, 200, 200, 403, 200, 401),
    "GET /tasks/{id}":           (200, 404, 404, 200, 200, 404, 403, 200, 401),
    "POST /tasks/{id}/claim":    (200, 404, 404, 200, 200, 404, 403, 403, 401),
    "POST /tasks/{id}/unclaim":  (200, 404, 404, 200, 200, 404, 403, 403, 401),
    "POST /tasks/{id}/complete": (200, 404, 404, 200, 200, 404, 403, 403, 401),
    "POST /tasks/{id}/assign":   (403, 404, 404, 403, 200, 404, 403, 403, 401),
    # drafts: the task's team only (admins and owners never work on tasks: 403); comments are
    # about a person: the case's teams, administrators 404 like everyone without work on it
    # (nobody has a draft yet: 404 for the task's team too; tests/web/test_task_work.py reads one)
    "GET /tasks/{id}/draft":     (404, 404, 404, 404, 404, 404, 403, 403, 401),
    "PUT /tasks/{id}/draft":     (200, 404, 404, 200, 200, 404, 403, 403, 401),
    "DELETE /tasks/{id}/draft":  (204, 404, 404, 204, 204, 404, 403, 403, 401),
    "GET /tasks/{id}/comments":  (200, 404, 404, 200, 200, 404, 403, 404, 401),
    "POST /tasks/{id}/comments": (201, 404, 404, 201, 201, 404, 403, 404, 401),
    "POST /messages":            (200, 403, 404, 200, 200, 403, 403, 200, 401),
    "GET /clock":                (200, 200, 200, 200, 200, 200, 200, 200, 401),
    "POST /clock/advance":       (403, 403, 403, 403, 403, 403, 403, 200, 401),
    "GET /process-definitions":  (200, 200, 200, 200, 200, 200, 200, 200, 401),
    # owners and admins pass authorization; the JSON body is no BPMN document (422)
    "POST /process-definitions/validate":
                                 (403, 403, 403, 403, 403, 403, 422, 422, 401),
    "POST /process-definitions": (403, 403, 403, 403, 403, 403, 422, 422, 401),
    "POST /process-definitions/test-run":
                                 (403, 403, 403, 403, 403, 403, 422, 422, 401),
    "GET /process-definitions/{key}/versions":
                                 (200, 200, 200, 200, 200, 200, 200, 200, 401),
    "GET /process-definitions/{key}/versions/{version}":
                                 (403, 403, 403, 403, 403, 403, 200, 200, 401),
    "GET /process-definitions/{key}/diff":
                                 (403, 403, 403, 403, 403, 403, 200, 200, 401),
    "POST /process-definitions/{key}/migrations":  # there is no version 2
                                 (403, 403, 403, 403, 403, 403, 404, 404, 401),
    "POST /process-definitions/{key}/versions/{version}/rollback":  # version 1 is the newest
                                 (403, 403, 403, 403, 403, 403, 409, 409, 401),
    "DELETE /auth/token":        (204, 204, 204, 204, 204, 204, 204, 204, 401),
    "GET /supervisor/overdue":   (403, 403, 403, 403, 200, 403, 403, 200, 401),
    "GET /supervisor/summary":   (403, 403, 403, 403, 200, 403, 403, 200, 401),
    "GET /supervisor/stalled":   (403, 403, 403, 403, 200, 403, 403, 200, 401),
    "GET /handovers/{handover_id}/package":
                                 (200, 200, 404, 200, 200, 200, 403, 404, 401),
    "GET /handovers/{handover_id}/appointment.ics":
                                 (404, 404, 404, 404, 404, 404, 403, 404, 401),
    "GET /statistics.csv":       (403, 403, 403, 403, 200, 200, 403, 200, 401),
    # the Eingangszone (its supervisors) and admins; for everyone else they do not exist
    "POST /imports":             (404, 404, 201, 404, 404, 404, 404, 201, 401),
    "GET /imports":              (404, 404, 200, 404, 404, 404, 404, 200, 401),
    "GET /imports/{file_id}":    (404, 404, 200, 404, 404, 404, 404, 200, 401),
    "GET /imports/{file_id}/report.csv":
                                 (404, 404, 200, 404, 404, 404, 404, 200, 401),
    # clarifications are nothing but persons' data: the Eingangszone only, not admins
    "GET /clarifications":       (404, 404, 200, 404, 404, 404, 404, 404, 401),
    "GET /clarifications/{clarification_id}":
                                 (404, 404, 200, 404, 404, 404, 404, 404, 401),
    "POST /clarifications/{clarification_id}/resolve":
                                 (404, 404, 200, 404, 404, 404, 404, 404, 401),
    "POST /clarifications/{clarification_id}/discard":
                                 (404, 404, 200, 404, 404, 404, 404, 404, 401),
    "GET /supervisor/waits":     (403, 403, 403, 403, 200, 403, 403, 200, 401),
    "POST /cases/{id}/erasure-requests":
                                 (403, 404, 404, 403, 201, 404, 403, 403, 401),
    "GET /erasure-requests":     (403, 403, 403, 403, 403, 403, 403, 200, 401),
    "POST /erasure-requests/{request_id}/decision":
                                 (403, 403, 403, 403, 403, 403, 403, 200, 401),
}
CELLS = [(endpoint, actor, MATRIX[endpoint][i])
         for endpoint in ENDPOINTS for i, actor in enumerate(ACTORS)]


def test_the_matrix_covers_every_api_operation(api: Api) -> None:
    spec = api.get("/api/openapi.json").get_json()
    operations = {f"{method.upper()} {path.removeprefix('/api/v1')}"
                  .replace("{case_id}", "{id}").replace("{task_id}", "{id}")
                  for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "delete", "put", "patch")}
    assert operations - {"POST /auth/token"} == set(ENDPOINTS)
    assert all(len(row) == len(ACTORS) for row in MATRIX.values())


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids) if "{" in value else value
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("endpoint", "actor", "status"), CELLS,
                         ids=[f"{e} as {a} -> {s}" for e, a, s in CELLS])
def test_authorization_matrix(api: Api, api_engine: Staffel, endpoint: str, actor: str,
                              status: int) -> None:
    open_case = start_basic(api_engine, "1000000-001")
    waiting = start_waiting(api_engine, "1000000-002")
    ids = {"open": open_case.id, "task": open_case.open_tasks[0].id, "waiting": waiting.id}
    if "{handover}" in ENDPOINTS[endpoint].path:
        api_engine.definitions.deploy_directory(DATA / "web", actor="tester")
        handover_case = api_engine.cases.start(PERSON, "NW", "asylum", "1000000-003",
                                              process_key="handover", actor="tester")
        ids["handover"] = str(api_engine.cases.get(handover_case.id).handovers[0].id)
    if "{file}" in ENDPOINTS[endpoint].path or "{clarification}" in ENDPOINTS[endpoint].path:
        result = Importer(api_engine).import_file(
            "decisions", "a.xml", decisions("9999999-999", "Unbekannt"), "cw_ez")
        ids["file"] = str(result.file_id)
        ids["clarification"] = str(api_engine.imports.clarifications().items[0].id)
        ids["waiting_number"] = waiting.case_number
    if "{ended}" in ENDPOINTS[endpoint].path or "{erasure_request}" in ENDPOINTS[endpoint].path:
        ids["ended"] = ended_case(api_engine, "1000000-004")
    if "{erasure_request}" in ENDPOINTS[endpoint].path:
        ids["erasure_request"] = str(api_engine.erasure.request(
            ids["ended"], "Antrag der Person", actor="sup_soz").id)
    ep = ENDPOINTS[endpoint]
    user = ACTORS[actor]
    before = snapshot(api_engine)
    path = fill(ep.path, ids)
    if ep.method == "GET":
        response = api.get(path, as_=user)
    elif ep.method == "DELETE":
        response = api.delete(path, as_=user)
    elif ep.method == "PUT":
        response = api.client.put(path, json=fill(ep.body, ids), headers=api.headers(user))
    elif ep.form is not None:
        data = {k: (io.BytesIO(v), "upload.xml") if isinstance(v, bytes) else v
                for k, v in ep.form.items()}
        response = api.client.post(path, data=data, headers=api.headers(user),
                                   content_type="multipart/form-data")
    else:
        response = api.post(path, fill(ep.body, ids), as_=user)
    if status >= 400:
        assert_error(response, status)
        assert snapshot(api_engine) == before
        return
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json(silent=True)
    if endpoint in ("GET /cases", "GET /tasks") and body is not None:
        listed = {item["case_id" if "tasks" in endpoint else "id"] for item in body["items"]}
        sees_open = MATRIX["GET /cases/{id}"][list(ACTORS).index(actor)] == 200
        assert (open_case.id in listed) == sees_open
