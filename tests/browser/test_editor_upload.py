"""Issue 15, point 11 in Chromium with the German UI: the process owner deploys files by upload
on the editor list (two at once: new versions listed; a bad file: a German error naming file,
line and element, nothing deployed), and rolls a process back from its version history (a
confirmation step, then the old content is the newest version, audited)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.persistence.models import AuditEvent
from tests.browser.conftest import watched_page
from tests.browser.live_server import Live, live_server, sign_in
from tests.conftest import ENGINE_DIAGRAMS
from tests.engine.definitions.test_versions import basic_v2

REGISTER = ENGINE_DIAGRAMS / "forms" / "register.schema.json"


@pytest.fixture
def de_page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, german=True, watch_http=False) as pg:
        yield pg


def _register_v2() -> bytes:
    schema = json.loads(REGISTER.read_text(encoding="utf-8"))
    schema["title"] = "Register (version 2)"
    return json.dumps(schema, indent=2).encode()


def _file(name: str, content: bytes) -> dict[str, Any]:
    return {"name": name, "mimeType": "application/octet-stream", "buffer": content}


def _versions(live: Live, key: str = "basic") -> list[int]:
    return [v.version for v in live.engine.definitions.versions(key)]


def test_owner_uploads_two_files_then_a_bad_one(de_page: Any) -> None:
    page = de_page
    with live_server([ENGINE_DIAGRAMS]) as live:
        sign_in(page, live, "owner")
        expect(page.locator("#h-upload")).to_have_text("Dateien hochladen und bereitstellen")
        page.set_input_files("#upload-files", [_file("basic.bpmn", basic_v2()),
                                               _file("register.schema.json", _register_v2())])
        page.click("#upload-submit")
        page.wait_for_url(f"{live.url}/editor")
        expect(page.locator(".flash")).to_contain_text("Bereitgestellt: basic Version 2.")
        row = page.locator("#editor-processes tr", has=page.locator('a[href="/editor/basic"]'))
        expect(row.locator("td.num")).to_have_text("2")
        assert _versions(live) == [2, 1]

        # a bad diagram next to a good form: nothing is deployed, the problem is German
        bad = basic_v2().replace(b'name="Register the person"', b'name="Register again"') \
            .replace(b'name="sla_days" value="5"', b'name="sla_days" value="-1"')
        page.set_input_files("#upload-files", [_file("register.schema.json", b'{"type": 1}'),
                                               _file("basic.bpmn", bad)])
        page.click("#upload-submit")
        alert = page.locator("#upload-error[role=alert]")
        expect(alert).to_contain_text("Das Hochladen wurde abgelehnt")
        expect(alert).to_contain_text("Es wurde nichts bereitgestellt.")
        problems = page.locator("#upload-problems li")
        texts = [problems.nth(i).inner_text() for i in range(problems.count())]
        assert any("forms/register.schema.json" in t and "Kein gültiges JSON-Schema" in t
                   for t in texts), texts
        assert _versions(live) == [2, 1]
        assert page.locator("#upload-files").get_attribute("aria-describedby") == \
            "upload-hint upload-error"
        assert not page.problems or all("422" in p for p in page.problems), page.problems


def test_owner_restores_an_earlier_version_from_the_history(de_page: Any) -> None:
    page = de_page
    with live_server([ENGINE_DIAGRAMS]) as live:
        old_xml = live.engine.definitions.xml("basic", 1)
        live.engine.definitions.deploy({"basic.bpmn": basic_v2()}, "owner")
        sign_in(page, live, "owner")
        page.goto(f"{live.url}/editor/basic/history")
        assert page.locator("#rollback-2").count() == 0  # the newest version: nothing to do
        page.click("#rollback-1")
        page.wait_for_url(f"{live.url}/editor/basic/versions/1/rollback")
        expect(page.locator("#rollback-confirm")).to_contain_text("neue Version 3")
        assert _versions(live) == [2, 1]  # only asked so far
        page.click("#rollback-cancel")
        page.wait_for_url(f"{live.url}/editor/basic/history")
        assert _versions(live) == [2, 1]

        page.click("#rollback-1")
        page.click("#rollback-submit")
        page.wait_for_url(f"{live.url}/editor/basic/history")
        expect(page.locator(".flash")).to_contain_text(
            "Der Inhalt von Version 1 wurde als neue Version 3 bereitgestellt.")
        expect(page.locator('#version-history tr[data-version="3"]')).to_contain_text(
            "wiederhergestellt aus Version 1")
        assert _versions(live) == [3, 2, 1]
        assert live.engine.definitions.xml("basic", 3) == old_xml
        with live.engine.db.read() as s:
            event = s.scalars(select(AuditEvent).where(
                AuditEvent.action == "rolled_back")).one()
            assert (event.actor, event.details["restored_version"]) == ("owner", 1)
        assert page.problems == []
