"""An error inside a process step: a database failure stays a database failure (503 / 409
through the database layer), everything else becomes a script error (422)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from engine.errors import ScriptError
from engine.execution.runtime import database_error, translate_engine_error


class Wrapper(Exception):
    """Stands for SpiffWorkflow's WorkflowTaskException, which keeps its cause in .exception."""

    def __init__(self, exception: BaseException) -> None:
        super().__init__("task failed")
        self.exception = exception


def locked() -> OperationalError:
    return OperationalError("UPDATE cases", {}, Exception("canceling statement due to lock "
                                                         "timeout"))


@pytest.mark.parametrize("shape", ["direct", "cause", "context", "attribute", "deep"])
def test_a_database_error_is_found_wherever_spiff_put_it(shape: str) -> None:
    error = locked()
    if shape == "direct":
        outer: BaseException = error
    elif shape == "cause":
        outer = RuntimeError("step")
        outer.__cause__ = error
    elif shape == "context":
        outer = RuntimeError("step")
        outer.__context__ = error
    elif shape == "attribute":
        outer = Wrapper(error)
    else:
        inner = RuntimeError("listener")
        inner.__cause__ = error
        outer = Wrapper(inner)
    assert database_error(outer) is error


def test_other_errors_stay_script_errors() -> None:
    loop = RuntimeError("a")
    loop.__context__ = Wrapper(loop)  # a cycle does not hang the search
    assert database_error(loop) is None
    assert isinstance(translate_engine_error(ValueError("bad")), ScriptError)
