"""The compile policy of the sandbox: RestrictedPython's rules plus ours (no import, class or
with; guarded operators; unpacking displays turned into guarded calls; deadline checks at the
top of loops, functions and exception handlers). Used by :mod:`engine.execution.sandbox`."""

from __future__ import annotations

import ast
from typing import Any

from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations


def _call(name: str, node: ast.AST, *args: ast.expr) -> ast.Call:
    new = ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])
    copy_locations(new, node)
    return new


def _deadline_check(node: ast.AST) -> ast.Expr:
    stmt = ast.Expr(_call("_check_deadline_", node))
    copy_locations(stmt, node)
    return stmt


_BINOP_GUARDS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_",
                 ast.Mod: "_mod_", ast.FloorDiv: "_floordiv_"}


def _unpacking(node: ast.AST, kind: str, elements: list[ast.expr]) -> ast.Call:
    """``[*a, b]`` -> ``_unpack_display_('list', (a, b), (True, False))``."""
    values = ast.Tuple([e.value if isinstance(e, ast.Starred) else e for e in elements],
                       ast.Load())
    flags = ast.Tuple([ast.Constant(isinstance(e, ast.Starred)) for e in elements], ast.Load())
    for new in (values, flags, *flags.elts):
        copy_locations(new, node)
    return _call("_unpack_display_", node, ast.Constant(kind), values, flags)


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

    # Unpacking displays copy in C without a trace event in between: [*a, *a, ...] with a
    # thousand stars would build 1000 * len(a) items in one line. They become guarded calls.
    def _display(self, node: Any, kind: str) -> Any:
        if not isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            return node
        if not any(isinstance(e, ast.Starred) for e in node.elts):
            return node
        return _unpacking(node, kind, node.elts)

    def visit_List(self, node: Any) -> Any:
        return self._display(super().visit_List(node), "list")

    def visit_Tuple(self, node: Any) -> Any:
        return self._display(super().visit_Tuple(node), "tuple")

    def visit_Set(self, node: Any) -> Any:
        return self._display(super().visit_Set(node), "set")

    def visit_Dict(self, node: Any) -> Any:
        node = super().visit_Dict(node)
        if all(key is not None for key in node.keys):
            return node
        parts: list[ast.expr] = []
        pending: ast.Dict | None = None  # collects consecutive 'key: value' pairs
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                parts.append(value)
                pending = None
                continue
            if pending is None:
                pending = ast.Dict([], [])
                copy_locations(pending, node)
                parts.append(pending)
            pending.keys.append(key)
            pending.values.append(value)
        return _call("_dict_display_", node, *parts)

    def visit_Call(self, node: Any) -> Any:
        node = super().visit_Call(node)
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            star = ast.Starred(_unpacking(node, "tuple", node.args), ast.Load())
            copy_locations(star, node)
            node.args = [star]
        return node

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
