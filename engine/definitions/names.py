"""Deploy check (issue 14, hole 8): every free name of every script and expression must be
something the sandbox offers or something that can be process data.

The rule, per name a script or expression reads without binding it itself:

1. a Python builtin the sandbox does not offer (``open``, ``exec``, ``eval``, ``__import__``,
   ``compile``, ``globals``, ``type``, ...) is refused, always — even if some script assigns
   a variable of that name;
2. a name the sandbox offers (its allowed builtins, the helpers bound into script globals, the
   names RestrictedPython and SpiffWorkflow provide) is fine;
3. any other name is fine if it can be process data somewhere in the deployment: a form
   field, a field of a message schema, a message or signal variable, a variable assigned by
   any script, a DMN output, a data object or multi-instance item, or a name the engine
   puts into every case's data (``case_id``, ``land``, ``entry``, ...);
4. anything else is refused: it would fail with ``NameError`` on every case that gets there.

Correlation expressions are evaluated against a message's payload, not the task data: for
them only rule 1 applies. Only documents of the upload are checked; already deployed ones
contribute the names they can write.
"""

from __future__ import annotations

import ast
import builtins
import functools
import json
import symtable
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from lxml import etree

from engine.definitions.expressions import (
    Expression,
    collect_bpmn_expressions,
    collect_dmn_expressions,
)
from engine.definitions.xmlsafe import BPMN_NS, DMN_NAMESPACES, SPIFF_NS
from engine.errors import Problem

#: names the engine writes into a case's data itself (cases.start, expired-message review)
ENGINE_DATA_NAMES = frozenset({
    "case_id", "land", "entry", "review_team", "expired_message", "expired_label",
    "received_at", "message_payload",
})
#: names provided at run time besides builtins and helpers (RestrictedPython's ``printed``
#: after ``print``; SpiffWorkflow's name for the input value of a DMN input entry)
RUNTIME_NAMES = frozenset({"print", "printed", "dmninputexpr"})
_B = f"{{{BPMN_NS}}}"
_S = f"{{{SPIFF_NS}}}"


@functools.lru_cache(maxsize=1)
def offered_names() -> frozenset[str]:
    """Every name the sandbox offers to scripts: allowed builtins, helpers, runtime names."""
    from engine.execution.sandbox_guards import SAFE_BUILTINS
    from engine.execution.scripting import helper_functions
    from engine.law.rules import LegalRules

    return frozenset(SAFE_BUILTINS) | frozenset(helper_functions(LegalRules())) | RUNTIME_NAMES


def forbidden_builtins() -> frozenset[str]:
    """Python builtins the sandbox does not offer (always refused)."""
    return frozenset(dir(builtins)) - offered_names()


def _symbol_table(source: str, mode: str) -> symtable.SymbolTable | None:
    try:
        return symtable.symtable(source if mode == "exec" else source.strip(), "<check>", mode)
    except (SyntaxError, ValueError):
        return None  # reported by the compile check


def _top_level_assigned(table: symtable.SymbolTable) -> set[str]:
    return {s.get_name() for s in table.get_symbols()
            if s.is_assigned() or s.is_imported() or s.is_namespace()}


def free_names(source: str, mode: str) -> list[str]:
    """Names ``source`` reads but never binds itself, in order of first appearance."""
    table = _symbol_table(source, mode)
    if table is None:
        return []
    bound = _top_level_assigned(table)
    found: set[str] = set()

    def walk(scope: symtable.SymbolTable, top: bool) -> None:
        for symbol in scope.get_symbols():
            name = symbol.get_name()
            if not symbol.is_referenced() or name in bound:
                continue
            if top or symbol.is_global():
                found.add(name)
        for child in scope.get_children():
            walk(child, False)

    walk(table, True)
    order = {name: i for i, name in enumerate(_names_in_order(source, mode))}
    return sorted(found, key=lambda n: order.get(n, len(order)))


def _names_in_order(source: str, mode: str) -> Iterator[str]:
    try:
        tree = ast.parse(source if mode == "exec" else source.strip(), mode=mode)
    except (SyntaxError, ValueError):
        return
    nodes = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Name)),
                   key=lambda n: (n.lineno, n.col_offset))
    yield from (n.id for n in nodes)


