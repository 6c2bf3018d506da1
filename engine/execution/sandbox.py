"""Restricted, time-limited evaluation of the Python expressions and scripts in our diagrams.

SpiffWorkflow's default engine runs diagram code with plain ``eval``/``exec`` and full builtins.
Here code is compiled with RestrictedPython (plus the extra rules of
:mod:`engine.execution.sandbox_policy`; compiled code is cached), runs against an allow-list of
builtins and caller-supplied helpers, every attribute access goes through ``safer_getattr``
(no ``_``-names, no ``str.format``, no frame or generator internals) and a time budget is
enforced with ``sys.settrace`` plus checks the compiler puts at the top of every loop body,
function body and ``except``/``finally`` block. The budget counts the thread's CPU time (a
script that waits for the interpreter while other requests run is not stopped for it), with
:data:`WALL_FACTOR` times the limit in wall time as the outer bound.

Finding our error behind SpiffWorkflow: :class:`SandboxScriptEngine` raises SpiffWorkflow's
``WorkflowTaskException`` (it needs one for task traces); the :class:`~engine.errors.ScriptError`
is both its ``__cause__`` and its ``.exception`` attribute. Call :func:`find_script_error` on
whatever ``do_engine_steps()``/``run()`` raised: it walks ``.exception``, ``__cause__`` and
``__context__``. Engine-level calls that bypass the engine (message correlation,
process-level conditions call ``script_engine.environment.evaluate``) raise the ScriptError as is.

The guards themselves (builtins, attribute access, size limits) are in
:mod:`engine.execution.sandbox_guards`.

Limits (:mod:`engine.execution.sandbox_limits`): single C-level calls that would build a huge
object or do long work from small inputs are refused before they run (sequence ``+``/``*``,
``**``, ``pow`` (also with a modulus), ``<<``, ``//``/``%``/``divmod``/``round`` on huge
integers, ``int.to_bytes/from_bytes``, ``%``- and f-string widths, ``range``, the growing
``str``/``bytes``/``list``/``set`` methods, ``sum``, ``zip``, and unpacking displays
``[*a, *a]``, ``{**a, **a}``, ``f(*a, *a)``, which the compiler turns into guarded calls).
Growth spread over many steps is stopped by a memory watch (memory in use checked every
:data:`~engine.execution.sandbox_limits.MEMORY_CHECK_INTERVAL` seconds with the time budget, up
to :data:`~engine.execution.sandbox_limits.MAX_MEMORY_CHECK_INTERVAL` when a look is slow; a
look's own CPU time is not charged to the script).
NOT bounded: C calls whose work grows with data that already exists, superlinearly, such as
comparing, hashing or printing deeply nested *shared* structures (``t = (t, t)`` 40 times,
then ``hash(t)``) or ``max`` over many references to one long list; see docs/security.md.
While sandboxed code runs, an outer tracer (debugger, coverage) is suspended and restored
afterwards.
"""

from __future__ import annotations

import ast
import copy
import functools
import re
import sys
import time
from collections.abc import Callable, Mapping
from types import CodeType, FrameType, TracebackType
from typing import Any, Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.errors import ScriptError
from engine.execution.sandbox_guards import (
    _GUARDS,
    _RESERVED,
)
from engine.execution.sandbox_limits import (
    MAX_MEMORY_CHECK_INTERVAL,
    MEMORY_CHECK_INTERVAL,
    MemoryWatch,
)
from engine.execution.sandbox_policy import _Policy

EXPRESSION_FILENAME = "<staffel-expression>"
SCRIPT_FILENAME = "<staffel-script>"
_FILENAMES = frozenset({EXPRESSION_FILENAME, SCRIPT_FILENAME})
DEFAULT_TIME_LIMIT = 1.0
#: a script waiting for the interpreter (another request's thread holds the GIL) is not using
#: its budget: the limit counts the thread's CPU time; wall time only stops it at this multiple
WALL_FACTOR = 10.0


class _Clocks:
    """The clocks of the budget (a seam for the tests: wall time can leap while CPU does not)."""

    wall: Callable[[], float] = staticmethod(time.monotonic)
    cpu: Callable[[], float] = staticmethod(time.thread_time)


CLOCKS = _Clocks()

Mode = Literal["eval", "exec"]


class ScriptTimeout(ScriptError):
    """An expression or script used more than its time budget and was stopped."""


# --- compiling ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> tuple[CodeType | None, tuple[str, ...]]:
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    filename = EXPRESSION_FILENAME if mode == "eval" else SCRIPT_FILENAME
    try:
        result = compiler(source, filename=filename, policy=_Policy)
    except SyntaxError as exc:  # raised by compile() itself, e.g. 'return' outside function
        return None, (f"Line {exc.lineno}: SyntaxError: {exc.msg}",)
    except (ValueError, TypeError) as exc:  # e.g. NUL bytes in the source
        return None, (f"Line None: {exc}",)
    return result.code, tuple(result.errors)


