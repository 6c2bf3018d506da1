"""The one script engine all diagrams run with: the sandbox plus the allowed helpers."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from engine import deadlines
from engine.effects import CASE_HELPERS
from engine.rules import LegalRules
from engine.sandbox import SandboxScriptEngine


def helper_functions(rules: LegalRules) -> dict[str, Callable[..., Any]]:
    """Deadline helpers bound to the configured legal rules, plus the case helpers."""
    helpers: dict[str, Callable[..., Any]] = {}
    for name, func in deadlines.HELPERS.items():
        if "rules" in inspect.signature(func).parameters:
            helpers[name] = functools.partial(func, rules=rules)
        else:
            helpers[name] = func
    helpers.update(CASE_HELPERS)
    return helpers


def make_script_engine(rules: LegalRules, time_limit: float = 1.0) -> SandboxScriptEngine:
    """Return the sandboxed script engine with the helper allow-list."""
    return SandboxScriptEngine(helpers=helper_functions(rules), time_limit=time_limit)
