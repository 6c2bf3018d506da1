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
import operator
import re
import sys
import time
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from types import CodeType, FrameType, TracebackType
from typing import Any, Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
    safer_getattr_raise,
)
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.errors import ScriptError

EXPRESSION_FILENAME = "<staffel-expression>"
SCRIPT_FILENAME = "<staffel-script>"
_FILENAMES = frozenset({EXPRESSION_FILENAME, SCRIPT_FILENAME})
DEFAULT_TIME_LIMIT = 1.0
#: Largest str/bytes/list/tuple a single guarded operation may produce.
MAX_LENGTH = 1_000_000
#: Largest integer (in bits) ``*``, ``**``, ``pow`` and ``<<`` may produce.
MAX_INT_BITS = 100_000
#: Largest ``range()`` a diagram may create.
MAX_RANGE = 1_000_000

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


# --- size guards ---------------------------------------------------------------------------


def _limit(size: int, what: str, maximum: int = MAX_LENGTH) -> None:
    if size > maximum:
        raise ScriptError(f"{what} would be too large for the sandbox (limit {maximum})")


def _seq_len(value: Any) -> int | None:
    return len(value) if isinstance(value, str | bytes | list | tuple) else None


def _check_add(a: Any, b: Any) -> None:
    la, lb = _seq_len(a), _seq_len(b)
    if la is not None and lb is not None:
        _limit(la + lb, "concatenation")


def _check_mul(a: Any, b: Any) -> None:
    for seq, n in ((a, b), (b, a)):
        size = _seq_len(seq)
        if size is not None and isinstance(n, int):
            _limit(size * n, "sequence repetition")
    if isinstance(a, int) and isinstance(b, int):
        _limit(a.bit_length() + b.bit_length(), "integer product (bits)", MAX_INT_BITS)


