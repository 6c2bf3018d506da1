"""Restricted, time-limited evaluation of the Python expressions and scripts in our diagrams.

SpiffWorkflow's default engine runs diagram code with plain ``eval``/``exec`` and full builtins.
Here code is compiled with RestrictedPython (plus the extra rules of :class:`_Policy`; compiled
code is cached), runs against an allow-list of builtins and caller-supplied helpers, every
attribute access goes through ``safer_getattr`` (no ``_``-names, no ``str.format``, no frame or
generator internals) and a wall-clock budget is enforced with ``sys.settrace`` plus checks the
compiler puts at the top of every loop body, function body and ``except``/``finally`` block.

Finding our error behind SpiffWorkflow: :class:`SandboxScriptEngine` raises SpiffWorkflow's
``WorkflowTaskException`` (it needs one for task traces); the :class:`~engine.errors.ScriptError`
is both its ``__cause__`` and its ``.exception`` attribute. Call :func:`find_script_error` on
whatever ``do_engine_steps()``/``run()`` raised: it walks ``.exception``, ``__cause__`` and
``__context__``. Engine-level calls that bypass the engine (message correlation,
process-level conditions call ``script_engine.environment.evaluate``) raise the ScriptError as is.

The guards themselves (builtins, attribute access, size limits) are in
:mod:`engine.execution.sandbox_guards`.

Limits: single operations that build a huge object from small inputs are refused (sequence
``+``/``*``, ``**``, ``pow``, ``<<``, ``%``- and f-string widths, ``range`` beyond
:data:`MAX_RANGE`, ``str.ljust/rjust/center/zfill/expandtabs/replace/join``, ``list.extend``).
NOT bounded: growth through unpacking displays (``[*a, *a]``) or other C-level calls on data
that is already large; such growth is only limited by the time budget, and one long C call
(e.g. ``sorted`` of a big list) cannot be interrupted. Run workers under a memory limit
(cgroup / ``RLIMIT_AS``). While sandboxed code runs, an outer tracer (debugger, coverage) is
suspended and restored afterwards.
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
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.errors import ScriptError
from engine.execution.sandbox_guards import (
    _GUARDS,
    _RESERVED,
)

EXPRESSION_FILENAME = "<staffel-expression>"
SCRIPT_FILENAME = "<staffel-script>"
_FILENAMES = frozenset({EXPRESSION_FILENAME, SCRIPT_FILENAME})
DEFAULT_TIME_LIMIT = 1.0

Mode = Literal["eval", "exec"]


class ScriptTimeout(ScriptError):
    """An expression or script ran longer than its wall-clock budget and was stopped."""


# --- compiling ---------------------------------------------------------------------------


def _call(name: str, node: ast.AST, *args: ast.expr) -> ast.Call:
    new = ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])
    copy_locations(new, node)
    return new


def _deadline_check(node: ast.AST) -> ast.Expr:
    stmt = ast.Expr(_call("_check_deadline_", node))
    copy_locations(stmt, node)
    return stmt


_BINOP_GUARDS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_",
                 ast.Mod: "_mod_"}


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's rules; no import/class/with; guarded operators; deadline checks."""

    def _refuse(self, node: Any) -> Any:
        self.error(node, f"{type(node).__name__} statements are not allowed.")
        return node

    visit_Import = visit_ImportFrom = visit_ClassDef = visit_With = _refuse

    def visit_BinOp(self, node: Any) -> Any:
        node = self.node_contents_visit(node)
        name = _BINOP_GUARDS.get(type(node.op))
        return node if name is None else _call(name, node, node.left, node.right)

    def visit_FormattedValue(self, node: Any) -> Any:
        node = self.node_contents_visit(node)
        if node.format_spec is None:
            return node
        value = _call("_format_", node, node.value, ast.Constant(node.conversion), node.format_spec)
        new = ast.FormattedValue(value=value, conversion=-1, format_spec=None)
        copy_locations(new, node)
        return new

    # Loop and function bodies start with a deadline check: a one-line ``while True: pass``
    # produces no 'line' trace events on CPython 3.11, so tracing alone would not stop it.
    def _checked(self, node: Any) -> Any:
        node.body.insert(0, _deadline_check(node))
        return node

    def visit_While(self, node: Any) -> Any:
        return self._checked(self.node_contents_visit(node))

    def visit_For(self, node: Any) -> Any:
        return self._checked(super().visit_For(node))

    def visit_FunctionDef(self, node: Any) -> Any:
        return self._checked(super().visit_FunctionDef(node))

    def visit_Try(self, node: Any) -> Any:
        # A trace function that raises is switched off by CPython; if the script caught our
        # ScriptTimeout it could loop on unchecked. Every handler/finally re-checks first.
        node = self.node_contents_visit(node)
        for handler in node.handlers:
            handler.body.insert(0, _deadline_check(handler))
        if node.finalbody:
            node.finalbody.insert(0, _deadline_check(node.finalbody[0]))
        return node


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
        deadline = time.monotonic() + limit
        now = time.monotonic

        def check() -> None:
            if now() > deadline:
                raise ScriptTimeout(f"stopped: ran longer than the time limit of {limit:g} s")

        def getiter(ob: Any) -> Any:
            check()
            return iter(ob)

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            if event == "line" and now() > deadline:
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