def check_source(source: str, mode: str) -> list[str]:
    """Return RestrictedPython's messages for ``source`` ("Line N: ..."); empty means it is ok."""
    if mode not in ("eval", "exec"):
        raise ValueError(f"mode must be 'eval' or 'exec', not {mode!r}")
    if not isinstance(source, str):
        return [f"Line None: expected the code as a string, got {type(source).__name__}"]
    return list(_compile(source, mode)[1])


def _compiled(source: str, mode: Mode) -> CodeType:
    errors = check_source(source, mode)
    code = _compile(source, mode)[0] if not errors else None
    if code is None:
        what = "expression" if mode == "eval" else "script"
        lines = [re.match(r"Line (\d+):", m) for m in errors]
        details = [{"line": int(n.group(1)) if n else None, "message": m}
                   for n, m in zip(lines, errors, strict=True)]
        raise ScriptError(f"{what} rejected: " + "; ".join(errors), details)
    return code


def compile_expression(source: str) -> CodeType:
    """Compile an expression (eval mode) in the sandbox; raise ScriptError if it is rejected."""
    return _compiled(source, "eval")


def compile_script(source: str) -> CodeType:
    """Compile a script (exec mode) in the sandbox; raise ScriptError if it is rejected."""
    return _compiled(source, "exec")



# --- running -------------------------------------------------------------------------------


