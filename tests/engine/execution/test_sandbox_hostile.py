"""The hostile set (issue 14, hole 3): every way found to build a huge object or to run one long,
uninterruptible C call from small input, run through the real engine paths — as a script task,
as a gateway condition and as a DMN cell of a deployed diagram — when a case starts.

Each payload must be refused with a ScriptError (nothing of the case written), within a bound
derived from the engine's own time budget and without allocating more than a bound. The
bounds are loose safety bounds, not performance figures: before the guards, ``pow(7, M, M)``
with a 2,000-digit ``M`` ran 5-12 s and ``(0).to_bytes(300000000, 'big')`` allocated 300 MB.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select

from engine import Staffel
from engine.errors import ScriptError
from engine.persistence.models import AuditEvent, Case, ProcessInstance
from tests.conftest import PERSON

TIME_LIMIT = 0.5
#: safety bounds: the engine's budget plus start-up work; the memory the refusal may cost
MAX_SECONDS = 2.0
MAX_PEAK_BYTES = 50 * 1024 * 1024


def stars(template: str, times: int = 1000) -> str:
    """``template`` repeated ``times`` times, comma-separated (``*a, *a, ...``)."""
    return ", ".join([template] * times)


BIG_LIST = "list(range(100000))"
HEX_INT = "int('f' * 90000, 16)"

#: (id, expression) — each is run as ``result = <expression>``, as a gateway condition and
#: as the output cell of a DMN rule
EXPRESSIONS = [
    ("pow_mod_2000_digits", "pow(7, int('9' * 2000), int('9' * 2000))"),
    ("pow_mod_huge_exponent", "pow(7, 1 << 5000, (1 << 3000) - 1)"),
    ("pow_mod_inverse_huge", "pow(3, -1, int('9' * 2001))"),
    ("pow_huge", "pow(10, 10**10)"),
    ("power_operator", "10 ** 10 ** 6"),
    ("shift", "1 << 10**9"),
    ("int_product_chain", "int('9' * 4000) ** 40"),
    ("to_bytes_300mb", "(0).to_bytes(300000000, 'big')"),
    ("to_bytes_on_type", "int.to_bytes(0, 10**8, 'little')"),
    ("to_bytes_on_bool", "True.to_bytes(10**8, 'big')"),
    ("to_bytes_via_getattr", "getattr(0, 'to_bytes')(10**8, 'big')"),
    ("from_bytes_huge_int", "int.from_bytes(('\\xff' * 90000).encode('latin-1'), 'big')"),
    ("from_bytes_on_instance", "(7).from_bytes(('\\xff' * 90000).encode('latin-1'), 'big')"),
    ("floordiv_quadratic", f"(lambda x: x // (x >> 1000))({HEX_INT})"),
    ("mod_quadratic", f"(lambda x: x % (x >> 1000))({HEX_INT})"),
    ("divmod_quadratic", f"(lambda x: divmod(x, x >> 1000))({HEX_INT})"),
    ("round_huge_digits", "round(1, -10**8)"),
    ("translate_dict", "('a' * 1000).translate({97: 'b' * 100000})"),
    ("translate_on_type", "str.translate('a' * 1000, {97: 'b' * 100000})"),
    ("translate_list_table", "('a' * 1000).translate(['b' * 100000] * 128)"),
    ("sum_of_lists", "sum([[0] * 100000] * 1000, [])"),
    ("sum_of_tuples", "sum([(0,) * 100000] * 1000, ())"),
    ("unpack_list", f"(lambda a: [{stars('*a')}])({BIG_LIST})"),
    ("unpack_tuple", f"(lambda a: ({stars('*a')},))({BIG_LIST})"),
    ("unpack_set", f"(lambda a: {{{stars('*a')}}})({BIG_LIST})"),
    ("unpack_dict", f"(lambda d: {{{stars('**d')}}})(dict.fromkeys(range(100000)))"),
    ("star_args", f"(lambda a: max({stars('*a')}))({BIG_LIST})"),
    ("star_args_lambda", f"(lambda a: len((lambda *x: x)({stars('*a')})))({BIG_LIST})"),
    ("zip_star", "list(zip(*[range(100000)] * 1000))"),
    ("set_union_many", f"set().union(*[{BIG_LIST}] * 1000)"),
    ("set_update_many", f"set().update(*[{BIG_LIST}] * 1000)"),
    ("encode_escape", "('\\U0010ffff' * 100000).encode('unicode_escape')"),
    ("encode_xmlcharref", "('\\U0010ffff' * 100000).encode('ascii', 'xmlcharrefreplace')"),
    ("decode_backslash", "(('\\xff' * 100000).encode('latin-1')).decode('ascii', "
                         "'backslashreplace')"),
    ("repeat_str", "'x' * 10**9"),
    ("repeat_list", "[0] * 10**9"),
    ("repeat_twice", "[0] * 100000 * 100000"),
    ("ljust", "'a'.ljust(10**9)"),
    ("center_on_type", "str.center('a', 10**9)"),
    ("zfill", "'a'.zfill(10**9)"),
    ("expandtabs", "('\\t' * 1000).expandtabs(10**6)"),
    ("replace_empty", "('a' * 100000).replace('', 'bb')"),
    ("join", "('a' * 1000).join(['b' * 1000] * 1000)"),
    ("percent_width", "'%1000000000s' % 'a'"),
    ("fstring_width", "f'{1:>1000000000}'"),
    ("range_huge", "range(10**9)"),
    ("dict_fromkeys_range", "dict.fromkeys(range(10**6))"),
    ("many_strings_comprehension", "[('x' * 100000) for i in range(100000)]"),
    ("dict_comprehension", "{i: str(i) * 1000 for i in range(100000)}"),
    ("helper_endless_working_days", "add_working_days(date(2020, 1, 1), 10**9, 'NW')"),
    ("timedelta_overflow", "timedelta(days=10**10)"),
]
#: (id, script) — growth spread over many statements
SCRIPTS = [
    ("append_in_loop", "items = []\nwhile True:\n    items.append('x' * 100000)"),
    ("doubling_str", "s = 'a'\nfor i in range(64):\n    s += s"),
    ("doubling_unpack", "items = [0]\nwhile True:\n    items = [*items, *items]"),
    ("doubling_extend", "items = [1]\nfor i in range(64):\n    items.extend(items)"),
    ("squaring_int", "x = 3\nwhile True:\n    x = x * x"),
    ("growing_int_by_addition", "x = 1\nwhile True:\n    x = x + x"),
    ("dict_in_loop", "d = {}\nfor i in range(100000):\n    d[i] = 'y' * 1000"),
    ("slice_assignment_doubling", "items = [0] * 1000\nwhile True:\n    items[:0] = items"),
    ("recursion", "def f(n):\n    return f(n + 1)\nresult = f(0)"),
]

_LANE = ('<bpmn:laneSet id="LaneSet_h"><bpmn:lane id="Lane_h" name="Sozialamt (AsylbLG)">'
         '{refs}</bpmn:lane></bpmn:laneSet>')
_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Defs_hostile" targetNamespace="http://staffel.example/bpmn">
  <bpmn:process id="hostile" name="Hostile" isExecutable="true">
    {lane}
    <bpmn:startEvent id="Start_h"><bpmn:outgoing>H1</bpmn:outgoing></bpmn:startEvent>
    {body}
    <bpmn:endEvent id="End_h"><bpmn:incoming>H2</bpmn:incoming>{more_in}</bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def _diagram(body: str, nodes: list[str], more_in: str = "") -> str:
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>"
                   for n in ["Start_h", *nodes, "End_h"])
    return _DIAGRAM.format(lane=_LANE.format(refs=refs), body=body, more_in=more_in)


def script_files(script: str) -> dict[str, str]:
    """A process whose script task runs ``script`` right after the start."""
    body = (f'<bpmn:scriptTask id="Script_hostile" name="Hostile"><bpmn:incoming>H1'
            f'</bpmn:incoming><bpmn:outgoing>H2</bpmn:outgoing><bpmn:script>{escape(script)}'
            '</bpmn:script></bpmn:scriptTask>'
            '<bpmn:sequenceFlow id="H1" sourceRef="Start_h" targetRef="Script_hostile"/>'
            '<bpmn:sequenceFlow id="H2" sourceRef="Script_hostile" targetRef="End_h"/>')
    return {"hostile.bpmn": _diagram(body, ["Script_hostile"])}


def gateway_files(expression: str) -> dict[str, str]:
    """A process whose exclusive gateway evaluates ``expression`` as a flow condition."""
    body = ('<bpmn:exclusiveGateway id="Gw_hostile" name="Hostile?" default="H3">'
            '<bpmn:incoming>H1</bpmn:incoming><bpmn:outgoing>H2</bpmn:outgoing>'
            '<bpmn:outgoing>H3</bpmn:outgoing></bpmn:exclusiveGateway>'
            '<bpmn:sequenceFlow id="H1" sourceRef="Start_h" targetRef="Gw_hostile"/>'
            '<bpmn:sequenceFlow id="H2" name="ja" sourceRef="Gw_hostile" targetRef="End_h">'
            '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
            f'{escape(expression)}</bpmn:conditionExpression></bpmn:sequenceFlow>'
            '<bpmn:sequenceFlow id="H3" name="nein" sourceRef="Gw_hostile" targetRef="End_h"/>')
    return {"hostile.bpmn": _diagram(body, ["Gw_hostile"], "<bpmn:incoming>H3</bpmn:incoming>")}


def dmn_files(expression: str) -> dict[str, str]:
    """A process whose business rule task calls a decision with ``expression`` as a cell."""
    body = ('<bpmn:businessRuleTask id="Rule_hostile" name="Hostile"><bpmn:extensionElements>'
            '<spiffworkflow:calledDecisionId>hostile_decision</spiffworkflow:calledDecisionId>'
            '</bpmn:extensionElements><bpmn:incoming>H1</bpmn:incoming>'
            '<bpmn:outgoing>H2</bpmn:outgoing></bpmn:businessRuleTask>'
            '<bpmn:sequenceFlow id="H1" sourceRef="Start_h" targetRef="Rule_hostile"/>'
            '<bpmn:sequenceFlow id="H2" sourceRef="Rule_hostile" targetRef="End_h"/>')
    dmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Defs_hd" name="Hostile"
  namespace="http://staffel.example/dmn">
  <decision id="hostile_decision" name="Hostile">
    <decisionTable id="DT_hostile" hitPolicy="FIRST">
      <input id="In_h" label="Entry">
        <inputExpression id="InExpr_h" typeRef="string"><text>entry</text></inputExpression>
      </input>
      <output id="Out_h" label="Result" name="result" typeRef="string" />
      <rule id="Rule_h">
        <inputEntry id="IE_h"><text>-</text></inputEntry>
        <outputEntry id="OE_h"><text>{escape(expression)}</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""
    return {"hostile.bpmn": _diagram(body, ["Rule_hostile"]), "hostile.dmn": dmn}


def written(engine: Staffel) -> tuple[int, int, int]:
    """Cases, process instances and audit events in the database."""
    with engine.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
                     for t in (Case, ProcessInstance, AuditEvent))


def assert_refused(engine: Staffel, files: dict[str, str]) -> ScriptError:
    """Deploy ``files``, start a case: a ScriptError, bounded time and memory, nothing written."""
    engine.definitions.deploy(files, actor="owner")
    before = written(engine)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ScriptError) as err:
            engine.cases.start(PERSON, "NW", "asylum", process_key="hostile", actor="tester")
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < MAX_SECONDS, f"refused only after {elapsed:.2f} s: {err.value.message}"
    assert peak < MAX_PEAK_BYTES, f"allocated {peak / 2**20:.0f} MiB: {err.value.message}"
    assert written(engine) == before
    return err.value


def params(pairs: list[tuple[str, str]]) -> list[object]:
    """pytest parameters with the payload names as ids."""
    return [pytest.param(source, id=name) for name, source in pairs]


@pytest.fixture
def hostile_engine(make_engine: Callable[..., Staffel]) -> Staffel:
    """An engine with the test's short script budget."""
    return make_engine(script_time_limit=TIME_LIMIT)


