"""The README's Python example runs as printed (only the database file is a temporary one)."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Using the engine from Python"):]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found is not None
    return found.group(1)


def test_the_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = readme_example()
    assert 'Staffel("sqlite:///instance/example.db"' in code
    code = code.replace("sqlite:///instance/example.db", f"sqlite:///{tmp_path / 'ex.db'}")
    monkeypatch.chdir(ROOT)  # deploy_directory("bpmn") is relative to the checkout
    out = io.StringIO()
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), namespace)
    namespace["staffel"].close()  # type: ignore[attr-defined]
    number, stage, task_name = out.getvalue().split(maxsplit=2)
    assert re.fullmatch(r"ST-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", number)
    assert stage == "S1"  # still at the arrival stage: nothing was completed
    assert task_name.strip()
    assert os.path.exists(tmp_path / "ex.db")
