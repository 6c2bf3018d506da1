"""Fixtures for the browser and front-end tooling tests.

Everything here runs against the repository served over a local ``http.server`` on 127.0.0.1
(pages load bpmn-js & co. from ``node_modules``) with Debian's Chromium driven by Playwright.
The browser is shared by all tests of this directory and closed when the last of them is done
(package scope: Playwright's sync API keeps an asyncio loop running while it is started, which
would break asyncio-based tests elsewhere in the suite if it stayed open for the whole session).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.export_svg import (
    CHROMIUM,
    ROOT,
    launch_chromium,
    missing_prerequisites,
    serve_directory,
)

NODE_MODULES = ROOT / "node_modules"
PAGES = Path(__file__).resolve().parent / "pages"

# Diagrams that must import cleanly; bpmn/ is the real source set and may be empty early on.
REAL_DIAGRAMS = sorted((ROOT / "bpmn").glob("*.bpmn"))
GOOD_FIXTURES = sorted((ROOT / "tests" / "data" / "bpmn_ok").glob("*.bpmn"))
# Engine fixtures have no diagram interchange at all: the import check must reject them.
DI_LESS_FIXTURES = sorted((ROOT / "tests" / "data" / "engine").glob("*.bpmn"))


def rel(path: Path) -> str:
    """Path relative to the repository root, with forward slashes (URL path and test id)."""
    return path.resolve().relative_to(ROOT).as_posix()


def real_diagram_params() -> list[Any]:
    """Parameters for every ``bpmn/*.bpmn``, or one skipped placeholder when there is none."""
    if not REAL_DIAGRAMS:
        return [
            pytest.param(
                None, id="no-bpmn-diagrams", marks=pytest.mark.skip(reason="no bpmn/*.bpmn yet")
            )
        ]
    return [pytest.param(path, id=rel(path)) for path in REAL_DIAGRAMS]


@pytest.fixture(scope="session", autouse=True)
def _front_end_installed() -> None:
    if not (NODE_MODULES / "bpmn-js").is_dir():
        pytest.skip(f"front-end packages missing: {NODE_MODULES} has no bpmn-js (run npm ci)")


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.skip("node (Node.js) is not on PATH")
    return path


@pytest.fixture(scope="package")
def server_url() -> Iterator[str]:
    with serve_directory(ROOT) as url:
        yield url


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    problems = missing_prerequisites()
    if problems:
        pytest.skip("browser tests need Chromium and node_modules: " + "; ".join(problems))
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = launch_chromium(playwright)
    except Exception as exc:
        playwright.stop()
        pytest.skip(f"cannot start {CHROMIUM}: {exc}")
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shoot(target: Any, name: str, *, full_page: bool = False) -> None:
    """Write ``docs/screenshots/<name>`` of a page or locator when STAFFEL_SCREENSHOTS=1, so
    that a normal test run leaves the committed pictures alone."""
    if os.environ.get("STAFFEL_SCREENSHOTS") != "1":
        return
    options: dict[str, Any] = {"path": str(SCREENSHOTS / name)}
    if full_page:
        options["full_page"] = True
    target.screenshot(**options)


@contextlib.contextmanager
def watched_page(browser: Any, *, width: int = 1400, height: int = 900, german: bool = False,
                 watch_http: bool = True) -> Iterator[Any]:
    """A fresh page in its own context; console errors, page errors and (with ``watch_http``)
    failed requests end up in ``page.problems``. ``german``: a de-DE browser in Berlin time."""
    options: dict[str, Any] = {"viewport": {"width": width, "height": height}}
    if german:
        options.update(locale="de-DE", timezone_id="Europe/Berlin")
    context = browser.new_context(**options)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    problems: list[str] = []

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            problems.append(f"console.{msg.type}: {msg.text}")

    def on_response(resp: Any) -> None:
        if resp.status >= 400:
            problems.append(f"HTTP {resp.status}: {resp.url}")

    pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    pg.on("console", on_console)
    if watch_http:
        pg.on("response", on_response)
        pg.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
    pg.problems = problems
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page; console errors, page errors and failed requests end up in ``page.problems``."""
    with watched_page(browser) as pg:
        yield pg
