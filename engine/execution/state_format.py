"""The two stored forms of an instance's state, taken apart and put together as plain JSON.

``staffel-1`` (the old form): SpiffWorkflow's state of the top workflow with every
subprocess it ever ran under ``subprocesses`` — the finished ones too, which a deep case
carries by the dozen tasks and which every load restored and every save serialized again.

``staffel-2`` (the lean form)::

    {"staffel_state": 2, "live": {...}, "finished": {"<call task id>": {...}, ...}}

``live`` is the ``staffel-1`` state without the finished subprocesses; ``finished`` holds
those subprocesses exactly as SpiffWorkflow serialized them. A subprocess is *finished* when
it has completed, the task that called it is completed or cancelled, none of its own tasks is
waiting, ready or started, and every subprocess it called is finished too (so a live
subprocess never hangs below a finished one). The engine's steps never touch a finished
subprocess: a load for a step restores ``live`` only and hands ``finished`` through to the
save as the plain dictionaries it read (never restored, never serialized again by
SpiffWorkflow); readers that look back (the case's position, earlier form values, consent,
handover data, migrations of versions) restore both.

Everything here works on dictionaries and bytes without SpiffWorkflow, so that the migration
``0018_lean_state`` converts rows both ways without spec objects.
"""

from __future__ import annotations

import json
from typing import Any

OLD_FORMAT = "staffel-1/spiff-3.2"
LEAN_FORMAT = "staffel-2/spiff-3.2"
MARK = "staffel_state"
_LEAN_PREFIX = b'{"' + MARK.encode() + b'":2'
#: SpiffWorkflow's TaskState values: COMPLETED, CANCELLED (the calling task is over) and
#: WAITING, READY, STARTED, ERROR (a task that is not over keeps its subprocess live)
_OVER = frozenset({64, 256})
_NOT_OVER = frozenset({8, 16, 32, 128})


def is_lean(state: bytes) -> bool:
    """True for a ``staffel-2`` state (read from its first bytes, no parsing)."""
    return state.startswith(_LEAN_PREFIX)


def format_of(state: bytes) -> str:
    """The serializer version a state is written in (an empty state counts as lean)."""
    return LEAN_FORMAT if not state or is_lean(state) else OLD_FORMAT


def split(state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(live, finished)`` of a ``staffel-1`` state dictionary (``state`` is changed: its
    finished subprocesses are moved out of ``state["subprocesses"]``; ``live`` is ``state``)."""
    subs: dict[str, Any] = state.get("subprocesses") or {}
    if not subs:
        return state, {}
    owner = {task_id: sp_id for sp_id, sp in subs.items() for task_id in sp["tasks"]}
    task_state: dict[str, int] = {tid: t["state"] for tid, t in state["tasks"].items()}
    children: dict[str, list[str]] = {sp_id: [] for sp_id in subs}
    for sp_id, sp in subs.items():
        task_state.update((tid, t["state"]) for tid, t in sp["tasks"].items())
        caller = owner.get(str(sp.get("parent_task_id")))
        if caller is not None:
            children[caller].append(sp_id)
    verdicts: dict[str, bool] = {}

    def finished(sp_id: str) -> bool:
        if sp_id not in verdicts:
            sp = subs[sp_id]
            verdicts[sp_id] = False  # a cycle (never in a real state) keeps everything live
            verdicts[sp_id] = bool(
                sp.get("completed")
                and task_state.get(str(sp.get("parent_task_id"))) in _OVER
                and not any(t["state"] in _NOT_OVER for t in sp["tasks"].values())
                and all(finished(child) for child in children[sp_id]))
        return verdicts[sp_id]

    done = {sp_id: subs[sp_id] for sp_id in list(subs) if finished(sp_id)}
    for sp_id in done:
        del subs[sp_id]
    return state, done


def merge(live: dict[str, Any], finished: dict[str, Any]) -> dict[str, Any]:
    """The ``staffel-1`` state dictionary of ``live`` and ``finished`` (``live`` is changed)."""
    if finished:
        live.setdefault("subprocesses", {}).update(finished)
    return live


def parse(state: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(live, finished)`` of a stored state in either form."""
    dct = json.loads(state)
    if MARK in dct:
        return dct["live"], dct["finished"]
    return split(dct)


_HEAD = f'{{"{MARK}":2,"live":'
_FINISHED_KEY = ',"finished":'
_DECODER = json.JSONDecoder()


def parse_live(state: bytes) -> tuple[dict[str, Any], str] | None:
    """``(live, finished JSON text)`` of a lean state as :func:`lean_text` lays it out, with
    only ``live`` parsed (the finished part is handed on as the text it is); None for any
    other state."""
    if not is_lean(state):
        return None
    text = state.decode("utf-8")
    if not text.startswith(_HEAD) or not text.endswith("}"):
        return None
    live, end = _DECODER.raw_decode(text, len(_HEAD))
    if not text.startswith(_FINISHED_KEY, end):
        return None
    return live, text[end + len(_FINISHED_KEY):-1]


def join_objects(first: str, second: str) -> str:
    """The JSON text of two JSON objects' members together (their keys are disjoint)."""
    if first == "{}":
        return second
    if second == "{}":
        return first
    return f"{first[:-1]},{second[1:]}"


def lean_text(live_json: str, finished_json: str) -> bytes:
    """The ``staffel-2`` bytes of an already encoded ``live`` and ``finished``."""
    return f"{_HEAD}{live_json}{_FINISHED_KEY}{finished_json}}}".encode()


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def to_lean(state: bytes) -> bytes:
    """A stored state in the lean form (an empty or lean state is returned as it is)."""
    if not state or is_lean(state):
        return state
    live, finished = split(json.loads(state))
    return lean_text(_compact(live), _compact(finished))


def to_old(state: bytes) -> bytes:
    """A stored state in the old form (an empty or old state is returned as it is)."""
    if not is_lean(state):
        return state
    live, finished = parse(state)
    return _compact(merge(live, finished)).encode()
