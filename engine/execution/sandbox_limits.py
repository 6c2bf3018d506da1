"""Size limits of the sandbox: every way the allowed builtins and methods could build a huge
object (or run one long uninterruptible C call) from small input is checked *before* the
work is done, plus a memory watch for growth spread over many small steps.

Why before: the time budget of :mod:`engine.execution.sandbox` is checked between Python
lines and at the top of loops; a single C call (``pow`` with huge numbers, ``to_bytes``,
``str.translate``, ``sum`` of lists, an unpacking display) runs to its end holding the GIL and
stalls the whole server. So each such call is refused when its result or work would exceed
:data:`MAX_LENGTH` items, :data:`MAX_INT_BITS` bits or :data:`MAX_POW_MOD_BITS` bits.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Iterable
from typing import Any

from engine.errors import ScriptError

#: Largest str/bytes/list/tuple/set/dict a single guarded operation may produce (items).
MAX_LENGTH = 100_000
#: Largest integer (in bits) an operation may produce or take for quadratic work.
MAX_INT_BITS = 100_000
#: Largest ``range()`` a diagram may create.
MAX_RANGE = 100_000
#: Largest modulus and exponent (bits) of a three-argument ``pow`` (2048 bits: ~20 ms).
MAX_POW_MOD_BITS = 2048
#: Largest ``ndigits`` below zero for ``round`` (it computes ``10 ** -ndigits``).
MAX_ROUND_DIGITS = 30_000
#: How much the process's resident memory may grow while one script runs (bytes).
MAX_MEMORY_GROWTH = 24 * 1024 * 1024
#: How often (seconds) a running script's memory growth is looked at.
MEMORY_CHECK_INTERVAL = 0.001
#: The longest interval between two looks when a look itself is slow (a fragmented heap).
MAX_MEMORY_CHECK_INTERVAL = 0.002


def limit(size: int, what: str, maximum: int = MAX_LENGTH) -> None:
    """Refuse with a ScriptError if ``size`` exceeds ``maximum``."""
    if size > maximum:
        raise ScriptError(f"{what} would be too large for the sandbox (limit {maximum})")


def sized(value: Any, what: str) -> int:
    """``len(value)``; an iterable without a length is refused (it cannot be bounded)."""
    try:
        return len(value)
    except TypeError:
        raise ScriptError(f"{what}: only lists, tuples, sets, dicts, strings and ranges may be "
                          "used here in the sandbox") from None


# --- integers ----------------------------------------------------------------------------


def int_bits(*values: Any) -> None:
    """Refuse integers beyond :data:`MAX_INT_BITS` for work that is quadratic in their size."""
    for value in values:
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            limit(value.bit_length(), "integer operand (bits)", MAX_INT_BITS)


def check_floordiv(a: Any, b: Any) -> None:
    """``//``, ``%`` and ``divmod`` are quadratic in the size of integers."""
    int_bits(a, b)


def guarded_divmod(a: Any, b: Any) -> Any:
    """``divmod`` with bounded integers."""
    int_bits(a, b)
    return divmod(a, b)


def guarded_round(number: Any, ndigits: Any = None) -> Any:
    """``round``: a huge negative ``ndigits`` makes CPython compute ``10 ** -ndigits``."""
    int_bits(number)
    if isinstance(ndigits, int) and ndigits < 0:
        limit(-ndigits, "round() digits", MAX_ROUND_DIGITS)
    return round(number) if ndigits is None else round(number, ndigits)


def check_pow(base: Any, exp: Any, mod: Any = None) -> None:
    """``**``/``pow``: bits of the result; with a modulus the cost of modular exponentiation."""
    if mod is not None:
        for value, what, maximum in ((mod, "pow() modulus (bits)", MAX_POW_MOD_BITS),
                                     (exp, "pow() exponent (bits)", MAX_POW_MOD_BITS),
                                     (base, "pow() base (bits)", MAX_INT_BITS)):
            if isinstance(value, int):
                limit(value.bit_length(), what, maximum)
        return
    if isinstance(base, int) and isinstance(exp, int) and exp > 0 and abs(base) > 1:
        limit(base.bit_length() * exp, "power (bits)", MAX_INT_BITS)


def guarded_pow(base: Any, exp: Any, mod: Any = None) -> Any:
    """``pow`` with bounded results and bounded modular exponentiation."""
    check_pow(base, exp, mod)
    return pow(base, exp, mod)


def to_bytes(number: int, length: Any = 1, *args: Any, **kwargs: Any) -> bytes:
    """``int.to_bytes`` with a bounded length."""
    limit(length if isinstance(length, int) else 0, "to_bytes() result")
    return number.to_bytes(length, *args, **kwargs)


def from_bytes(data: Any, *args: Any, **kwargs: Any) -> int:
    """``int.from_bytes`` with a bounded result (an integer of ``8 * len(data)`` bits)."""
    limit(8 * sized(data, "from_bytes()"), "from_bytes() result (bits)", MAX_INT_BITS)
    return int.from_bytes(data, *args, **kwargs)


# --- strings and bytes -------------------------------------------------------------------

_ESCAPING = ("escape", "xmlcharrefreplace", "backslashreplace", "namereplace", "punycode", "idna")


def _expansion(encoding: Any, errors: Any) -> int:
    """Worst growth factor of one encode/decode (escape codecs and handlers: 10x)."""
    words = f"{encoding} {errors}".lower()
    return 10 if any(word in words for word in _ESCAPING) else 4