def _check_pow(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        _limit(a.bit_length() * b, "power (bits)", MAX_INT_BITS)


def _check_lshift(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and a:
        _limit(a.bit_length() + b, "shift result (bits)", MAX_INT_BITS)


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?")


def _check_width(text: str, what: str) -> None:
    for number in re.findall(r"\d+", text):
        _limit(int(number) if len(number) <= 7 else MAX_LENGTH + 1, what)


def _check_mod(a: Any, b: Any) -> None:
    if isinstance(a, str | bytes):
        fmt = a if isinstance(a, str) else a.decode("latin-1")
        for match in _PERCENT_SPEC.finditer(fmt):
            if "*" in match.groups():
                raise ScriptError("'*' widths in %-formatting are not allowed in the sandbox")
            _check_width(" ".join(g for g in match.groups() if g), "%-format width")


def _guarded(check: Callable[[Any, Any], None], op: Callable[[Any, Any], Any]) -> Any:
    def guarded(a: Any, b: Any) -> Any:
        check(a, b)
        return op(a, b)

    return guarded


_CHECKS = {"+": _check_add, "*": _check_mul, "**": _check_pow, "<<": _check_lshift, "%": _check_mod}
_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
            "<<=": operator.ilshift, ">>=": operator.irshift, "&=": operator.iand,
            "^=": operator.ixor, "|=": operator.ior, "@=": operator.imatmul}


def _inplacevar(op: str, a: Any, b: Any) -> Any:
    check = _CHECKS.get(op[:-1])
    if check is not None:
        check(a, b)
    return _INPLACE[op](a, b)


def _format(value: Any, conversion: int, spec: str) -> str:
    converters: dict[int, Callable[[Any], str]] = {115: str, 114: repr, 97: ascii}
    converter = converters.get(conversion)
    _check_width(spec, "format width")
    return format(converter(value) if converter else value, spec)


def _pow(base: Any, exp: Any, mod: Any = None) -> Any:
    if mod is None:
        _check_pow(base, exp)
    return pow(base, exp, mod)


def _range(*args: int) -> range:
    result = range(*args)
    try:
        size = len(result)
    except OverflowError:
        size = MAX_RANGE + 1
    _limit(size, "range()", MAX_RANGE)
    return result


# Methods that build a big result from small arguments, re-implemented with a size check.
# Each takes the object first, so one function serves ``s.ljust(n)`` and ``str.ljust(s, n)``.
def _pad(name: str) -> Callable[..., Any]:
    def pad(s: Any, width: Any, *rest: Any) -> Any:
        _limit(width if isinstance(width, int) else 0, f"{name}() result")
        return getattr(s, name)(width, *rest)

    return pad


def _expandtabs(s: Any, tabsize: int = 8) -> Any:
    tabs = s.count("\t" if isinstance(s, str) else b"\t")
    _limit(len(s) + tabs * max(tabsize, 0), "expandtabs() result")
    return s.expandtabs(tabsize)


def _replace(s: Any, old: Any, new: Any, count: int = -1) -> Any:
    hits = s.count(old) if len(old) else len(s) + 1
    hits = min(hits, count) if count >= 0 else hits
    _limit(len(s) + hits * max(len(new) - len(old), 0), "replace() result")
    return s.replace(old, new, count)


def _join(sep: Any, iterable: Any) -> Any:
    items = list(iterable)
    total = sum(len(i) for i in items if isinstance(i, str | bytes))
    _limit(total + len(sep) * max(len(items) - 1, 0), "join() result")
    return sep.join(items)


def _extend(target: list[Any], iterable: Any) -> None:
    items = list(iterable)
    _limit(len(target) + len(items), "extend() result")
    target.extend(items)


_METHOD_GUARDS: dict[str, Callable[..., Any]] = {
    **{name: _pad(name) for name in ("ljust", "rjust", "center", "zfill")},
    "expandtabs": _expandtabs, "replace": _replace, "join": _join, "extend": _extend,
}
_GUARDED_TYPES = (str, bytes, list)


def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """``getattr`` for sandboxed code: refuses ``_``-names, ``str.format*`` and inspection
    attributes (via RestrictedPython's ``safer_getattr``) and size-guards growing methods."""
    value = safer_getattr(obj, name, *default) if default else safer_getattr_raise(obj, name)
    guard = _METHOD_GUARDS.get(name)
    if guard is None or not callable(value):
        return value
    if isinstance(obj, _GUARDED_TYPES):
        return functools.partial(guard, obj)
    if isinstance(obj, type) and issubclass(obj, _GUARDED_TYPES):
        return guard
    return value


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


_DENIED_BUILTINS = {"BaseException", "GeneratorExit", "KeyboardInterrupt", "SystemExit",
                    "setattr", "delattr"}
SAFE_BUILTINS: dict[str, Any] = {
    **{k: v for k, v in safe_builtins.items() if k not in _DENIED_BUILTINS and k[0] != "_"},
    # from RestrictedPython's utility_builtins, without its modules (math, random, string):
    "set": set, "frozenset": frozenset,
    "len": len, "min": min, "max": max, "sum": sum, "sorted": sorted, "reversed": reversed,
    "any": any, "all": all, "abs": abs, "round": round, "int": int, "float": float, "str": str,
    "bool": bool, "list": list, "dict": dict, "tuple": tuple, "enumerate": enumerate, "zip": zip,
    "isinstance": isinstance, "range": _range, "pow": _pow, "getattr": guarded_getattr,
    "date": date, "timedelta": timedelta,
}  # fmt: skip

_GUARDS: dict[str, Any] = {
    "__builtins__": SAFE_BUILTINS, "__name__": "staffel_sandbox",
    "_getattr_": guarded_getattr, "_getitem_": operator.getitem, "_write_": full_write_guard,
    "_inplacevar_": _inplacevar, "_unpack_sequence_": guarded_unpack_sequence,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence, "_apply_": _apply,
    "_print_": PrintCollector, "_format_": _format,
    "_add_": _guarded(_check_add, operator.add), "_mul_": _guarded(_check_mul, operator.mul),
    "_pow_": _guarded(_check_pow, operator.pow), "_mod_": _guarded(_check_mod, operator.mod),
    "_lshift_": _guarded(_check_lshift, operator.lshift),
}  # fmt: skip
_RESERVED = frozenset(_GUARDS) | {"_getiter_", "_check_deadline_"}


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
        except Exception as exc:
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
        except Exception as exc:
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