def _line_in(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in _FILENAMES:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class Sandbox:
    """Runs compiled expressions/scripts with the safe builtins, the given helpers and a budget."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None,
                 time_limit: float = DEFAULT_TIME_LIMIT) -> None:
        self.helpers = dict(helpers or {})
        for name, func in self.helpers.items():
            if not name.isidentifier() or name.startswith("_") or not callable(func):
                raise ValueError(f"invalid sandbox helper {name!r}")
        if time_limit <= 0:
            raise ValueError("time_limit must be positive")
        self.time_limit = float(time_limit)

    def evaluate(self, expression: str, context: Mapping[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        """Return the expression's value; task data (``context``) wins over external names."""
        code = compile_expression(expression)
        return self._run(code, {**self.helpers, **(external_context or {}), **context, **_GUARDS})

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> None:
        """Run a script on a copy of ``context``; only on success its variables become the data."""
        code = compile_script(script)
        external = dict(external_context or {})
        clash = sorted((set(self.helpers) | set(external) | _RESERVED) & set(context))
        if clash:
            raise ScriptError(f"task data variable(s) {', '.join(clash)} clash with helper or "
                              "reserved names; rename them")
        try:
            data = copy.deepcopy(dict(context))
        except Exception as exc:  # task data is the process's own: any copy failure is a 422
            raise ScriptError(f"task data cannot be copied for the script: {exc}") from exc
        glb = {**self.helpers, **external, **data, **_GUARDS}
        self._run(code, glb)
        for name, value in (*self.helpers.items(), *external.items()):
            if glb.get(name, _MISSING) is not value:
                raise ScriptError(f"the script assigns to '{name}', a predefined name that may "
                                  "not be overwritten; use another variable name")
        result = {}
        for name, value in glb.items():
            if name in _RESERVED or name in self.helpers or name in external:
                continue
            if name not in data and (name.startswith("_") or callable(value)):
                continue  # RestrictedPython temporaries, functions defined by the script
            result[name] = value
        context.clear()
        context.update(result)

    def _run(self, code: CodeType, glb: dict[str, Any]) -> Any:
        limit = self.time_limit
        now, cpu = CLOCKS.wall, CLOCKS.cpu
        started = now()
        # made at the first check, so short scripts (nearly all) pay nothing: the memory watch,
        # and the CPU clock's start (the first check comes after a millisecond of wall time or
        # at the first line after one; the thread's CPU time until then is counted as that
        # millisecond, not as the wall time, which may have been spent waiting for the GIL)
        memory: list[MemoryWatch] = []
        cpu_started: list[float] = []
        next_check = started + min(MEMORY_CHECK_INTERVAL, limit)
        watching = 0.0  # CPU time of the memory watch itself: the engine's, not the script's

        def check() -> None:
            # cheap on the common path: one wall-clock read and one comparison; at most every
            # millisecond the thread's CPU time against the limit, and the memory watch
            nonlocal next_check, watching
            current = now()
            if current < next_check:
                return
            if not cpu_started:
                cpu_started.append(cpu() - min(current - started, MEMORY_CHECK_INTERVAL))
            before = cpu()
            if before - cpu_started[0] - watching > limit \
                    or current - started > WALL_FACTOR * limit:
                raise ScriptTimeout(f"stopped: ran longer than the time limit of {limit:g} s")
            if not memory:
                memory.append(MemoryWatch())
            memory[0].check()
            # reading the allocator's figures grows with a fragmented heap (12 ms in a
            # long-lived process, against 0.15 ms in a fresh one): not charged to the script,
            # and looked at less often then, so that the watch stays a tenth of the time
            spent = cpu() - before
            watching += spent
            # counted from the end of this look (its CPU time stands for its duration, without
            # another clock reading): the script runs between two looks
            next_check = current + spent + min(max(MEMORY_CHECK_INTERVAL, 10 * spent),
                                               MAX_MEMORY_CHECK_INTERVAL, limit)

        def getiter(ob: Any) -> Any:
            check()
            return iter(ob)

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            if event == "line" and now() >= next_check:
                check()
            return local

        def tracer(frame: FrameType, event: str, arg: Any) -> Any:
            check()
            return local if frame.f_code.co_filename in _FILENAMES else None

        glb["_getiter_"], glb["_check_deadline_"] = getiter, check
        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            return eval(code, glb)
        except ScriptError as exc:
            line = _line_in(exc.__traceback__)
            if line is not None and not exc.errors:
                exc.errors.append({"line": line, "message": exc.message})
            raise
        except Exception as exc:  # whatever a script raises is the script's error, never a 500
            line = _line_in(exc.__traceback__)
            where = f"line {line}: " if line and code.co_filename == SCRIPT_FILENAME else ""
            message = f"{where}{type(exc).__name__}: {exc}"
            raise ScriptError(message, [{"line": line, "message": message}]) from exc
        finally:
            sys.settrace(previous)


_MISSING = object()


# --- SpiffWorkflow integration -------------------------------------------------------------


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that delegates to a :class:`Sandbox`."""

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__(environment_globals=dict(sandbox.helpers))
        self.sandbox = sandbox

    def evaluate(self, expression: str, context: Mapping[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        """Evaluate ``expression`` with task data as variables (raises ScriptError)."""
        return self.sandbox.evaluate(expression, context, external_context)

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> bool:
        """Run ``script``; its top-level variables become the task data (raises ScriptError)."""
        self.sandbox.execute(script, context, external_context)
        return True


def _task_exception(task: Any, prefix: str, err: ScriptError, source: str) -> Exception:
    line = next((e.get("line") for e in err.errors if e.get("line")), None)
    lines = source.splitlines() if isinstance(source, str) else []
    error_line = lines[line - 1] if line and line <= len(lines) else None
    cause = err.__cause__ if isinstance(err.__cause__, Exception) else err
    wrapped = WorkflowTaskException(f"{prefix}: {err.message}", task=task, exception=cause,
                                    line_number=line, error_line=error_line)
    wrapped.exception = err
    return wrapped


class SandboxScriptEngine(PythonScriptEngine):
    """The script engine to hand to ``BpmnWorkflow``: SpiffWorkflow's API, our sandbox.

    Errors surface as ``WorkflowTaskException`` whose ``.exception``/``__cause__`` is the
    :class:`ScriptError`; use :func:`find_script_error` to get it back.
    """

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None,
                 time_limit: float = DEFAULT_TIME_LIMIT) -> None:
        self.sandbox = Sandbox(helpers, time_limit)
        super().__init__(environment=SandboxEnvironment(self.sandbox))

    def validate(self, expression: str) -> None:
        """Raise SyntaxError if it does not parse (DMN relies on that), ScriptError if rejected."""
        ast.parse(expression)
        compile_expression(expression)

    def evaluate(self, task: Any, expression: str,
                 external_context: Mapping[str, Any] | None = None) -> Any:
        """Evaluate ``expression`` against ``task.data``."""
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptError as err:
            prefix = f"Error evaluating expression '{expression}'"
            raise _task_exception(task, prefix, err, expression) from err

    def execute(self, task: Any, script: str,
                external_context: Mapping[str, Any] | None = None) -> bool:
        """Run ``script`` on ``task.data`` (left untouched if the script fails)."""
        try:
            return bool(self.environment.execute(script, task.data, external_context))
        except ScriptError as err:
            raise _task_exception(task, "Error executing script", err, script) from err

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        """Refuse service tasks (SpiffWorkflow's own version fails with a NameError)."""
        err = ScriptError("service tasks are not supported by the sandboxed script engine")
        raise _task_exception(task, "Error calling service", err, "")


def find_script_error(exc: BaseException | None) -> ScriptError | None:
    """Return the ScriptError behind ``exc`` (itself, ``.exception``, ``__cause__``, ...)."""
    seen: set[int] = set()
    pending: list[Any] = [exc]
    while pending:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ScriptError):
            return current
        pending += [getattr(current, "exception", None), current.__cause__, current.__context__]
    return None
