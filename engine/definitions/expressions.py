"""Find every Python expression and script in a BPMN or DMN document and check it compiles.

All expressions in our diagrams are Python (never FEEL). This module knows *where* they live
(see :func:`collect_bpmn_expressions` and :func:`collect_dmn_expressions`); whether one
compiles is decided by the ``check_expression(source, mode)`` callable the caller passes in
(the sandbox's compiler in production, a plain ``compile`` in tests).
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from engine.definitions.xmlsafe import BPMN_NS, SPIFF_NS, owner_id, source_line
from engine.errors import Problem

Mode = Literal["eval", "exec"]
ExpressionChecker = Callable[[str, str], list[str]]

_B = f"{{{BPMN_NS}}}"
_S = f"{{{SPIFF_NS}}}"

# SpiffWorkflow's DMNEngine.evaluate: a "?" outside quotes stands for the input value.
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")
_DMN_INPUT_NAME = "dmninputexpr"

# (tag of the element holding the text, tag its parent must have or None, mode, label)
_BPMN_EXPRESSIONS: tuple[tuple[str, str | None, Mode, str], ...] = (
    (_B + "conditionExpression", _B + "sequenceFlow", "eval", "condition"),
    (_B + "script", _B + "scriptTask", "exec", "script"),
    (_S + "preScript", None, "exec", "pre-script"),
    (_S + "postScript", None, "exec", "post-script"),
    (_B + "messagePath", None, "eval", "correlation expression"),
    (_B + "formalExpression", _B + "correlationPropertyRetrievalExpression", "eval",
     "correlation expression"),
    (_S + "expression", _S + "processVariableCorrelation", "eval", "correlation expression"),
    (_S + "messagePayload", None, "eval", "message payload"),
    (_S + "payloadExpression", None, "eval", "signal payload"),
    (_B + "loopCardinality", None, "eval", "loop cardinality"),
    (_B + "completionCondition", None, "eval", "completion condition"),
    (_B + "loopCondition", None, "eval", "loop condition"),
)
_TIMER_BODIES = ("timeDate", "timeDuration", "timeCycle")
_IDENTIFIERS = ((_S + "messageVariable", "message variable"),
                (_S + "variableName", "signal variable"))


@dataclass(frozen=True)
class Expression:
    """One expression found in a document: where it is, its text and how it is compiled."""

    element_id: str | None
    line: int | None
    source: str
    mode: Mode
    label: str


def _problem(file_name: str, element: etree._Element, message: str,
             element_id: str | None = None) -> Problem:
    return Problem(file=file_name, message=message, line=source_line(element),
                   element_id=element_id or owner_id(element), rule="expression")


def collect_bpmn_expressions(
    root: etree._Element, file_name: str
) -> tuple[list[Expression], list[Problem]]:
    """Return every expression of a BPMN document, and problems for missing or empty ones.

    Empty conditions on gateway flows are judged by the flow checks, not here.
    """
    found: list[Expression] = []
    problems: list[Problem] = []
    for tag, parent_tag, mode, label in _BPMN_EXPRESSIONS:
        for element in root.iter(tag):
            parent = element.getparent()
            if parent_tag is not None and (parent is None or parent.tag != parent_tag):
                continue
            text = element.text or ""
            ident = owner_id(element)
            if text.strip():
                found.append(Expression(ident, source_line(element), text, mode,
                                        f"{label} of {ident or 'element'}"))
            elif tag == _B + "script":
                problems.append(_problem(file_name, element, f"script task {ident} has no script"))
    for timer in root.iter(_B + "timerEventDefinition"):
        ident = owner_id(timer)
        bodies = [child for child in timer if etree.QName(child).localname in _TIMER_BODIES]
        if not bodies:
            problems.append(_problem(
                file_name, timer, f"timer of {ident} has no timeDate, timeDuration or timeCycle"))
        for body in bodies:
            kind = etree.QName(body).localname
            if (body.text or "").strip():
                found.append(Expression(ident, source_line(body), body.text or "", "eval",
                                        f"timer {kind} of {ident}"))
            else:
                problems.append(_problem(file_name, body, f"timer {kind} of {ident} is empty"))
    for conditional in root.iter(_B + "conditionalEventDefinition"):
        ident = owner_id(conditional)
        condition = conditional.find(_B + "condition")
        if condition is None or not (condition.text or "").strip():
            problems.append(_problem(file_name, conditional if condition is None else condition,
                                     f"conditional event {ident} has no condition"))
        else:
            found.append(Expression(ident, source_line(condition), condition.text or "", "eval",
                                    f"condition of {ident}"))
    for tag, label in _IDENTIFIERS:
        for element in root.iter(tag):
            name = (element.text or "").strip()
            if name and not (name.isidentifier() and not keyword.iskeyword(name)):
                problems.append(_problem(
                    file_name, element, f"{label} '{name}' is not a plain Python identifier"))
    return found, problems


def dmn_input_entry_expression(input_expression: str | None, entry: str | None) -> str | None:
    """Return the Python expression SpiffWorkflow's DMNEngine evaluates for an input entry.

    ``None`` means "any value" (the entry is missing or ``-``). Mirrors ``DMNEngine.evaluate``:
    a ``?`` outside quotes is the input value; an entry that parses on its own is compared
    with ``==``; an entry that parses only after a value (``< 5``, ``in (1, 2)``) is appended to
    the input expression. An entry that parses neither way is returned as written, so that
    checking it reports the syntax error.
    """
    if entry is None or entry == "-":
        return None
    replaced = _QUESTION_MARK.sub(_DMN_INPUT_NAME, entry)
    if _DMN_INPUT_NAME in replaced:
        return replaced
    if _parses(entry):
        return f"({input_expression}) == ({entry})"
    if _parses(f"v {entry}"):
        return f"{input_expression}{entry}"
    return entry


def dmn_input_entry_issue(input_expression: str, entry: str | None) -> str | None:
    """Return why an input entry compiles but cannot work in SpiffWorkflow 3.2.0, or ``None``.

    Two traps of ``DMNEngine.evaluate``: a comma-separated list is compared with ``==`` as one
    tuple, and an entry such as ``in (1, 2)`` is appended to the input expression without a
    space (``agein (1, 2)``). Both are fixed by writing ``? in (...)``.
    """
    if entry is None or entry == "-" or _DMN_INPUT_NAME in _QUESTION_MARK.sub(_DMN_INPUT_NAME,
                                                                              entry):
        return None
    if _parses(entry):
        try:
            body = ast.parse(entry.strip(), mode="eval").body
        except (SyntaxError, ValueError):
            return None
        if isinstance(body, ast.Tuple):
            return ("is a comma-separated list, which SpiffWorkflow compares with the input as "
                    "one tuple (it never matches a single value); write '? in (...)' instead")
        return None
    glued = f"{input_expression}{entry}"
    if _parses(f"v {entry}") and _word_char(input_expression[-1:]) and _word_char(entry[:1]):
        return (f"is glued to the input expression as '{glued}' by SpiffWorkflow; "
                f"write '? {entry.strip()}' instead")
    return None


def _word_char(char: str) -> bool:
    return bool(char) and (char.isalnum() or char == "_")


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def collect_dmn_expressions(
    root: etree._Element, file_name: str
) -> tuple[list[Expression], list[Problem]]:
    """Return every expression of a DMN document (inputs, input and output entries)."""
    ns = etree.QName(root).namespace
    d = f"{{{ns}}}"
    found: list[Expression] = []
    problems: list[Problem] = []
    for table in root.iter(d + "decisionTable"):
        inputs: list[str | None] = []
        for input_el in table.findall(d + "input"):
            text_el = input_el.find(f"{d}inputExpression/{d}text")
            text = text_el.text if text_el is not None else None
            ident = input_el.get("id")
            if text_el is None or text is None or not text.strip():
                problems.append(_problem(file_name, input_el,
                                         f"input {ident} has no input expression", ident))
                inputs.append(None)
                continue
            inputs.append(text)
            found.append(Expression(ident, source_line(text_el), text, "eval",
                                    f"input expression of {ident}"))
        for rule in table.findall(d + "rule"):
            rule_id = rule.get("id")
            for index, entry_el in enumerate(rule.findall(d + "inputEntry")):
                text_el = entry_el.find(d + "text")
                text = text_el.text if text_el is not None else None
                holder = text_el if text_el is not None else entry_el
                if text is not None and not text.strip():
                    problems.append(_problem(
                        file_name, holder,
                        f"input entry of rule {rule_id} is blank; leave it empty or write '-' "
                        "for 'any value'", rule_id))
                    continue
                input_expr = inputs[index] if index < len(inputs) else None
                expression = dmn_input_entry_expression(input_expr, text)
                if expression is None or input_expr is None:
                    continue
                issue = dmn_input_entry_issue(input_expr, text)
                if issue:
                    problems.append(_problem(file_name, holder,
                                             f"input entry '{text}' of rule {rule_id} {issue}",
                                             rule_id))
                    continue
                found.append(Expression(rule_id, source_line(holder), expression, "eval",
                                        f"input entry '{text}' of rule {rule_id} "
                                        f"(checked as '{expression}')"))
            for entry_el in rule.findall(d + "outputEntry"):
                text_el = entry_el.find(d + "text")
                if text_el is not None and (text_el.text or "").strip():
                    found.append(Expression(rule_id, source_line(text_el), text_el.text or "",
                                            "eval", f"output entry of rule {rule_id}"))
    return found, problems


def check_expressions(
    file_name: str, expressions: Iterable[Expression], check_expression: ExpressionChecker
) -> list[Problem]:
    """Run ``check_expression`` on every expression and turn each message into a Problem."""
    problems: list[Problem] = []
    for expr in expressions:
        source = expr.source.strip() if expr.mode == "eval" else expr.source
        try:
            messages = list(check_expression(source, expr.mode))
        except Exception as exc:  # a broken checker must not hide the other problems
            messages = [f"could not be checked ({type(exc).__name__}: {exc})"]
        problems.extend(
            Problem(file=file_name, message=f"{expr.label}: {message}", line=expr.line,
                    element_id=expr.element_id, rule="expression")
            for message in messages
        )
    return problems
