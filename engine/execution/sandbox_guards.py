"""Guards of the sandbox: safe builtins, attribute access, and size limits on operations that
build a huge object from small inputs (see :mod:`engine.execution.sandbox` for what they
protect; the limits themselves are in :mod:`engine.execution.sandbox_limits`)."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
    safer_getattr_raise,
)
from RestrictedPython.PrintCollector import PrintCollector

from engine.errors import ScriptError
from engine.execution import sandbox_limits as limits
from engine.execution.sandbox_limits import MAX_INT_BITS, MAX_LENGTH, MAX_RANGE

_limit = limits.limit


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
    limits.check_pow(a, b)


def _check_lshift(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and a:
        _limit(a.bit_length() + b, "shift result (bits)", MAX_INT_BITS)


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?")


def _check_width(text: str, what: str) -> None:
    for number in re.findall(r"\d+", text):
        _limit(int(number) if len(number) <= 7 else MAX_LENGTH + 1, what)


def _check_mod(a: Any, b: Any) -> None:
    limits.check_floordiv(a, b)
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


_CHECKS = {"+": _check_add, "*": _check_mul, "**": _check_pow, "<<": _check_lshift, "%": _check_mod,
           "//": limits.check_floordiv}
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


_TEXT = (str, bytes, list)
_SETS = (set, frozenset)
_SET_OPERATIONS = ("union", "intersection", "difference", "symmetric_difference", "update",
                   "intersection_update", "difference_update", "symmetric_difference_update",
                   "issubset", "issuperset", "isdisjoint")
#: method name -> (types it is guarded on, guard taking the object first)
_METHOD_GUARDS: dict[str, tuple[tuple[type, ...], Callable[..., Any]]] = {
    **{name: (_TEXT, _pad(name)) for name in ("ljust", "rjust", "center", "zfill")},
    "expandtabs": (_TEXT, _expandtabs), "replace": (_TEXT, _replace), "join": (_TEXT, _join),
    "extend": (_TEXT, _extend), "translate": ((str,), limits.translate),
    "encode": ((str,), limits.encode), "decode": ((bytes,), limits.decode),
    "hex": ((bytes,), limits.hexlify), "to_bytes": ((int,), limits.to_bytes),
    **{name: (_SETS, limits.set_operation(name)) for name in _SET_OPERATIONS},
}
#: class methods (same guard on the type and on an instance)
_CLASS_METHOD_GUARDS: dict[str, tuple[tuple[type, ...], Callable[..., Any]]] = {
    "from_bytes": ((int,), limits.from_bytes),
}


def _bound(guard: Callable[..., Any], obj: Any) -> Callable[..., Any]:
    # a plain closure, not functools.partial: nothing a script could rewrite
    def method(*args: Any, **kwargs: Any) -> Any:
        return guard(obj, *args, **kwargs)

    return method


def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """``getattr`` for sandboxed code: refuses ``_``-names, ``str.format*`` and inspection
    attributes (via RestrictedPython's ``safer_getattr``) and size-guards growing methods."""
    value = safer_getattr(obj, name, *default) if default else safer_getattr_raise(obj, name)
    entry = _METHOD_GUARDS.get(name) or _CLASS_METHOD_GUARDS.get(name)
    if entry is None or not callable(value):
        return value
    types, guard = entry
    if isinstance(obj, type):
        return guard if issubclass(obj, types) else value
    if not isinstance(obj, types):
        return value
    return guard if name in _CLASS_METHOD_GUARDS else _bound(guard, obj)


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


_DENIED_BUILTINS = {"BaseException", "GeneratorExit", "KeyboardInterrupt", "SystemExit",
                    "setattr", "delattr"}
SAFE_BUILTINS: dict[str, Any] = {
    **{k: v for k, v in safe_builtins.items() if k not in _DENIED_BUILTINS and k[0] != "_"},
    # from RestrictedPython's utility_builtins, without its modules (math, random, string):
    "set": set, "frozenset": frozenset,
    "len": len, "min": min, "max": max, "sorted": sorted, "reversed": reversed,
    "any": any, "all": all, "abs": abs, "int": int, "float": float, "str": str,
    "bool": bool, "list": list, "dict": dict, "tuple": tuple, "enumerate": enumerate,
    "isinstance": isinstance, "range": _range, "pow": limits.guarded_pow,
    "getattr": guarded_getattr, "sum": limits.guarded_sum, "zip": limits.guarded_zip,
    "divmod": limits.guarded_divmod, "round": limits.guarded_round,
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
    "_floordiv_": _guarded(limits.check_floordiv, operator.floordiv),
    "_unpack_display_": limits.unpack_display, "_dict_display_": limits.dict_display,
}  # fmt: skip
_RESERVED = frozenset(_GUARDS) | {"_getiter_", "_check_deadline_"}
