"""Architecture rule: engine never imports flask, web or adapters; adapters never import web.
Only engine/persistence and the engine's service modules may touch SQLAlchemy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


FORBIDDEN = {
    "engine": ("flask", "flask_smorest", "flask_login", "flask_wtf", "flask_babel", "web",
               "adapters", "werkzeug"),
    "adapters": ("web", "flask"),
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_does_not_import_outer_layers(package: str) -> None:
    offenders = []
    for path in modules_of(package):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top in FORBIDDEN[package]:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_the_rule_itself_catches_an_offender(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import Flask\nimport web.cli\n")
    assert {"flask", "web.cli"} <= imported_modules(bad)