def test_the_hostile_set_is_large() -> None:
    assert len(EXPRESSIONS) + len(SCRIPTS) >= 40


@pytest.mark.parametrize("expression", params(EXPRESSIONS))
def test_hostile_expression_in_a_script_task(hostile_engine: Staffel, expression: str) -> None:
    assert_refused(hostile_engine, script_files(f"result = {expression}"))


@pytest.mark.parametrize("script", params(SCRIPTS))
def test_hostile_script(hostile_engine: Staffel, script: str) -> None:
    assert_refused(hostile_engine, script_files(script))


@pytest.mark.parametrize("expression", params(EXPRESSIONS))
def test_hostile_gateway_condition(hostile_engine: Staffel, expression: str) -> None:
    assert_refused(hostile_engine, gateway_files(expression))


@pytest.mark.parametrize("expression", params(EXPRESSIONS))
def test_hostile_dmn_cell(hostile_engine: Staffel, expression: str) -> None:
    assert_refused(hostile_engine, dmn_files(expression))


def test_a_harmless_diagram_of_the_same_shape_runs(hostile_engine: Staffel) -> None:
    """The three shapes are not refused for their own sake: a harmless payload runs."""
    for files in (script_files("result = pow(7, 3, 5) + len([*range(3), *range(2)])"),
                  gateway_files("{**{'a': 1}, 'b': 2}['b'] == 2"),
                  dmn_files("str(sum([[1], [2]], []))")):
        hostile_engine.definitions.deploy(files, actor="owner")
        case = hostile_engine.cases.start(PERSON, "NW", "asylum", process_key="hostile",
                                          actor="tester")
        assert case.case_number


