"""The vendor files listed in web/static/vendor/README.md load and work together."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from .conftest import NODE_MODULES, ROOT

VENDOR_PAGE = "/tests/browser/pages/vendor.html"
README = ROOT / "web" / "static" / "vendor" / "README.md"
MINIMAL = ROOT / "tests" / "data" / "bpmn_ok" / "minimal.bpmn"
DMN = ROOT / "tests" / "data" / "bpmn_ok" / "eligibility.dmn"
CATEGORIES = {0: "off", 1: "warn", 2: "error", 3: "info"}
# dmn-js' production bundle ships Inferno's development build, which says so on load.
KNOWN_NOISE = ("minified copy of the development build of Inferno",)


def problems(page: Any) -> list[str]:
    return [p for p in page.problems if not any(noise in p for noise in KNOWN_NOISE)]


@pytest.fixture
def vendor(page: Any, server_url: str) -> Any:
    page.goto(server_url + VENDOR_PAGE)
    page.wait_for_function("window.vendorCheck !== undefined")
    return page


def test_globals_and_versions(vendor: Any) -> None:
    versions = vendor.evaluate("window.vendorCheck.versions()")
    assert versions["htmx"].startswith("2.0."), versions
    assert versions["chart"].startswith("4."), versions
    assert versions["bpmnJs"] == "function"
    assert versions["bpmnlintModule"] == "object"
    assert versions["dmnJs"] == "function"
    assert vendor.evaluate("window.vendorCheck.chart()") == 2
    assert problems(vendor) == []


def test_modeler_lints_in_the_browser(vendor: Any) -> None:
    clean = vendor.evaluate("(xml) => window.vendorCheck.modeler(xml)", MINIMAL.read_text())
    assert clean == {"error": None, "warnings": [], "lint": {}, "watermark": True}

    unlabelled = re.sub(r'(id="Task_Consent") name="[^"]*"', r"\1", MINIMAL.read_text())
    result = vendor.evaluate("(xml) => window.vendorCheck.modeler(xml)", unlabelled)
    assert result["error"] is None
    assert result["lint"] == {"label-required": ["Task_Consent"]}
    assert problems(vendor) == []


def test_dmn_viewer_imports_decision(vendor: Any) -> None:
    result = vendor.evaluate("(xml) => window.vendorCheck.dmn(xml)", DMN.read_text())
    assert result["error"] is None
    assert result["warnings"] == []
    assert "decisionTable" in result["views"]
    assert problems(vendor) == []


def test_packed_browser_config_matches_bpmnlintrc(vendor: Any, node: str) -> None:
    """The browser bundle is built at npm install time: it must not lag behind .bpmnlintrc."""
    packed = vendor.evaluate("window.vendorCheck.versions().bpmnlintRules")
    browser_rules = {}
    for name, value in packed.items():
        category = value[0] if isinstance(value, list) else value
        category = CATEGORIES.get(category, category) if isinstance(category, int) else category
        if str(category).lower() != "off":
            browser_rules[name] = str(category).lower()
    result = subprocess.run(
        [node, "tools/lint_bpmn.mjs", "--print-config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert browser_rules == json.loads(result.stdout), (
        "node_modules/.staffel/bpmnlint-config.umd.js is stale: run `npm run build:lint-config`"
    )


def test_readme_paths_exist() -> None:
    text = README.read_text(encoding="utf-8")
    paths = sorted(set(re.findall(r"`/static/vendor/([^`*]+)`", text)))
    assert len(paths) >= 10, paths
    missing = [path for path in paths if not (NODE_MODULES / path).is_file()]
    assert missing == [], f"README lists files that are not in node_modules: {missing}"
