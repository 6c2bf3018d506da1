"""The sandbox: escapes are refused, budgets hold, and SpiffWorkflow runs diagrams through it."""

from __future__ import annotations

import re
import sys
import threading
import time
from datetime import date
from typing import Any

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.errors import ScriptError
from engine.execution.sandbox import (
    CLOCKS,
    Sandbox,
    SandboxScriptEngine,
    ScriptTimeout,
    check_source,
    compile_expression,
    compile_script,
    find_script_error,
)
from engine.execution.sandbox_guards import SAFE_BUILTINS

HELPERS = {"double": lambda x: 2 * x}


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(HELPERS, time_limit=0.5)


def evaluate(sandbox: Sandbox, expression: str, **data: Any) -> Any:
    return sandbox.evaluate(expression, {"x": 3, "data": {"a": 1}, **data})


# --- escapes --------------------------------------------------------------------------------

REJECTED = "expression rejected: Line 1: "
NO_FORMAT = "NotImplementedError: Using the format*() methods of `str` is not safe"

#: (expression, the start of the message it is refused with)
EXPRESSION_ESCAPES = [
    ("__import__('os').system('id')", REJECTED + '"__import__" is an invalid variable name'),
    ("().__class__.__base__.__subclasses__()",
     REJECTED + '"__subclasses__" is an invalid attribute name'),
    ("open('/etc/passwd').read()", "NameError: name 'open' is not defined"),
    ("eval('1+1')", REJECTED + "Eval calls are not allowed."),
    ("exec('x=1')", REJECTED + "Exec calls are not allowed."),
    ("compile('1', 'f', 'eval')", "NameError: name 'compile' is not defined"),
    ("x.__class__", REJECTED + '"__class__" is an invalid attribute name'),
    ("getattr(x, '__class__')", 'AttributeError: "__class__" is an invalid attribute name'),
    ("getattr(x, '__class__', None)",
     'AttributeError: "__class__" is an invalid attribute name'),
    ("type(x)", "NameError: name 'type' is not defined"),
    ("vars()", "NameError: name 'vars' is not defined"),
    ("globals()", "NameError: name 'globals' is not defined"),
    ("locals()", "NameError: name 'locals' is not defined"),
    ("dir()", "NameError: name 'dir' is not defined"),
    ("(lambda: 0).__globals__", REJECTED + '"__globals__" is an invalid attribute name'),
    ("[].__class__.__mro__", REJECTED + '"__mro__" is an invalid attribute name'),
    ("(g for g in ()).gi_frame.f_globals", REJECTED + '"f_globals" is a restricted name'),
    ("getattr((g for g in ()), 'gi_frame')", 'AttributeError: "gi_frame" is a restricted name'),
    ("'{0.__class__}'.format(1)", NO_FORMAT),
    ("'{x.__class__}'.format_map({'x': 1})", NO_FORMAT),
    ("str.format('{0.__class__}', 1)", NO_FORMAT),
    ("getattr('{0}', 'format')(1)", NO_FORMAT),
    ("math.pi", "NameError: name 'math' is not defined"),
    ("string.Formatter", "NameError: name 'string' is not defined"),
    ("random.random()", "NameError: name 'random' is not defined"),
]


@pytest.mark.parametrize(("expression", "message"), EXPRESSION_ESCAPES)
def test_expression_escape_is_refused(sandbox: Sandbox, expression: str, message: str) -> None:
    with pytest.raises(ScriptError, match=f"^{re.escape(message)}"):
        evaluate(sandbox, expression)


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("import os", "script rejected: Line 1: Import statements are not allowed."),
        ("from os import system",
         "script rejected: Line 1: ImportFrom statements are not allowed."),
        ("import math", "script rejected: Line 1: Import statements are not allowed."),
        ("class A:\n    pass", "script rejected: Line 1: ClassDef statements are not allowed."),
        ("with x:\n    pass", "script rejected: Line 1: With statements are not allowed."),
        ("def _hidden():\n    pass",
         'script rejected: Line 1: "_hidden" is an invalid variable name'),
        ("y = x.__class__", 'script rejected: Line 1: "__class__" is an invalid attribute name'),
        ("x.attr = 1", "line 1: TypeError: attribute-less object (assign or del)"),
        ("try:\n    pass\nexcept* Exception:\n    pass",
         "script rejected: Line 1: TryStar statements are not allowed."),
    ],
)
def test_script_escape_is_refused(sandbox: Sandbox, script: str, message: str) -> None:
    with pytest.raises(ScriptError, match=f"^{re.escape(message)}"):
        sandbox.execute(script, {"x": 3})


