"""tools/lint_bpmn.mjs: bpmnlint with the repository's .bpmnlintrc, run through Node."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT, real_diagram_params, rel

LINT = ROOT / "tools" / "lint_bpmn.mjs"
MINIMAL = ROOT / "tests" / "data" / "bpmn_ok" / "minimal.bpmn"
DANGLING = ROOT / "tests" / "data" / "bpmn_bad" / "dangling_flow.bpmn"


def lint(node: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node, str(LINT), *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_good_fixture_passes(node: str) -> None:
    result = lint(node, rel(MINIMAL))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "0 error(s), 0 warning(s)" in result.stderr


def test_dangling_flow_fails_and_names_elements(node: str) -> None:
    result = lint(node, rel(DANGLING))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    prefix = f"{rel(DANGLING)}: "
    assert all(line.startswith(prefix) for line in lines), lines
    assert f"{prefix}Flow_Ghost: import: unresolved reference <Task_Ghost>" in lines
    assert f"{prefix}Task_DeadEnd: no-implicit-end: Element is an implicit end" in lines
    assert f"{prefix}Task_Orphan: no-implicit-start: Element is an implicit start" in lines


def test_missing_label_fails(node: str, tmp_path: Path) -> None:
    xml = MINIMAL.read_text(encoding="utf-8")
    xml, replaced = re.subn(r'(id="Task_Consent") name="[^"]*"', r"\1", xml)
    assert replaced == 1
    diagram = tmp_path / "unlabelled.bpmn"
    diagram.write_text(xml, encoding="utf-8")
    result = lint(node, diagram)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{diagram}: Task_Consent#name: label-required: Element is missing label/name"
    ]


def test_warnings_and_several_files(node: str, tmp_path: Path) -> None:
    inclusive = tmp_path / "inclusive.bpmn"
    inclusive.write_text(
        MINIMAL.read_text(encoding="utf-8").replace("exclusiveGateway", "inclusiveGateway"),
        encoding="utf-8",
    )
    warning = (
        f"{inclusive}: Gateway_Consent: no-inclusive-gateway: "
        "Element type <bpmn:InclusiveGateway> is discouraged (warning)"
    )
    # The same diagram twice: rule state must not leak from one file into the next.
    result = lint(node, rel(MINIMAL), inclusive, inclusive)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [warning, warning]
    assert "3 file(s), 0 error(s), 2 warning(s)" in result.stderr

    strict = lint(node, inclusive, "--max-warnings", "0")
    assert strict.returncode == 1
    assert strict.stdout.splitlines() == [warning]


def test_unknown_option_is_a_usage_error(node: str) -> None:
    result = lint(node, "--frobnicate")
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_effective_config_extends_recommended(node: str) -> None:
    result = lint(node, "--print-config")
    assert result.returncode == 0, result.stderr
    rules = json.loads(result.stdout)
    for rule in ("label-required", "no-disconnected", "no-bpmndi", "no-implicit-end"):
        assert rules.get(rule) == "error", rule


def test_default_lints_bpmn_directory(node: str) -> None:
    result = lint(node)
    diagrams = sorted((ROOT / "bpmn").glob("*.bpmn"))
    if not diagrams:
        assert result.returncode == 0
        assert "no diagrams" in result.stdout
    else:
        assert f"{len(diagrams)} file(s)" in result.stderr


@pytest.mark.parametrize("diagram", real_diagram_params())
def test_real_diagram_is_lint_clean(node: str, diagram: Path) -> None:
    result = lint(node, rel(diagram))
    assert result.returncode == 0, f"bpmnlint problems:\n{result.stdout}{result.stderr}"
