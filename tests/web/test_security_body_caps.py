"""Issue 14, hole 10: request bodies are capped per kind of route and refused with 413 before
they are read (the old code read a 200 MB body completely before its own 5 MiB check)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.web.conftest import assert_error, snapshot, start_basic
from tests.web.test_pages_support import HTML, csrf_token, login, text
from web.security import (
    BODY_CAPS,
    DEFAULT_BODY_CAP,
    DEFINITION_SET_BODY_CAP,
    DOCUMENT_BODY_CAP,
    IMPORT_BODY_CAP,
)


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes made on demand, counting what the server reads."""

    def __init__(self, size: int, byte: bytes = b" ") -> None:
        self.size, self.byte, self.read_bytes = size, byte, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = self.byte * n
        self.read_bytes += n
        return n


def send(client: FlaskClient, path: str, size: int, content_type: str,
         headers: dict[str, str] | None = None, *, length: bool = True) -> tuple[Any, int]:
    """POST ``size`` bytes (with or without Content-Length); returns the answer and the bytes
    the server read."""
    stream = CountingStream(size)
    environ: dict[str, Any] = {"CONTENT_TYPE": content_type, "wsgi.input": stream}
    if length:
        environ["CONTENT_LENGTH"] = str(size)
    else:
        environ["wsgi.input_terminated"] = True  # chunked: the server streams until the end
        headers = {**(headers or {}), "Transfer-Encoding": "chunked"}
    response = client.open(path, method="POST", headers=headers or {},
                           environ_overrides=environ)
    return response, stream.read_bytes


def test_every_capped_endpoint_exists(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(BODY_CAPS) <= endpoints
    assert app.config["MAX_CONTENT_LENGTH"] == max(BODY_CAPS.values())


@pytest.mark.parametrize(("path", "cap", "content_type"), [
    ("/api/v1/tasks/{task}/complete", DEFAULT_BODY_CAP, "application/json"),
    ("/api/v1/cases", DEFAULT_BODY_CAP, "application/json"),
    ("/api/v1/process-definitions?filename=basic.bpmn", DEFINITION_SET_BODY_CAP,
     "application/xml"),
    ("/api/v1/imports", IMPORT_BODY_CAP, "multipart/form-data; boundary=x"),
])
def test_an_api_body_over_the_cap_is_413_unread(api: Any, api_engine: Staffel, path: str,
                                                cap: int, content_type: str) -> None:
    path = path.replace("{task}", start_basic(api_engine).open_tasks[0].id)
    before = snapshot(api_engine)
    response, read = send(api.client, path, cap + 1, content_type, api.headers("admin"))
    body = assert_error(response, 413, "request_entity_too_large")
    assert "larger than" in body["message"]
    assert read == 0
    assert snapshot(api_engine) == before


def test_a_body_under_the_cap_is_read_and_handled(api: Any, api_engine: Staffel) -> None:
    task = start_basic(api_engine).open_tasks[0].id
    response, read = send(api.client, f"/api/v1/tasks/{task}/complete", DEFAULT_BODY_CAP,
                          "application/json", api.headers("cw_soz"))
    assert_error(response, 400)  # read (all of it) and refused as not JSON: not 413
    assert read == DEFAULT_BODY_CAP


def test_a_body_without_length_is_cut_at_the_cap(api: Any, api_engine: Staffel) -> None:
    task = start_basic(api_engine).open_tasks[0].id
    before = snapshot(api_engine)
    response, read = send(api.client, f"/api/v1/tasks/{task}/complete", 200 * 1024 * 1024,
                          "application/json", api.headers("cw_soz"), length=False)
    assert_error(response, 413)
    assert read <= DEFAULT_BODY_CAP + 64 * 1024  # stopped at the cap, not 200 MB later
    assert snapshot(api_engine) == before


def test_a_page_form_over_the_cap_is_a_german_413_page(client: FlaskClient,
                                                        api_engine: Staffel) -> None:
    login(client, "cw_soz")
    headers = {**HTML, "X-CSRFToken": csrf_token(client, "/inbox")}
    before = snapshot(api_engine)
    response, read = send(client, "/cases/new", DEFAULT_BODY_CAP + 1,
                          "application/x-www-form-urlencoded", headers)
    assert response.status_code == 413 and read == 0
    assert "Zu groß" in text(response) and "256 KiB" in text(response)
    assert snapshot(api_engine) == before


def test_the_editor_takes_a_whole_diagram_but_not_more(client: FlaskClient) -> None:
    login(client, "owner")
    headers = {"Accept": "application/json", "X-CSRFToken": csrf_token(client, "/inbox")}
    over, read = send(client, "/editor/basic/validate", DOCUMENT_BODY_CAP + 1,
                      "application/xml", headers)
    assert_error(over, 413)
    assert read == 0
    under, read = send(client, "/editor/basic/validate", 300 * 1024, "application/xml",
                       headers)
    assert under.status_code == 422 and read == 300 * 1024  # read, then refused as no XML
