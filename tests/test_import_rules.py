"""The architecture as tests (docs/architecture.md, "Rooms and arrows").

* ``engine`` never imports Flask, ``web`` or ``adapters``; ``adapters`` never import ``web``.
* ``web`` and ``adapters`` import only the engine's public surface (``from engine import …``),
  never a module inside it, and never reach its transaction or database handles
  (``.context``, ``.db``, ``.unit(``).
* Inside the engine every room imports only the rooms below it (``ROOM_RULES``): the law is
  pure (standard library, ``holidays``, ``dateutil``, the engine's errors); ``execution``
  never imports ``supervision``; nothing but the façade imports the façade.
* No circles anywhere in engine, web and adapters (imports inside functions count too).

Every rule is checked on the real tree and, to show it can fail, on a tree with a back door.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "web", "adapters")

FORBIDDEN = {
    "engine": ("flask", "flask_smorest", "flask_login", "flask_wtf", "flask_babel", "web",
               "adapters", "werkzeug"),
    "adapters": ("web", "flask"),
}
# room -> the engine modules/rooms it may import (prefixes; itself is always allowed)
KERNEL = ("engine.errors", "engine.states", "engine.model")
ROOM_RULES: dict[str, tuple[str, ...]] = {
    "engine.errors": (),
    "engine.states": (),
    "engine.model": ("engine.errors",),
    "engine.law": ("engine.errors",),
    "engine.persistence": ("engine.states", "engine.errors"),
    "engine.ports": ("engine.law",),
    "engine.audit": (*KERNEL, "engine.persistence"),
    "engine.execution": (*KERNEL, "engine.law", "engine.persistence", "engine.audit",
                         "engine.ports", "engine.people.blind_index", "engine.people.names"),
    "engine.people": (*KERNEL, "engine.law", "engine.persistence"),
    "engine.definitions": (*KERNEL, "engine.law", "engine.persistence", "engine.execution"),
    "engine.supervision": (*KERNEL, "engine.law", "engine.persistence", "engine.execution",
                           "engine.people", "engine.ports", "engine.audit"),
    "engine.imports": (*KERNEL, "engine.law", "engine.persistence", "engine.execution",
                       "engine.people"),
    "engine.privacy": (*KERNEL, "engine.law", "engine.persistence", "engine.audit",
                       "engine.execution", "engine.people"),
    "engine.services": (*KERNEL, "engine.law", "engine.persistence", "engine.execution",
                        "engine.definitions", "engine.people", "engine.supervision",
                        "engine.imports", "engine.audit", "engine.ports", "engine.privacy"),
    "engine.facade": ("engine.",),
    "engine": ("engine.",),  # engine/__init__.py: the public surface re-exports the rooms
}
# third-party packages the pure law may use
LAW_THIRD_PARTY = ("holidays", "dateutil")
HANDLES = ("context", "db")  # attributes of the façade that web and adapters never touch


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module an ``import`` or ``from … import`` names, anywhere in the file.

    ``from engine.execution import runtime`` names the submodule ``engine.execution.runtime``
    (not the package: parent packages are always loaded first, so they never make a circle).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            folder = root.joinpath(*node.module.split("."))
            subs = {f"{node.module}.{a.name}" for a in node.names
                    if (folder / f"{a.name}.py").exists() or (folder / a.name).is_dir()}
            found |= subs
            if len(subs) < len(node.names):
                found.add(node.module)
    return found


def sources(root: Path, packages: Iterable[str] = PACKAGES) -> list[Path]:
    return sorted(p for pkg in packages for p in (root / pkg).rglob("*.py")
                  if "migrations" not in p.parts)


def room_of(module: str) -> str:
    """The longest ROOM_RULES key that ``module`` is or lies in."""
    best = ""
    for room in ROOM_RULES:
        if (module == room or module.startswith(room + ".")) and len(room) > len(best):
            best = room
    return best


def outer_layer_offences(root: Path) -> list[str]:
    offenders = []
    for package, banned in FORBIDDEN.items():
        for path in sources(root, [package]):
            for module in imported_modules(path, root):
                if module.split(".")[0] in banned:
                    offenders.append(f"{path.relative_to(root)} imports {module}")
    return sorted(offenders)


def back_doors(root: Path) -> list[str]:
    """Imports of engine internals and uses of its handles from web/ and adapters/."""
    offenders = []
    for path in sources(root, ["web", "adapters"]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                    and node.module.startswith("engine."):
                offenders.append(f"{path.relative_to(root)} imports {node.module}")
            elif isinstance(node, ast.Import):
                offenders += [f"{path.relative_to(root)} imports {a.name}" for a in node.names
                              if a.name.startswith("engine.")]
            elif isinstance(node, ast.Attribute) and node.attr in HANDLES:
                offenders.append(f"{path.relative_to(root)}:{node.lineno} uses .{node.attr}")
            elif isinstance(node, ast.Attribute) and node.attr == "unit" \
                    and isinstance(node.ctx, ast.Load):
                offenders.append(f"{path.relative_to(root)}:{node.lineno} uses .unit")
    return offenders


def room_offences(root: Path) -> list[str]:
    offenders = []
    for path in sources(root, ["engine"]):
        me = module_name(root, path)
        room = room_of(me)
        allowed = ROOM_RULES[room]
        for module in imported_modules(path, root):
            top = module.split(".")[0]
            if room == "engine.law" and top not in ("engine",) and _third_party(top) \
                    and top not in LAW_THIRD_PARTY:
                offenders.append(f"{me} (law) imports {module}")
            if top != "engine" or module == "engine":
                continue
            target = room_of(module)
            if target == room or any(module == a or module.startswith(a.rstrip(".") + ".")
                                     or (a.endswith(".") and module.startswith(a))
                                     for a in allowed):
                continue
            offenders.append(f"{me} ({room}) imports {module}")
    return sorted(offenders)


def _third_party(top: str) -> bool:
    import sys

    return top not in sys.stdlib_module_names and top != "__future__"


def circles(root: Path) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    names = {module_name(root, p): p for p in sources(root)}
    for name, path in names.items():
        graph[name] = {m for m in imported_modules(path, root) if m in names and m != name}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


# -- the real tree ---------------------------------------------------------------------------
def test_layers_do_not_import_outer_layers() -> None:
    assert outer_layer_offences(ROOT) == []


def test_web_and_adapters_use_only_the_public_surface() -> None:
    assert back_doors(ROOT) == []


def test_rooms_import_only_what_their_rule_allows() -> None:
    assert room_offences(ROOT) == []


def test_there_is_no_circle() -> None:
    assert circles(ROOT) == []


def test_every_module_of_the_engine_has_a_room() -> None:
    rooms = {room_of(module_name(ROOT, p)) for p in sources(ROOT, ["engine"])}
    assert "" not in rooms


# -- the rules can fail -----------------------------------------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.fixture
def house(tmp_path: Path) -> Path:
    """A small tree shaped like ours, clean."""
    return _tree(tmp_path, {
        "engine/__init__.py": "from engine.facade import Staffel\n",
        "engine/errors.py": "class NotFound(Exception): ...\n",
        "engine/facade.py": "from engine.services.cases import CaseService\n",
        "engine/services/__init__.py": "",
        "engine/services/cases.py": "from engine.execution import runtime\n",
        "engine/execution/__init__.py": "",
        "engine/execution/runtime.py": "from engine.law import deadlines\n",
        "engine/supervision/__init__.py": "",
        "engine/supervision/dashboard.py": "from engine.execution import runtime\n",
        "engine/law/__init__.py": "",
        "engine/law/deadlines.py": "import holidays\nfrom engine.errors import NotFound\n",
        "web/__init__.py": "from engine import Staffel\n",
        "web/pages/__init__.py": "",
        "web/pages/inbox.py": "from engine import NotFound\n",
        "adapters/__init__.py": "from engine import Staffel\n",
    })


def test_the_clean_small_tree_passes(house: Path) -> None:
    assert (outer_layer_offences(house), back_doors(house), room_offences(house),
            circles(house)) == ([], [], [], [])


def test_a_back_door_from_a_page_is_caught(house: Path) -> None:
    _tree(house, {"web/pages/inbox.py": "from engine.execution.runtime import UnitOfWork\n"
                                        "def f(eng):\n    return eng.db.read()\n"})
    assert back_doors(house) == ["web/pages/inbox.py imports engine.execution.runtime",
                                 "web/pages/inbox.py:3 uses .db"]


def test_a_back_door_from_an_adapter_is_caught(house: Path) -> None:
    _tree(house, {"adapters/store.py": "import engine.persistence.models\n"
                                       "def f(eng):\n    with eng.unit('x'): ...\n"})
    assert back_doors(house) == ["adapters/store.py imports engine.persistence.models",
                                 "adapters/store.py:3 uses .unit"]


def test_a_room_reaching_up_is_caught(house: Path) -> None:
    _tree(house, {"engine/execution/runtime.py": "from engine.supervision import dashboard\n"})
    offences = room_offences(house)
    assert offences == ["engine.execution.runtime (engine.execution) imports "
                        "engine.supervision.dashboard"]


def test_impure_law_is_caught(house: Path) -> None:
    _tree(house, {"engine/law/deadlines.py": "import sqlalchemy\n"
                                             "from engine.execution import runtime\n"})
    assert sorted(room_offences(house)) == [
        "engine.law.deadlines (engine.law) imports engine.execution.runtime",
        "engine.law.deadlines (law) imports sqlalchemy"]


def test_a_call_back_up_to_the_facade_is_a_room_offence_and_a_circle(house: Path) -> None:
    _tree(house, {"engine/execution/runtime.py": "def f():\n"
                                                 "    from engine.facade import Staffel\n"})
    assert room_offences(house) == ["engine.execution.runtime (engine.execution) imports "
                                    "engine.facade"]
    assert circles(house) == [["engine.execution.runtime", "engine.facade",
                               "engine.services.cases"]]


def test_outer_layer_imports_are_caught(house: Path) -> None:
    _tree(house, {"engine/law/deadlines.py": "from flask import Flask\nimport web.cli\n"})
    assert outer_layer_offences(house) == ["engine/law/deadlines.py imports flask",
                                           "engine/law/deadlines.py imports web.cli"]
