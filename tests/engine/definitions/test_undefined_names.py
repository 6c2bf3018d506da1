"""Deploy resolves every free name (issue 14, hole 8): a script using ``open(...)`` deployed
(201) and then every case start failed with 422 NameError. Now deploy refuses it, naming the
element and the name, and stores nothing; names that can be process data still deploy."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from engine import Staffel
from engine.definitions.names import free_names, undefined_name_problems
from engine.errors import DeployError
from engine.persistence.models import AuditEvent, DefinitionFile, ProcessVersion
from tests.engine.execution.test_sandbox_hostile import dmn_files, gateway_files, script_files

FORM = '{"type": "object", "properties": {"interpreter_needed": {"type": "boolean"}}}'


def stored(engine: Staffel) -> tuple[int, int, int]:
    with engine.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
                     for t in (DefinitionFile, ProcessVersion, AuditEvent))


def refused(engine: Staffel, files: dict[str, str], element: str, name: str) -> DeployError:
    """Deploy is refused with a problem naming ``element`` and ``name``; nothing stored."""
    before = stored(engine)
    with pytest.raises(DeployError) as err:
        engine.definitions.deploy(files, actor="owner")
    assert stored(engine) == before
    hits = [p for p in err.value.problems
            if p.element_id == element and f"'{name}'" in p.message and p.rule == "undefined-name"]
    assert hits, err.value.problems
    assert engine.definitions.validate(files), "validate() must report the same problem"
    return err.value


@pytest.fixture
def owner_engine(make_engine: Callable[..., Staffel]) -> Staffel:
    return make_engine()


@pytest.mark.parametrize("script", [
    "text = open('/etc/passwd').read()",
    "x = compile('1', 'f', 'eval')",
    "g = globals()",
    "t = type(land)",
    "v = vars()",
    "b = bytearray(10**9)",
    "o = object()",
    "i = input()",
    "breakpoint()",
    "m = memoryview(b'x')",
    "def f():\n    return open('x')\nf()",
    "y = [open(p) for p in ('a', 'b')]",
])
def test_builtins_the_sandbox_does_not_offer_are_refused(owner_engine: Staffel,
                                                         script: str) -> None:
    name = re.findall(r"(open|compile|globals|type|vars|bytearray|object|input|breakpoint|"
                      r"memoryview)\(", script)[0]
    err = refused(owner_engine, script_files(script), "Script_hostile", name)
    message = next(p.message for p in err.problems if f"'{name}'" in p.message)
    assert "nicht erlaubt" in message and "Sandbox" in message


def test_open_is_refused_in_a_condition_and_a_dmn_cell(owner_engine: Staffel) -> None:
    refused(owner_engine, gateway_files("open('x')"), "H2", "open")
    refused(owner_engine, dmn_files("open('x').read()"), "Rule_h", "open")


def test_a_builtin_is_refused_even_if_it_could_be_process_data(owner_engine: Staffel) -> None:
    files = script_files("x = open")
    files["forms/open.schema.json"] = '{"type": "object", "properties": {"open": {}}}'
    refused(owner_engine, files, "Script_hostile", "open")


def test_a_name_assigned_nowhere_is_refused(owner_engine: Staffel) -> None:
    err = refused(owner_engine, script_files("x = interpreter_needed and 1"), "Script_hostile",
                  "interpreter_needed")
    assert "nirgends definiert" in err.problems[0].message


def test_names_that_can_be_process_data_deploy(owner_engine: Staffel) -> None:
    """Form fields, script variables, DMN outputs, engine data, helpers, local names."""
    files = script_files(
        "x = interpreter_needed and land == 'NW' and case_id\n"
        "y = result if 'result' in dir_names else None\n"
        "dir_names = [n for n in ('a',)]\n"
        "z = (lambda q: q + 1)(len(dir_names))\n"
        "def f(k):\n    return k * 2\n"
        "w = f(sla_due(3)[:1]) + str(today())")
    files["forms/note.schema.json"] = FORM
    files.update({"hostile.dmn": dmn_files("'fine'")["hostile.dmn"]})
    before = stored(owner_engine)
    owner_engine.definitions.deploy(files, actor="owner")
    assert stored(owner_engine) != before


def test_only_new_documents_are_checked_and_old_ones_contribute_names(
        owner_engine: Staffel) -> None:
    owner_engine.definitions.deploy({"forms/note.schema.json": FORM}, actor="owner")
    owner_engine.definitions.deploy(script_files("x = interpreter_needed"), actor="owner")


def test_free_names() -> None:
    assert free_names("x = a + b\ny = x + c", "exec") == ["a", "b", "c"]
    assert free_names("[v for v in items if v > limit]", "eval") == ["items", "limit"]
    assert free_names("lambda q: q + other", "eval") == ["other"]
    assert free_names("def f(n):\n    return n + g\nr = f(1)\ng = 2", "exec") == []
    assert free_names("x = (", "exec") == []  # syntax errors are reported by the compile check


def test_correlation_expressions_only_refuse_forbidden_builtins() -> None:
    from lxml import etree

    bpmn = script_files("x = 1")["hostile.bpmn"].replace(
        '<bpmn:process id="hostile"',
        '<bpmn:message id="Msg_h" name="msg_h"/><bpmn:correlationProperty id="Cp_h" '
        'name="az"><bpmn:correlationPropertyRetrievalExpression messageRef="Msg_h">'
        '<bpmn:formalExpression>{}</bpmn:formalExpression>'
        '</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>'
        '<bpmn:process id="hostile"')
    for expression, expected in (("payload_field", []), ("open('x')", ["open"])):
        tree = etree.ElementTree(etree.fromstring(bpmn.format(expression).encode()))
        problems = undefined_name_problems({"h.bpmn": tree}, {"h.bpmn"}, [])
        assert [re.findall(r"'(\w+)'", p.message)[-1] for p in problems] == expected


def test_deploy_over_the_api_refuses_open_with_element_and_name(
        make_engine: Callable[..., Staffel]) -> None:
    from tests.web.conftest import FAST_HASHER, PASSWORD
    from web import create_app

    engine = make_engine()
    engine.context.password_hasher = FAST_HASHER
    engine.people.add("owner", PASSWORD, ["process_owner"], [])
    client = create_app({"ENGINE": engine, "DEPLOY_ON_START": False, "TESTING": True,
                         "SECRET_KEY": "test"}).test_client()
    token = engine.people.issue_token("owner").token
    before = stored(engine)
    response = client.post("/api/v1/process-definitions?filename=hostile.bpmn",
                           data=script_files("text = open('/etc/passwd').read()")["hostile.bpmn"],
                           content_type="application/xml",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert "Script_hostile" in body and "'open'" in body
    assert stored(engine) == before