def test_hostile_script_through_the_http_api(make_engine: Callable[..., Staffel]) -> None:
    """A process owner deploys a hostile script over the API; starting a case answers 422 and
    writes nothing."""
    from tests.web.conftest import FAST_HASHER, NEW_CASE, PASSWORD, snapshot
    from web import create_app

    engine = make_engine(script_time_limit=TIME_LIMIT)
    engine.context.password_hasher = FAST_HASHER
    engine.people.add("owner", PASSWORD, ["process_owner"], [])
    engine.people.add("cw_ez", PASSWORD, ["caseworker"], ["eingangszone"])
    client = create_app({"ENGINE": engine, "DEPLOY_ON_START": False, "TESTING": True,
                         "CASE_PROCESS": "hostile", "SECRET_KEY": "test"}).test_client()

    def bearer(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {engine.people.issue_token(user).token}"}

    hostile = script_files("result = pow(7, int('9' * 2000), int('9' * 2000))")["hostile.bpmn"]
    deployed = client.post("/api/v1/process-definitions?filename=hostile.bpmn", data=hostile,
                           content_type="application/xml", headers=bearer("owner"))
    assert deployed.status_code == 201, deployed.get_data(as_text=True)
    headers = bearer("cw_ez")
    before = snapshot(engine)
    started = time.perf_counter()
    response = client.post("/api/v1/cases", json=NEW_CASE, headers=headers)
    assert time.perf_counter() - started < MAX_SECONDS
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "pow() modulus" in response.get_json()["message"]
    assert snapshot(engine) == before


@pytest.mark.parametrize("script", [
    "items = []\nwhile True:\n    items.append('x' * 100000)",
    "d = {}\nfor i in range(100000):\n    d[i] = 'y' * 1000",
    "result = [('x' * 100000) for i in range(100000)]",
])
def test_growth_over_many_steps_is_stopped_by_the_memory_watch(hostile_engine: Staffel,
                                                               script: str) -> None:
    """No single call is too large here: the memory watch, not the clock, stops them."""
    err = assert_refused(hostile_engine, script_files(script))
    assert "MiB of memory" in err.message