def encode(s: Any, encoding: Any = "utf-8", errors: Any = "strict") -> Any:
    """``str.encode`` whose result is bounded by the input times the codec's growth."""
    limit(len(s) * _expansion(encoding, errors), "encode() result", 4 * MAX_LENGTH)
    return s.encode(encoding, errors)


def decode(b: Any, encoding: Any = "utf-8", errors: Any = "strict") -> Any:
    """``bytes.decode`` whose result is bounded by the input times the codec's growth."""
    limit(len(b) * _expansion(encoding, errors), "decode() result", 4 * MAX_LENGTH)
    return b.decode(encoding, errors)


def hexlify(b: Any, *args: Any) -> str:
    """``bytes.hex`` (up to three characters per byte with a separator)."""
    limit(3 * len(b), "hex() result", 4 * MAX_LENGTH)
    return str(b.hex(*args))


def translate(s: Any, table: Any) -> Any:
    """``str.translate`` with a table whose values could expand every character."""
    if isinstance(s, str):
        if isinstance(table, dict):
            values: Iterable[Any] = table.values()
        elif isinstance(table, str | list | tuple):
            values = table
        else:
            raise ScriptError("translate(): the table must be a dict, list or string")
        longest = max((len(v) for v in values if isinstance(v, str)), default=1)
        limit(len(s) * max(longest, 1), "translate() result")
    return s.translate(table)


# --- sequences, sets, dicts --------------------------------------------------------------


def set_operation(name: str) -> Callable[..., Any]:
    """``set.union(*others)`` and friends: work proportional to all arguments together."""

    def operation(target: Any, *others: Any) -> Any:
        limit(len(target) + sum(sized(o, f"{name}()") for o in others), f"{name}() work")
        return getattr(target, name)(*others)

    return operation


def guarded_sum(iterable: Any, /, start: Any = 0) -> Any:
    """``sum``; with a list/tuple start it concatenates: the total length is bounded first."""
    if isinstance(start, list | tuple | str | bytes):
        items = list(iterable)
        total = len(start) + sum(sized(item, "sum()") for item in items)
        limit(total, "sum() result")
        return sum(items, start)
    return sum(iterable, start)


def guarded_zip(*iterables: Any, strict: bool = False) -> Any:
    """``zip``: ``list(zip(*[a] * k))`` builds ``k * len(a)`` references in one call."""
    lengths = [len(i) for i in iterables if hasattr(i, "__len__")]
    if len(iterables) > 1 and lengths:
        limit(len(iterables) * min(lengths), "zip() result")
    return zip(*iterables, strict=strict)


def unpack_display(kind: str, values: tuple[Any, ...], starred: tuple[bool, ...]) -> Any:
    """``[*a, b, *c]``, ``(*a,)``, ``{*a}`` and ``f(*a, *b)``: the total size is bounded
    before anything is copied (``[*a, *a, ...]`` would otherwise grow in one line)."""
    parts: list[Any] = []
    total = 0
    for value, star in zip(values, starred, strict=True):
        if star and not hasattr(value, "__len__"):
            value = list(value)  # an iterator: Python code (traced) or bounded builtins
        total += len(value) if star else 1
        limit(total, "unpacking")
        parts.append((value, star))
    result: list[Any] = []
    for value, star in parts:
        if star:
            result.extend(value)
        else:
            result.append(value)
    if kind == "tuple":
        return tuple(result)
    return set(result) if kind == "set" else result


def dict_display(*parts: Any) -> dict[Any, Any]:
    """``{**a, 'k': v, **b}``: the total size is bounded before anything is merged."""
    total = 0
    for part in parts:
        total += sized(part, "** unpacking")
        limit(total, "** unpacking")
    result: dict[Any, Any] = {}
    for part in parts:
        result.update(part)
    return result


# --- memory over many small steps ---------------------------------------------------------


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def _mallinfo2() -> Callable[[], _MallInfo2] | None:
    try:
        function = ctypes.CDLL(None).mallinfo2
    except (AttributeError, OSError):  # not glibc >= 2.33
        return None
    function.restype = _MallInfo2
    return function


_MALLINFO2 = _mallinfo2()
#: bytes counted per live block of Python's small-object allocator (blocks are 16-512 bytes)
_BYTES_PER_BLOCK = 64


def memory_in_use() -> int | None:
    """Bytes this process has allocated and not freed: the C heap in use (glibc's
    ``mallinfo2``: allocated chunks plus mmapped blocks) plus Python's small-object blocks.
    Unlike the resident set it does not hide growth in memory the allocator kept after an
    earlier free. ``None`` where glibc's ``mallinfo2`` is missing."""
    if _MALLINFO2 is None:
        return None
    info = _MALLINFO2()
    return int(info.uordblks + info.hblkhd) + _BYTES_PER_BLOCK * sys.getallocatedblocks()


class MemoryWatch:
    """Memory growth since the first check of one running script.

    The first check (after :data:`MEMORY_CHECK_INTERVAL`) takes the baseline, so that short
    scripts (nearly all) pay nothing; what a script allocates in that first interval is not
    counted (single calls are bounded by the guards above). Process-wide: another thread
    allocating at the same time counts too, which is why the limit is generous compared
    with what a diagram script needs (kilobytes).
    """

    def __init__(self, maximum: int = MAX_MEMORY_GROWTH) -> None:
        self.maximum = maximum
        self.start: int | None = None

    def check(self) -> None:
        """Raise ScriptError if memory in use grew by more than the limit since the baseline."""
        now = memory_in_use()
        if now is None:
            return
        if self.start is None:
            self.start = now
        elif now - self.start > self.maximum:
            raise ScriptError(f"stopped: used more than {self.maximum // (1024 * 1024)} MiB "
                              "of memory")
