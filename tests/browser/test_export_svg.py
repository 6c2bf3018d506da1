"""tools/export_svg.py renders diagrams to SVG with bpmn-js in headless Chromium."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tools.export_svg import DiagramError, export_svg, render_svg

from .conftest import ROOT, rel

MINIMAL = ROOT / "tests" / "data" / "bpmn_ok" / "minimal.bpmn"
BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SVG_NS = "{http://www.w3.org/2000/svg}"


def named_elements(path: Path) -> dict[str, str]:
    """Id -> name of every named BPMN element in the diagram."""
    tree = ET.parse(path)
    return {
        el.get("id", ""): el.get("name", "")
        for el in tree.iter()
        if el.tag.startswith(BPMN_NS) and el.get("name") and el.get("id")
    }


def svg_labels(root: ET.Element) -> str:
    """All text of the SVG's <text> elements, whitespace-normalized (labels wrap into tspans)."""
    words = [" ".join(text.itertext()) for text in root.iter(f"{SVG_NS}text")]
    return re.sub(r"\s+", " ", " ".join(words))


def test_export_minimal(browser: Any, server_url: str, tmp_path: Path) -> None:
    target, warnings = export_svg(
        MINIMAL, tmp_path / "out" / "minimal.svg", browser=browser, base_url=server_url
    )
    assert target == tmp_path / "out" / "minimal.svg"
    assert warnings == []
    text = target.read_text(encoding="utf-8")
    assert "created with bpmn-js" in text
    root = ET.fromstring(text)
    assert root.tag == f"{SVG_NS}svg"
    assert float(root.get("width", "0")) > 100

    labels = svg_labels(root)
    drawn_ids = {g.get("data-element-id") for g in root.iter(f"{SVG_NS}g")}
    expected = named_elements(MINIMAL)
    # Participant/lane names are written vertically in their header and still are text.
    assert {"Task_Consent", "Gateway_Consent", "End_Done", "Flow_Yes"} <= expected.keys()
    for element_id, name in expected.items():
        if element_id.startswith(("Message_", "minimal_process")):
            continue  # global message and process: not drawn shapes of their own
        assert element_id in drawn_ids, element_id
        assert name in labels, f"label {name!r} of {element_id} not in the SVG"


def test_render_rejects_diagram_without_di(browser: Any, server_url: str) -> None:
    xml = (ROOT / "tests" / "data" / "engine" / "basic.bpmn").read_text(encoding="utf-8")
    with pytest.raises(DiagramError, match="no diagram to display"):
        render_svg(xml, browser=browser, base_url=server_url)


def test_command_line(browser: Any, tmp_path: Path) -> None:
    # `browser` only makes sure Chromium and node_modules are there; the tool starts its own.
    target = tmp_path / "cli.svg"
    result = subprocess.run(
        [sys.executable, "tools/export_svg.py", rel(MINIMAL), str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"wrote {target}" in result.stdout
    assert ET.parse(target).getroot().tag == f"{SVG_NS}svg"

    missing = subprocess.run(
        [sys.executable, "tools/export_svg.py", str(tmp_path / "nope.bpmn")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2
    assert "no such file" in missing.stderr
