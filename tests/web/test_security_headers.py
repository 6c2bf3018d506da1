"""Issue 14, hole 6: security headers on every answer, a strict Content-Security-Policy the
templates keep (no inline script, no inline handler, no style attribute), ``no-store`` on
everything with personal data, and the session cookie's flags."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Staffel
from tests.web.conftest import start_basic, start_waiting
from tests.web.test_pages_support import HTML, login
from web import create_app
from web.security import CONTENT_SECURITY_POLICY, DMN_EDITOR_POLICY

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted([*(ROOT / "web" / "templates").rglob("*.html"),
                    *(ROOT / "web" / "api" / "templates").rglob("*.html")])
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}  # never executed
PAGE_USERS = ("cw_soz", "cw_ez", "sup_soz", "owner", "admin")
STATIC = ("/static/css/staffel.css", "/static/js/diagram-load.js",
          "/static/vendor/htmx.org/dist/htmx.min.js", "/api/docs/static/api_docs.css")


def executable_inline(html: str) -> list[str]:
    """Everything a CSP without 'unsafe-inline' would block: inline scripts, ``on…``
    handlers, ``javascript:`` links and ``style`` attributes / elements."""
    tree = lxml.html.fromstring(html)
    found = []
    for script in tree.iter("script"):
        kind = (script.get("type") or "text/javascript").strip().lower()
        if not script.get("src") and kind not in DATA_SCRIPT_TYPES:
            found.append(f"inline <script> {(script.text or '')[:60]!r}")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if re.fullmatch(r"on[a-z]+", name.lower()):
                found.append(f"<{element.tag} {name}=...>")
            if name.lower() == "style":
                found.append(f"<{element.tag} style=...>")
            if name.lower() in ("href", "src", "action") and \
                    value.strip().lower().startswith("javascript:"):
                found.append(f"<{element.tag} {name}=javascript:...>")
        if element.tag == "style":
            found.append("<style> element")
    return found


def directives(policy: str) -> dict[str, str]:
    return dict(d.split(" ", 1) for d in policy.split("; "))


def test_the_policy_allows_nothing_inline() -> None:
    policy = directives(CONTENT_SECURITY_POLICY)
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"


def test_the_dmn_editor_page_relaxes_styles_only() -> None:
    strict, dmn = directives(CONTENT_SECURITY_POLICY), directives(DMN_EDITOR_POLICY)
    assert dmn.pop("style-src") == "'self' 'unsafe-inline'"
    strict.pop("style-src")
    assert dmn == strict  # scripts, images, fonts, connections: as strict as everywhere


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_template_holds_an_inline_script_or_handler(template: Path) -> None:
    source = template.read_text(encoding="utf-8")
    assert executable_inline(f"<html><body>{source}</body></html>") == []
    assert not re.search(r"\son[a-z]+\s*=", source, re.IGNORECASE), "an on…= handler"


def test_the_check_finds_what_it_looks_for() -> None:
    bad = ('<div onclick="x()"></div><script>alert(1)</script><p style="color:red"></p>'
           '<a href="javascript:x()">x</a><script type="application/json">{}</script>'
           '<script src="/static/js/a.js"></script>')
    assert len(executable_inline(f"<html><body>{bad}</body></html>")) == 4


def assert_security_headers(response: Any, path: str, *, static: bool = False) -> None:
    headers = response.headers
    policy = DMN_EDITOR_POLICY if re.fullmatch(r"/decisions/[^/]+\.dmn", path) \
        else CONTENT_SECURITY_POLICY
    assert headers["Content-Security-Policy"] == policy, path
    assert headers["X-Frame-Options"] == "DENY", path
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] == "same-origin", path
    if static:
        assert "no-store" not in headers.get("Cache-Control", ""), path
    else:
        assert headers["Cache-Control"] == "no-store", path


def page_urls(app: Flask, engine: Staffel) -> list[str]:
    """Every GET page and API address of the app, its parameters filled with real values
    where there are any (unknown ones answer 404, which must carry the headers too)."""
    case = start_basic(engine, "8000000-002")
    start_waiting(engine)
    values = {"case_id": case.id, "task_id": case.open_tasks[0].id, "message": "bamf_decision",
              "key": "basic", "version": "1", "name": "route.dmn", "handover_id": "nope",
              "file_id": "1", "fmt": "csv", "clarification_id": "1", "username": "cw_soz",
              "token": "no-such-link"}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in (
                "static", "vendor.vendor_file", "api_reference.static"):
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{arg}>", values[arg], path)
        urls.append(path)
    return sorted(urls)


def test_every_page_and_api_answer_carries_the_headers(app: Flask,
                                                        api_engine: Staffel) -> None:
    urls = page_urls(app, api_engine)
    assert len(urls) > 50
    opened: set[str] = set()
    for username in (None, *PAGE_USERS):
        client = app.test_client()
        if username:
            login(client, username)
        for url in urls:
            response = client.get(url, headers=HTML)
            assert response.status_code < 500, (username, url)
            assert_security_headers(response, url)
            if response.status_code == 200 and response.mimetype == "text/html":
                opened.add(url)
                found = executable_inline(response.get_data(as_text=True))
                assert found == [], (username, url, found)
    case, task = (u for u in urls if re.fullmatch(r"/(cases|tasks)/[0-9a-f-]{32,36}", u))
    expected = {"/", "/login", "/inbox", "/cases", "/cases/new", case, task, "/dashboard",
                "/dashboard/overdue", "/dashboard/waits", "/editor", "/editor/basic",
                "/editor/basic/history", "/editor/basic/migrate", "/decisions",
                "/decisions/route.dmn", "/imports", "/imports/clarifications", "/admin/rules",
                "/api/docs", f"{case}/events/bamf_decision"}
    assert expected <= opened, sorted(expected - opened)


def test_static_files_are_cacheable_and_still_carry_the_headers(client: FlaskClient) -> None:
    for path in STATIC:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response, path, static=True)
        response.close()


def test_api_answers_and_errors_are_no_store(client: FlaskClient,
                                             tokens: dict[str, str]) -> None:
    auth = {"Authorization": f"Bearer {tokens['cw_soz']}"}
    for response in (client.get("/api/v1/tasks", headers=auth),
                     client.get("/api/v1/cases/nope", headers=auth),
                     client.get("/api/v1/tasks"),
                     client.post("/api/v1/auth/token", json={"username": "x", "password": "y"})):
        assert_security_headers(response, response.request.path)


def session_cookie(client: FlaskClient) -> str:
    response = login(client, "cw_soz")
    assert response.status_code == 302
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"
               and v.startswith("session=")]
    assert cookies
    return cookies[-1]


def test_the_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient) -> None:
    cookie = session_cookie(client)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the local one-command run is plain HTTP
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_over_https_the_cookie_is_secure_and_hsts_is_sent(api_engine: Staffel) -> None:
    app = create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "TESTING": True,
                      "SECRET_KEY": "test", "HTTPS": True})
    client = app.test_client()
    client.get("/login", base_url="https://localhost")
    cookie = session_cookie(client)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_https_setting_comes_from_the_environment(api_engine: Staffel,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFFEL_HTTPS", "1")
    app = create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "SECRET_KEY": "test"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
