"""Issue 14, hole 9: every error the engine raises has its own HTTP status, none falls back to
400. The 400 a valid completion got under load was a ``ScriptTimeout`` (the sandbox's
wall-clock budget ran out while other threads held the CPU): the status was looked up by the
exact class then, and ``ScriptTimeout`` had none. Every error class of the engine, the web
layer and the adapters, present and future, is checked here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import adapters
import engine
import web
from engine import StaffelError
from engine.execution.sandbox import ScriptTimeout
from web.errors import STATUS, status_of


def error_classes() -> Iterator[type[StaffelError]]:
    """Every subclass of StaffelError defined anywhere in the code (modules imported first)."""
    for package in (engine, web, adapters):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    pending = list(StaffelError.__subclasses__())
    while pending:
        found = pending.pop()
        pending.extend(found.__subclasses__())
        yield found


def test_every_engine_error_has_its_own_status() -> None:
    classes = list(error_classes())
    assert ScriptTimeout in classes
    unmapped = [f"{c.__module__}.{c.__name__}" for c in classes
                if not any(base in STATUS for base in c.__mro__)]
    assert unmapped == []


def test_a_script_stopped_by_its_time_limit_is_not_a_400() -> None:
    assert status_of(ScriptTimeout("stopped: ran longer than the time limit of 1 s")) == 422