def assigned_names(source: str) -> set[str]:
    """The variables a script assigns at its top level (they become task data)."""
    table = _symbol_table(source, "exec")
    return set() if table is None else {
        s.get_name() for s in table.get_symbols() if s.is_assigned() and not s.is_namespace()}


def _texts(root: etree._Element, tag: str) -> Iterator[str]:
    for element in root.iter(tag):
        if (element.text or "").strip():
            yield (element.text or "").strip()


def document_data_names(root: etree._Element) -> set[str]:
    """Names one BPMN or DMN document can write into process data."""
    names: set[str] = set()
    namespace = etree.QName(root).namespace
    if namespace in DMN_NAMESPACES:
        names |= {o.get("name") or "" for o in root.iter(f"{{{namespace}}}output")}
        return names - {""}
    names |= set(_texts(root, _S + "messageVariable")) | set(_texts(root, _S + "variableName"))
    for tag in ("loopDataInputRef", "loopDataOutputRef"):
        names |= set(_texts(root, _B + tag))
    for tag in ("dataObject", "dataInput", "dataOutput", "inputDataItem", "outputDataItem"):
        for element in root.iter(_B + tag):
            names |= {element.get("id") or "", element.get("name") or ""}
    for tag in (_B + "script", _S + "preScript", _S + "postScript"):
        for source in _texts(root, tag):
            names |= assigned_names(source)
    return {n for n in names if n.isidentifier()}


def schema_field_names(text: str) -> set[str]:
    """Top-level field names of a JSON Schema (a form or a message payload)."""
    try:
        schema = json.loads(text)
    except ValueError:
        return set()
    found: set[str] = set()

    def walk(node: Any) -> None:  # properties of the root, also inside allOf/oneOf/if/then
        if not isinstance(node, dict):
            return
        if isinstance(node.get("properties"), dict):
            found.update(k for k in node["properties"] if isinstance(k, str))
        for key in ("allOf", "anyOf", "oneOf"):
            for part in node.get(key) or []:
                walk(part)
        for key in ("if", "then", "else"):
            walk(node.get(key))

    walk(schema)
    return found


def _expressions(file_name: str, root: etree._Element) -> list[Expression]:
    if etree.QName(root).namespace in DMN_NAMESPACES:
        return collect_dmn_expressions(root, file_name)[0]
    return collect_bpmn_expressions(root, file_name)[0]


def undefined_name_problems(trees: Mapping[str, etree._ElementTree], new: Iterable[str],
                            schema_texts: Iterable[str]) -> list[Problem]:
    """Problems for every free name in the ``new`` documents that the sandbox does not offer
    and that cannot be process data (see the module docstring for the rule).

    ``trees`` are all BPMN/DMN documents of the deployment (new and already deployed),
    ``schema_texts`` all its form and message schemas.
    """
    data = set(ENGINE_DATA_NAMES)
    for tree in trees.values():
        data |= document_data_names(tree.getroot())
    for text in schema_texts:
        data |= schema_field_names(text)
    offered = offered_names()
    forbidden = forbidden_builtins()
    problems: list[Problem] = []
    for file_name in sorted(set(new) & set(trees)):
        seen: set[tuple[str | None, str]] = set()
        for expr in _expressions(file_name, trees[file_name].getroot()):
            payload_only = expr.label.startswith("correlation expression")
            for name in free_names(expr.source, expr.mode):
                if (expr.element_id, name) in seen:
                    continue
                if name in forbidden:
                    reason = (f"'{name}' ist in Skripten und Ausdrücken nicht erlaubt (ein "
                              "Python-Builtin, das die Sandbox nicht anbietet)")
                elif name in offered or payload_only or name in data:
                    continue
                else:
                    reason = (f"'{name}' ist nirgends definiert: weder eine Hilfsfunktion noch "
                              "ein Prozessdatum (Formularfeld, Nachrichten- oder Skriptvariable, "
                              "DMN-Ausgabe, Datenobjekt); jeder Fall, der hierher kommt, "
                              "scheitert mit NameError")
                seen.add((expr.element_id, name))
                problems.append(Problem(file=file_name, line=expr.line, rule="undefined-name",
                                        element_id=expr.element_id,
                                        message=f"{expr.label}: {reason}"))
    return problems
