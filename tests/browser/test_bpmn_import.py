"""Every diagram imports into bpmn-js without warnings and has DI for every flow element."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import (
    DI_LESS_FIXTURES,
    GOOD_FIXTURES,
    ROOT,
    real_diagram_params,
    rel,
)

VIEWER = "/tests/browser/pages/viewer.html"
MINIMAL = ROOT / "tests" / "data" / "bpmn_ok" / "minimal.bpmn"


def import_file(page: Any, server_url: str, path: Path) -> dict[str, Any]:
    page.goto(f"{server_url}{VIEWER}?diagram=/{rel(path)}")
    page.wait_for_function("window.importResult !== undefined")
    return page.evaluate("window.importResult")


def import_xml(page: Any, server_url: str, xml: str) -> dict[str, Any]:
    page.goto(f"{server_url}{VIEWER}")
    page.wait_for_function("typeof window.checkDiagram === 'function'")
    return page.evaluate("(xml) => window.checkDiagram(xml)", xml)


def assert_clean(result: dict[str, Any], name: str, problems: list[str]) -> None:
    assert result["error"] is None, f"{name}: bpmn-js import failed: {result['error']}"
    assert result["warnings"] == [], f"{name}: import warnings: {result['warnings']}"
    assert result["missingDi"] == [], f"{name}: no BPMNShape/BPMNEdge for {result['missingDi']}"
    assert result["checkedCount"] > 0, f"{name}: no flow elements found"
    assert result["elementCount"] >= result["checkedCount"]
    assert problems == [], f"{name}: browser reported {problems}"
    assert result["ok"]


@pytest.mark.parametrize("diagram", real_diagram_params())
def test_real_diagram_imports_cleanly(page: Any, server_url: str, diagram: Path) -> None:
    result = import_file(page, server_url, diagram)
    assert_clean(result, rel(diagram), page.problems)


@pytest.mark.parametrize("diagram", GOOD_FIXTURES, ids=rel)
def test_fixture_imports_cleanly(page: Any, server_url: str, diagram: Path) -> None:
    result = import_file(page, server_url, diagram)
    assert_clean(result, rel(diagram), page.problems)


@pytest.mark.parametrize("diagram", DI_LESS_FIXTURES, ids=rel)
def test_diagram_without_di_is_rejected(page: Any, server_url: str, diagram: Path) -> None:
    result = import_file(page, server_url, diagram)
    assert not result["ok"]
    assert result["error"] == "no diagram to display"


def test_missing_shape_is_reported(page: Any, server_url: str) -> None:
    xml = MINIMAL.read_text(encoding="utf-8")
    xml, removed = re.subn(
        r'<bpmndi:BPMNShape id="Task_Consent_di".*?</bpmndi:BPMNShape>', "", xml, flags=re.S
    )
    assert removed == 1
    result = import_xml(page, server_url, xml)
    assert not result["ok"]
    assert "Task_Consent" in result["missingDi"]


def test_missing_edge_is_reported_without_import_warning(page: Any, server_url: str) -> None:
    xml = MINIMAL.read_text(encoding="utf-8")
    xml, removed = re.subn(
        r'<bpmndi:BPMNEdge id="Flow_4_di".*?</bpmndi:BPMNEdge>', "", xml, flags=re.S
    )
    assert removed == 1
    result = import_xml(page, server_url, xml)
    assert result["error"] is None
    assert result["warnings"] == []
    assert result["missingDi"] == ["Flow_4"]
    assert not result["ok"]


def test_import_warning_is_reported(page: Any, server_url: str) -> None:
    xml = MINIMAL.read_text(encoding="utf-8").replace(
        'bpmnElement="End_Done"', 'bpmnElement="End_Nowhere"'
    )
    result = import_xml(page, server_url, xml)
    assert not result["ok"]
    assert any("End_Nowhere" in warning for warning in result["warnings"]), result["warnings"]
    assert "End_Done" in result["missingDi"]
