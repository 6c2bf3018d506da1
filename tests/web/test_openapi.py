"""The generated OpenAPI spec, the docs page, and schemathesis against the spec."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from engine import Staffel
from tests.web.conftest import Api, start_basic, start_jc, start_waiting


def test_spec_is_openapi_31_with_bearer_auth_and_error_shape(api: Api) -> None:
    response = api.get("/api/openapi.json", as_=None)
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/auth/token"]["post"]["security"] == []
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "errors"}
    complete = spec["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]["responses"]
    assert set(complete) == {"200", "400", "401", "403", "404", "409", "422"}


def test_docs_page_lists_every_operation_without_external_assets(api: Api) -> None:
    page = api.get("/api/docs", as_=None)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    spec = api.get("/api/openapi.json", as_=None).get_json()
    for path, item in spec["paths"].items():
        for method in item:
            if method in ("get", "post", "delete"):
                assert f"{method.upper()}</span> <code>{path}</code>" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html
    css = api.get("/api/docs/static/api_docs.css", as_=None)
    assert css.status_code == 200


@pytest.fixture
def seeded_app(app: Flask, api_engine: Staffel) -> Flask:
    start_basic(api_engine)
    start_waiting(api_engine)
    start_jc(api_engine)
    return app


def run_operation(operation: Any, headers: dict[str, str], mode: GenerationMode,
                  checks: list[Any], examples: int) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    check()


def test_api_conforms_to_its_spec(seeded_app: Flask, tokens: dict[str, str]) -> None:
    """Positive examples: no 5xx, only documented status codes and conforming bodies.
    Negative examples (invalid input): still never a 5xx."""
    seen: Counter[int] = Counter()

    @seeded_app.after_request
    def count(response: Any) -> Any:
        seen[response.status_code] += 1
        return response

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", seeded_app)
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    conformance = [not_a_server_error, status_code_conformance, content_type_conformance,
                   response_schema_conformance]
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        if operation.label == "DELETE /api/v1/auth/token":
            continue  # would revoke the token every other example uses
        run_operation(operation, headers, GenerationMode.POSITIVE, conformance, 15)
        run_operation(operation, headers, GenerationMode.NEGATIVE, [not_a_server_error], 10)
    assert len(labels) >= 16  # every operation was exercised
    assert {200, 201, 404, 422} <= set(seen) and sum(seen.values()) > 200, seen
    assert not [code for code in seen if code >= 500]