def test_forbidden_builtins_are_absent() -> None:
    for name in ("__import__", "open", "eval", "exec", "compile", "getattr", "type", "vars",
                 "globals", "locals", "dir", "input", "breakpoint", "memoryview", "object",
                 "SystemExit", "KeyboardInterrupt", "BaseException", "setattr", "math"):
        if name == "getattr":
            assert SAFE_BUILTINS[name] is not getattr
        else:
            assert name not in SAFE_BUILTINS, name


def test_compile_time_rejections_carry_line_numbers() -> None:
    messages = check_source("y = 1\nimport os\nz = x.__class__", "exec")
    assert any(m.startswith("Line 2:") for m in messages)
    assert any(m.startswith("Line 3:") and "__class__" in m for m in messages)
    assert check_source("amount > 10", "eval") == []
    assert check_source("amount >", "eval")[0].startswith("Line 1: SyntaxError")
    assert check_source("return 1", "exec")  # compile()-stage errors are reported too
    with pytest.raises(ScriptError, match=re.escape(
            "script rejected: Line 2: Import statements are not allowed.")) as info:
        compile_script("y = 1\nimport os")
    assert "Line 2" in info.value.message
    assert info.value.errors[0]["line"] == 2


def test_compiled_code_is_cached() -> None:
    assert compile_expression("a + 1") is compile_expression("a + 1")
    assert compile_script("b = 2") is compile_script("b = 2")
    assert compile_expression("a + 1").co_filename == "<staffel-expression>"


# --- time budget ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        "while True:\n    pass",
        "while True: pass",
        "for i in range(10**5):\n    for j in range(10**5):\n        pass",
        "n = 0\nwhile True:\n    n += 1",
        "def f(n):\n    return 1 if n == 0 else f(n - 1) + f(n - 1)\ny = f(60)",
        "try:\n    while True:\n        pass\nexcept Exception:\n    pass\nwhile True:\n    pass",
        "try:\n    while True:\n        pass\nfinally:\n    while True:\n        pass",
        "def gen():\n    while True:\n        yield 1\ny = [v for v in gen()]",
        "y = sorted(range(10**5), key=lambda v: len([w for w in range(10**5)]))",
    ],
)
def test_endless_scripts_are_stopped(sandbox: Sandbox, script: str) -> None:
    started = time.monotonic()
    with pytest.raises(ScriptTimeout, match="time limit"):
        sandbox.execute(script, {})
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    "expression",
    [
        "[1 for a in range(10**5) for b in range(10**5) if b < 0]",
        "any(False for a in range(10**5) for b in range(10**5))",
        "[sum(range(10**5)) for a in range(10**5)]",
        "(lambda f: f(f, 40))(lambda f, n: 1 if n == 0 else f(f, n - 1) + f(f, n - 1))",
    ],
)
def test_endless_expressions_are_stopped(sandbox: Sandbox, expression: str) -> None:
    started = time.monotonic()
    with pytest.raises(ScriptTimeout, match=r"^stopped: ran longer than the time limit"):
        sandbox.evaluate(expression, {})
    assert time.monotonic() - started < 2.0


def test_huge_range_loop_is_refused(sandbox: Sandbox) -> None:
    started = time.monotonic()
    with pytest.raises(ScriptError, match="range"):
        sandbox.execute("for i in range(10**12):\n    pass", {})
    assert time.monotonic() - started < 2.0


def test_time_limit_works_outside_the_main_thread(sandbox: Sandbox) -> None:
    caught: list[BaseException] = []

    def run() -> None:
        try:
            sandbox.execute("while True:\n    pass", {})
        except BaseException as exc:
            caught.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(5)
    assert not worker.is_alive()
    assert isinstance(caught[0], ScriptTimeout)


