"""What encryption at rest costs a task completion (issue 14: at most 20 % slower).

The same completion (``Staffel.tasks.complete`` on a real database) with the encrypted column
types as they are (a), and with them passing values through unencrypted (b, the baseline:
what Staffel did before), alternating case by case in one engine so that both see the same
machine. Workloads: ``basic`` (a tiny diagram), ``lifecycle`` (the real refugee_lifecycle's
registration task) and ``big`` (``basic`` with about 120 KB of process data, the size of a
state late in the lifecycle).

Prints median and p95 of both and the ratio a/b. Usage:
    .venv/bin/python -m bench.encryption_bench [--n 200] [--workload basic|lifecycle|big|all]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench._common import ENGINE_DIAGRAMS, PERSON, ROOT, fmt, stats_ms, temp_engine
from bench.engine_bench import REGISTRATION
from engine.persistence import crypto

BIG_DATA = {"history": [{"step": i, "note": f"Vermerk {i:05d} zur Beratung", "done": i % 2 == 0}
                        for i in range(2400)]}
WORKLOADS: dict[str, tuple[Any, str, dict[str, Any], dict[str, Any]]] = {
    # name: (directory, process key, start data, completion data)
    "basic": (ENGINE_DIAGRAMS, "basic", {}, {"interpreter_needed": True, "language": "ar"}),
    "lifecycle": (ROOT / "bpmn", "refugee_lifecycle", {}, REGISTRATION),
    "big": (ENGINE_DIAGRAMS, "basic", BIG_DATA, {"interpreter_needed": True, "language": "ar"}),
}


class _NoCompression:
    """Stands in for zlib in ``engine.persistence.crypto`` during the baseline."""

    @staticmethod
    def compress(data: bytes, level: int = -1) -> bytes:
        return data

    @staticmethod
    def decompress(data: bytes) -> bytes:
        return data


class _PlainRing:
    """A key ring that does not encrypt: the stored value is the plain value behind the
    token prefix (so the column types take their usual path); the blind index as the real
    ring (lookups must still work)."""

    def __init__(self, real: crypto.KeyRing) -> None:
        self.real = real

    def encrypt(self, plain: bytes) -> bytes:
        return crypto.TOKEN_PREFIX + plain

    def decrypt(self, token: bytes) -> bytes:
        if not token.startswith(crypto.TOKEN_PREFIX):
            raise ValueError("not written by the baseline")
        return token[len(crypto.TOKEN_PREFIX):]

    def blind(self, kind: str, value: str) -> str:
        return self.real.blind(kind, value)


@contextmanager
def unencrypted(engine: Any) -> Iterator[None]:
    """The engine's column types store values unencrypted and uncompressed, as before
    encryption at rest (the key ring is found on the dialect at each call, zlib by name)."""
    real = crypto.ring_of(engine.db.engine.dialect)
    crypto.attach(engine.db.engine, _PlainRing(real))  # type: ignore[arg-type]
    saved = crypto.zlib
    crypto.zlib = _NoCompression  # type: ignore[assignment]
    try:
        yield
    finally:
        crypto.zlib = saved
        crypto.attach(engine.db.engine, real)


def run(workload: str, n: int, database_url: str | None) -> float:
    """Measure one workload, print its figures; the ratio of the medians."""
    directory, key, start_data, data = WORKLOADS[workload]
    engine = temp_engine(database_url)
    engine.definitions.deploy_directory(directory)
    warm = 10
    encrypted, plain = [], []
    for i in range(n + warm):
        for off in (False, True):
            if off:
                with unencrypted(engine):
                    case = engine.cases.start(PERSON, "NW", "asylum", f"P-{i}",
                                              process_key=key, data=start_data)
                    t0 = time.perf_counter()
                    engine.tasks.complete(case.open_tasks[0].id, data, actor="bench")
                    elapsed = time.perf_counter() - t0
            else:
                case = engine.cases.start(PERSON, "NW", "asylum", f"E-{i}", process_key=key,
                                          data=start_data)
                t0 = time.perf_counter()
                engine.tasks.complete(case.open_tasks[0].id, data, actor="bench")
                elapsed = time.perf_counter() - t0
            if i >= warm:
                (plain if off else encrypted).append(elapsed)
    a, b = stats_ms(encrypted), stats_ms(plain)
    ratio = a["median"] / b["median"]
    print(f"workload {workload} ({key}), database {engine.db.url.split('://')[0]}")
    print(fmt("  (a) completion, encrypted at rest", a))
    print(fmt("  (b) completion, unencrypted (baseline)", b))
    print(f"  ratio a/b (medians): {ratio:.2f}   ratio a/b (p95): {a['p95'] / b['p95']:.2f}")
    engine.close()
    return ratio


def main() -> None:
    """Run the chosen workloads and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workload", choices=[*WORKLOADS, "all"], default="all")
    args = parser.parse_args()
    for workload in (list(WORKLOADS) if args.workload == "all" else [args.workload]):
        run(workload, args.n, args.database_url)


if __name__ == "__main__":
    main()
