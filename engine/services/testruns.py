"""Test runs of drafts: settings checked, the current source set read, and a synthetic case
walked through it in a throwaway engine (:mod:`engine.services.testrun_walk`).

The real database is only read (the current source set and the engine time). The throwaway
engine is made by the factory the façade hands in, so this module needs no import of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from engine.definitions import deploy
from engine.errors import InvalidInput
from engine.execution.cases import ENTRIES
from engine.law.lands import LANDS
from engine.model import DraftRunResult
from engine.services.context import EngineContext
from engine.services.testrun_walk import OUTCOME_MESSAGE, WalkedEngine, run_draft

DEFAULT_OUTCOME = "refugee"
DEFAULT_LAND = "NW"
DEFAULT_STEPS = 300
MAX_STEPS = 1000
MAIN_PROCESS = "refugee_lifecycle"


def outcomes_of(sources: Mapping[str, bytes | str]) -> list[str]:
    """The BAMF outcomes the message schema allows (empty when it has no enum)."""
    text = sources.get(f"messages/{OUTCOME_MESSAGE}.schema.json")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        schema = json.loads(text) if text else {}
        values = schema["properties"]["outcome"]["enum"]
    except (ValueError, KeyError, TypeError):
        return []
    return [str(v) for v in values] if isinstance(values, list) else []


class TestRunService:
    """``staffel.testruns``: test runs of drafts on a throwaway engine."""

    __test__ = False  # not a pytest test class, whatever its name says

    def __init__(self, ctx: EngineContext,
                 make_engine: Callable[[datetime], WalkedEngine]) -> None:
        self.ctx = ctx
        self.make_engine = make_engine

    def outcomes(self) -> list[str]:
        """The BAMF outcomes a test run may choose (from the deployed message schema)."""
        name = f"messages/{OUTCOME_MESSAGE}.schema.json"
        with self.ctx.db.read() as session:
            row = deploy.current_source(session, name)
            return outcomes_of({name: row.content} if row is not None else {})

    def run(self, files: Mapping[str, bytes | str], *, outcome: str = DEFAULT_OUTCOME,
            land: str = DEFAULT_LAND, entry: str = "asylum", process_key: str = MAIN_PROCESS,
            max_steps: int = DEFAULT_STEPS, choices: dict[str, Any] | None = None,
            withhold: Iterable[str] = ()) -> DraftRunResult:
        """Walk a synthetic case through the deployed definitions overlaid with ``files``.

        Nothing is written to this engine's database. Raises InvalidInput for bad settings;
        a draft that does not validate gives a result with ``valid=False`` and the problems.
        """
        with self.ctx.db.read() as session:
            sources = {name: row.content for name, row in deploy.current_sources(session).items()}
        start = self.ctx.now()
        withheld = frozenset(withhold)
        _check_settings({**sources, **files}, outcome, land, entry, process_key, max_steps,
                        choices, withheld)
        settings = {"outcome": outcome, "land": land, "entry": entry,
                    "process_key": process_key, "max_steps": max_steps,
                    "withhold": sorted(withheld), "files": sorted(files)}
        return run_draft(sources, files, start, outcome=outcome, land=land, entry=entry,
                         process_key=process_key, max_steps=max_steps,
                         choices=dict(choices or {}), withhold=withheld,
                         settings=settings, make_engine=self.make_engine)


def _check_settings(sources: Mapping[str, bytes | str], outcome: Any, land: Any, entry: Any,
                    process_key: Any, max_steps: Any, choices: Any,
                    withhold: frozenset[str]) -> None:
    errors: list[dict[str, str]] = []
    allowed = outcomes_of(sources)
    if not isinstance(outcome, str) or (allowed and outcome not in allowed):
        errors.append({"field": "outcome", "message": "must be one of " + ", ".join(allowed)})
    if land not in LANDS:
        errors.append({"field": "land", "message": f"must be one of {', '.join(sorted(LANDS))}"})
    if entry not in ENTRIES:
        errors.append({"field": "entry", "message": "must be one of " + ", ".join(ENTRIES)})
    if not isinstance(process_key, str) or not 0 < len(process_key) <= 200:
        errors.append({"field": "process_key", "message": "must be 1-200 characters"})
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) \
            or not 1 <= max_steps <= MAX_STEPS:
        errors.append({"field": "max_steps", "message": f"must be 1 to {MAX_STEPS}"})
    if choices is not None and (not isinstance(choices, dict)
                                or not all(isinstance(k, str) for k in choices)):
        errors.append({"field": "choices", "message": "must be an object of field values"})
    else:
        try:
            json.dumps(choices, allow_nan=False)
        except (TypeError, ValueError):
            errors.append({"field": "choices", "message": "must be plain JSON data"})
    if not all(isinstance(n, str) and 0 < len(n) <= 100 for n in withhold):
        errors.append({"field": "withhold", "message": "must be message names"})
    if errors:
        raise InvalidInput("the test run settings are not valid", errors)
