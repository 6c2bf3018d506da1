"""Helpers of the page tests: sign in through the real form (with its CSRF token), read tokens
and bits of HTML. The fixtures (app, client, api_engine, users) come from conftest.py."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.web.conftest import PASSWORD

HTML = {"Accept": "text/html"}
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the session, read from a page's form."""
    response = client.get(path, headers=HTML, follow_redirects=True)  # owner: /inbox -> /editor
    found = TOKEN_RE.search(response.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the login form; returns the POST response."""
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token}, headers=HTML)


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None,
         **kwargs: Any) -> Any:
    """POST a page form with the session's CSRF token."""
    token = csrf_token(client, "/inbox")
    return client.post(path, data={**(data or {}), "csrf_token": token}, headers=HTML, **kwargs)


def text(response: Any) -> str:
    """The body of a response as text."""
    return str(response.get_data(as_text=True))


def test_the_helpers_read_a_token(client: FlaskClient) -> None:
    assert len(csrf_token(client)) > 20