def test_previous_trace_function_is_restored(sandbox: Sandbox) -> None:
    def outer_tracer(frame: Any, event: str, arg: Any) -> None:
        return None

    previous = sys.gettrace()
    sys.settrace(outer_tracer)
    try:
        assert sandbox.evaluate("1 + 1", {}) == 2
        assert sys.gettrace() is outer_tracer
        with pytest.raises(ScriptTimeout, match=r"^stopped: ran longer than the time limit"):
            sandbox.execute("while True:\n    pass", {})
        assert sys.gettrace() is outer_tracer
    finally:
        sys.settrace(previous)


# --- memory ---------------------------------------------------------------------------------
# Every case below is refused *before* the object would be allocated (nothing big is built).


@pytest.mark.parametrize(
    "expression",
    [
        "'a' * 10**10",
        "10**10 * 'a'",
        "[0] * 10**10",
        "10**10**10",
        "pow(10, 10**10)",
        "1 << 10**10",
        "'%10000000000s' % 'a'",
        "'%*s' % (10**10, 'a')",
        "f'{1:>10000000000}'",
        "f'{1:>{10**10}}'",
        "'a'.ljust(10**10)",
        "str.center('a', 10**10)",
        "'a'.zfill(10**10)",
        "('\\t' * 1000).expandtabs(10**6)",
        "('a' * 10**6).replace('', 'bb')",
        "('a' * 1000).join(['b' * 1000] * 1000)",
        "range(10**7)",
    ],
)
def test_memory_bombs_are_refused(sandbox: Sandbox, expression: str) -> None:
    with pytest.raises(ScriptError, match=r"too large|not allowed"):
        evaluate(sandbox, expression)


@pytest.mark.parametrize(
    "script",
    [
        "s = 'a'\nfor i in range(64):\n    s += s",
        "s = 'a'\nfor i in range(64):\n    s = s + s",
        "l = [1]\nfor i in range(64):\n    l.extend(l)",
        "n = 10\nn **= 10**10",
        "n = 3\nn <<= 10**10",
    ],
)
def test_doubling_in_a_loop_is_refused(sandbox: Sandbox, script: str) -> None:
    with pytest.raises(ScriptError, match="too large"):
        sandbox.execute(script, {})


# --- what diagrams need ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("x * 2 + 1", 7),
        ("x > 2 and x != 4", True),
        ("x in [1, 2, 3]", True),
        ("data['a']", 1),
        ("data.get('b', 5)", 5),
        ("sorted(data.items())", [("a", 1)]),
        ("[i * 2 for i in range(5) if i % 2]", [2, 6]),
        ("{k: v for k, v in data.items()}", {"a": 1}),
        ("double(x)", 6),
        ("date(2027, 1, 1) + timedelta(days=3)", date(2027, 1, 4)),
        ("(date(2027, 1, 4) - date(2027, 1, 1)).days", 3),
        ("date(2027, 1, 1).isoformat()", "2027-01-01"),
        ("len('abc') + sum([1, 2]) + max(1, 2) + min(3, 4) + abs(-1) + round(1.4)", 13),
        ("all([True]) and any([False, True]) and isinstance(x, int)", True),
        ("list(zip([1], ['a'])) + list(enumerate('b'))", [(1, "a"), (0, "b")]),
        ("int('4') + float('0.5') + bool(1)", 5.5),
        ("str(x) + 'a' * 3", "3aaa"),
        ("f'{x:>3}|{x!r}'", "  3|3"),
        ("'%s-%03d' % ('a', 7)", "a-007"),
        ("'a,b'.split(',')", ["a", "b"]),
        ("' x '.strip().upper()", "X"),
        ("dict(a=1) | {'b': 2}", {"a": 1, "b": 2}),
        ("set([1, 1]) | {2}", {1, 2}),
        ("tuple([1]) + (2,)", (1, 2)),
        ("2 ** 10", 1024),
    ],
)
def test_expressions_evaluate(sandbox: Sandbox, expression: str, expected: Any) -> None:
    assert evaluate(sandbox, expression) == expected


def test_task_data_wins_over_external_context(sandbox: Sandbox) -> None:
    assert sandbox.evaluate("a + b", {"a": 1}, {"a": 100, "b": 2}) == 3


def test_runtime_errors_become_script_errors(sandbox: Sandbox) -> None:
    with pytest.raises(ScriptError, match="NameError") as info:
        sandbox.evaluate("missing + 1", {})
    assert isinstance(info.value.__cause__, NameError)
    with pytest.raises(ScriptError, match="line 2: KeyError"):
        sandbox.execute("y = 1\nz = data['nope']", {"data": {}})


def test_script_variables_become_task_data(sandbox: Sandbox) -> None:
    context = {"x": 3, "gone": 1, "items": [1]}
    script = (
        "y = double(x)\n"
        "def helper_of_mine(v):\n    return v + 1\n"
        "z = helper_of_mine(y)\n"
        "a, b = 1, 2\n"
        "for k, v in {'q': 1}.items():\n    last = k\n"
        "items.append(2)\n"
        "del gone\n"
        "print('debug output is swallowed')\n"
        "when = date(2027, 1, 1)\n"
    )
    sandbox.execute(script, context)
    assert context == {"x": 3, "items": [1, 2], "y": 6, "z": 7, "a": 1, "b": 2, "k": "q",
                       "v": 1, "last": "q", "when": date(2027, 1, 1)}


def test_helpers_and_builtins_do_not_leak_into_task_data(sandbox: Sandbox) -> None:
    context: dict[str, Any] = {}
    sandbox.execute("y = double(2) + len('ab')\nf = lambda v: v", context)
    assert context == {"y": 6}


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("x = 99\nitems.append(4)\nresult = 1 / 0",
         "line 3: ZeroDivisionError: division by zero"),
        ("x = 99\nitems.append(4)\nwhile True:\n    pass",
         "stopped: ran longer than the time limit"),
        ("x = 99\nitems.append(4)\ndouble = 3",
         "the script assigns to 'double', a predefined name that may not be overwritten"),
        ("x = 99\nitems.append(4)\ndel double",
         "the script assigns to 'double', a predefined name that may not be overwritten"),
        ("x = 99\nitems.append(4)\ns = 'a' * 10**10",
         "sequence repetition would be too large for the sandbox"),
    ],
)
def test_failing_script_leaves_task_data_unchanged(sandbox: Sandbox, script: str,
                                                   message: str) -> None:
    context = {"x": 1, "items": [1, 2, 3]}
    with pytest.raises(ScriptError, match=f"^{re.escape(message)}"):
        sandbox.execute(script, context)
    assert context == {"x": 1, "items": [1, 2, 3]}


def test_script_may_not_overwrite_a_helper(sandbox: Sandbox) -> None:
    with pytest.raises(ScriptError, match="'double'"):
        sandbox.execute("double = 3", {})
    with pytest.raises(ScriptError, match="double"):
        sandbox.execute("y = 1", {"double": 1})


def test_invalid_helpers_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^invalid sandbox helper '_private'$"):
        Sandbox({"_private": len})
    with pytest.raises(ValueError, match=r"^invalid sandbox helper 'not_callable'$"):
        Sandbox({"not_callable": 3})  # type: ignore[dict-item]


def test_find_script_error_walks_causes_contexts_and_exception_attribute() -> None:
    original = ScriptError("boom")
    assert find_script_error(original) is original
    assert find_script_error(ValueError("other")) is None
    assert find_script_error(None) is None

    class Wrapper(Exception):
        exception: BaseException | None = None

    via_attribute = Wrapper("wrapped")
    via_attribute.exception = original
    assert find_script_error(via_attribute) is original
    try:
        try:
            raise original
        except ScriptError:
            raise RuntimeError("while handling") from None
    except RuntimeError as exc:
        assert find_script_error(exc) is original  # via __context__
    try:
        raise RuntimeError("caused") from original
    except RuntimeError as exc:
        assert find_script_error(exc) is original


# --- SpiffWorkflow ---------------------------------------------------------------------------

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Defs_sandbox" targetNamespace="http://staffel.example/bpmn">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="init"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>amount = AMOUNT</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f4">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:scriptTask id="big"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:script>SCRIPT</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="small"><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing>
      <bpmn:script>result = 0</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f5</bpmn:incoming><bpmn:incoming>f6</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="init" />
    <bpmn:sequenceFlow id="f2" sourceRef="init" targetRef="gw" />
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="big">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        >CONDITION</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="small" />
    <bpmn:sequenceFlow id="f5" sourceRef="big" targetRef="end" />
    <bpmn:sequenceFlow id="f6" sourceRef="small" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def make_workflow(amount: int, condition: str = "amount &gt; 10",
                  script: str = "result = double(amount)", time_limit: float = 0.5) -> BpmnWorkflow:
    xml = BPMN.replace("AMOUNT", str(amount)).replace("CONDITION", condition)
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml.replace("SCRIPT", script).encode())
    spec = parser.get_spec("proc")
    subprocess_specs = parser.get_subprocess_specs("proc")
    engine = SandboxScriptEngine(helpers=HELPERS, time_limit=time_limit)
    return BpmnWorkflow(spec, subprocess_specs, script_engine=engine)


def end_data(wf: BpmnWorkflow) -> dict[str, Any]:
    task = wf.get_next_task(spec_name="end", state=TaskState.COMPLETED)
    assert task is not None
    return dict(task.data)


@pytest.mark.parametrize(("amount", "expected"), [(21, 42), (5, 0)])
def test_diagram_runs_in_the_sandbox(amount: int, expected: int) -> None:
    wf = make_workflow(amount)
    wf.do_engine_steps()
    assert wf.is_completed()
    assert end_data(wf) == {"amount": amount, "result": expected}


def test_malicious_condition_fails_with_recoverable_script_error() -> None:
    wf = make_workflow(21, condition="__import__('os').system('id')")
    with pytest.raises(Exception, match=re.escape(
            "expression rejected: Line 1: \"__import__\" is an invalid variable name")) as info:
        wf.do_engine_steps()
    error = find_script_error(info.value)
    assert error is not None
    assert "__import__" in error.message
    assert getattr(info.value, "exception", None) is error
    assert not wf.is_completed()


def test_failing_script_task_keeps_task_data_and_reports_the_line() -> None:
    wf = make_workflow(21, script="result = 1\nboom = amount / 0")
    with pytest.raises(Exception, match=re.escape(
            "Error executing script: line 2: ZeroDivisionError: division by zero")) as info:
        wf.do_engine_steps()
    error = find_script_error(info.value)
    assert error is not None and "ZeroDivisionError" in error.message
    assert getattr(info.value, "line_number", None) == 2
    task = wf.get_next_task(spec_name="big")
    assert task is not None and task.data == {"amount": 21}


def test_endless_script_task_is_stopped() -> None:
    wf = make_workflow(21, script="while True:\n    pass", time_limit=0.3)
    started = time.monotonic()
    with pytest.raises(Exception, match=re.escape(
            "Error executing script: stopped: ran longer than the time limit of 0.3 s")) as info:
        wf.do_engine_steps()
    assert time.monotonic() - started < 2.0
    assert isinstance(find_script_error(info.value), ScriptTimeout)


def test_validate_keeps_spiffworkflow_contract() -> None:
    engine = SandboxScriptEngine()
    engine.validate("amount > 10")
    # no stable message: ast.parse's wording comes from CPython's parser and changes between
    # Python versions; what DMNEngine.needs_eq relies on is the type SyntaxError
    with pytest.raises(SyntaxError):
        engine.validate("> 10")
    with pytest.raises(ScriptError, match=re.escape(
            'expression rejected: Line 1: "__class__" is an invalid attribute name')):
        engine.validate("x.__class__")


DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Defs_fee" name="Fee"
  namespace="http://staffel.example/dmn">
  <decision id="fee_decision" name="Fee">
    <decisionTable id="DT_fee" hitPolicy="UNIQUE">
      <input id="In_amount" label="Amount">
        <inputExpression id="IE_amount" typeRef="integer"><text>amount</text></inputExpression>
      </input>
      <output id="Out_fee" label="Fee" name="fee" typeRef="integer" />
      <rule id="R_big"><inputEntry id="E1"><text>&gt; 100</text></inputEntry>
        <outputEntry id="O1"><text>double(amount)</text></outputEntry></rule>
      <rule id="R_mid"><inputEntry id="E2"><text>10 &lt; ? &lt;= 100</text></inputEntry>
        <outputEntry id="O2"><text>amount + 1</text></outputEntry></rule>
      <rule id="R_exact"><inputEntry id="E3"><text>5</text></inputEntry>
        <outputEntry id="O3"><text>"five"</text></outputEntry></rule>
      <rule id="R_bad"><inputEntry id="E4"><text>EVIL</text></inputEntry>
        <outputEntry id="O4"><text>0</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""

DMN_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Defs_rule" targetNamespace="http://staffel.example/bpmn">
  <bpmn:process id="rule_proc" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="init"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>amount = AMOUNT</bpmn:script></bpmn:scriptTask>
    <bpmn:businessRuleTask id="rule">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>fee_decision</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="init" />
    <bpmn:sequenceFlow id="f2" sourceRef="init" targetRef="rule" />
    <bpmn:sequenceFlow id="f3" sourceRef="rule" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def run_decision(amount: int, evil: str = "-1") -> dict[str, Any]:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(DMN_BPMN.replace("AMOUNT", str(amount)).encode())
    parser.add_dmn_str(DMN.replace("EVIL", evil).encode())
    wf = BpmnWorkflow(parser.get_spec("rule_proc"), parser.get_subprocess_specs("rule_proc"),
                      script_engine=SandboxScriptEngine(helpers=HELPERS, time_limit=0.5))
    wf.do_engine_steps()
    assert wf.is_completed()
    return end_data(wf)


@pytest.mark.parametrize(("amount", "fee"), [(150, 300), (50, 51), (5, "five")])
def test_decision_table_runs_in_the_sandbox(amount: int, fee: Any) -> None:
    assert run_decision(amount)["fee"] == fee


def test_decision_table_escape_is_refused() -> None:
    with pytest.raises(Exception, match=re.escape(
            '"__base__" is an invalid attribute name')) as info:
        run_decision(1, evil="().__class__.__base__")
    assert find_script_error(info.value) is not None


def test_environment_level_calls_raise_script_error_directly() -> None:
    # Message correlation and process conditions call script_engine.environment.evaluate.
    engine = SandboxScriptEngine(helpers=HELPERS)
    assert engine.environment.evaluate("payload['case_id']", {"payload": {"case_id": 7}}) == 7
    assert engine.environment.evaluate("dmninputexpr > 3", {}, {"dmninputexpr": 5}) is True
    with pytest.raises(ScriptError, match=re.escape(
            'expression rejected: Line 1: "__class__" is an invalid attribute name')):
        engine.environment.evaluate("x.__class__", {"x": 1})


class LeapingWall:
    """A wall clock that jumps ``step`` seconds at every reading: the thread waits for the
    interpreter between its steps (other requests hold the GIL) without using CPU."""

    def __init__(self, step: float) -> None:
        self.now, self.step = time.monotonic(), step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_waiting_for_the_interpreter_does_not_use_the_budget(
        sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    # each clock reading (about nine per loop step) as if the thread had waited 3 ms: about
    # 2.7 s of wall time for 100 steps, 5 x the limit, but hardly any CPU time
    wall = LeapingWall(0.003)
    monkeypatch.setattr(CLOCKS, "wall", wall)
    data: dict[str, Any] = {}
    start = wall.now
    sandbox.execute("total = 0\nfor i in range(100):\n    total += i", data)
    assert data["total"] == sum(range(100)) and wall.now - start > 2 * 0.5


def test_wall_time_still_bounds_a_script_that_never_gets_the_interpreter(
        sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CLOCKS, "wall", LeapingWall(0.01))  # 10 ms of waiting per step
    with pytest.raises(ScriptTimeout, match="time limit"):
        sandbox.execute("for i in range(10000):\n    pass", {})
