"""tools/lint_bpmn.mjs: bpmnlint with the repository's .bpmnlintrc, run through Node; and
Staffel's own rule ``staffel/unwatched-wait`` (tools/bpmnlint-plugin-staffel), which must agree
with the server's deploy rule ``unwatched-wait`` and shows in the browser editor."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine import Staffel
from engine.definitions.flow_checks import RULE_WAIT, wait_problems
from engine.definitions.xmlsafe import parse_document
from tests.browser.live_server import live_server, sign_in

from .conftest import ROOT, real_diagram_params, rel

LINT = ROOT / "tools" / "lint_bpmn.mjs"
MINIMAL = ROOT / "tests" / "data" / "bpmn_ok" / "minimal.bpmn"
DANGLING = ROOT / "tests" / "data" / "bpmn_bad" / "dangling_flow.bpmn"
WAIT_RULE = f"staffel/{RULE_WAIT}"
# tests/data/bpmn_bad/unwatched_wait_<key>.bpmn -> the elements the rule names; the watched
# version of each is tests/data/bpmn_ok/watched_wait_<key>.bpmn (same process, same ids)
UNWATCHED = {
    "message": ["Catch_Reply"],
    "gateway": ["Catch_Accept", "Catch_Reject", "Gateway_Answer"],
    "receive": ["Receive_Confirmation"],
    "subprocess": ["Catch_Documents"],  # the deadline on the subprocess does not watch it
}


def lint(node: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node, str(LINT), *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_good_fixture_passes(node: str) -> None:
    result = lint(node, rel(MINIMAL))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "0 error(s), 0 warning(s)" in result.stderr


def test_dangling_flow_fails_and_names_elements(node: str) -> None:
    result = lint(node, rel(DANGLING))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    prefix = f"{rel(DANGLING)}: "
    assert all(line.startswith(prefix) for line in lines), lines
    assert f"{prefix}Flow_Ghost: import: unresolved reference <Task_Ghost>" in lines
    assert f"{prefix}Task_DeadEnd: no-implicit-end: Element is an implicit end" in lines
    assert f"{prefix}Task_Orphan: no-implicit-start: Element is an implicit start" in lines


def test_missing_label_fails(node: str, tmp_path: Path) -> None:
    xml = MINIMAL.read_text(encoding="utf-8")
    xml, replaced = re.subn(r'(id="Task_Consent") name="[^"]*"', r"\1", xml)
    assert replaced == 1
    diagram = tmp_path / "unlabelled.bpmn"
    diagram.write_text(xml, encoding="utf-8")
    result = lint(node, diagram)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{diagram}: Task_Consent#name: label-required: Element is missing label/name"
    ]


def test_warnings_and_several_files(node: str, tmp_path: Path) -> None:
    inclusive = tmp_path / "inclusive.bpmn"
    inclusive.write_text(
        MINIMAL.read_text(encoding="utf-8").replace("exclusiveGateway", "inclusiveGateway"),
        encoding="utf-8",
    )
    warning = (
        f"{inclusive}: Gateway_Consent: no-inclusive-gateway: "
        "Element type <bpmn:InclusiveGateway> is discouraged (warning)"
    )
    # The same diagram twice: rule state must not leak from one file into the next.
    result = lint(node, rel(MINIMAL), inclusive, inclusive)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [warning, warning]
    assert "3 file(s), 0 error(s), 2 warning(s)" in result.stderr

    strict = lint(node, inclusive, "--max-warnings", "0")
    assert strict.returncode == 1
    assert strict.stdout.splitlines() == [warning]


def test_unknown_option_is_a_usage_error(node: str) -> None:
    result = lint(node, "--frobnicate")
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_effective_config_extends_recommended(node: str) -> None:
    result = lint(node, "--print-config")
    assert result.returncode == 0, result.stderr
    rules = json.loads(result.stdout)
    for rule in ("label-required", "no-disconnected", "no-bpmndi", "no-implicit-end",
                 WAIT_RULE):
        assert rules.get(rule) == "error", rule


def test_default_lints_bpmn_directory(node: str) -> None:
    result = lint(node)
    diagrams = sorted((ROOT / "bpmn").glob("*.bpmn"))
    if not diagrams:
        assert result.returncode == 0
        assert "no diagrams" in result.stdout
    else:
        assert f"{len(diagrams)} file(s)" in result.stderr


@pytest.mark.parametrize("diagram", real_diagram_params())
def test_real_diagram_is_lint_clean(node: str, diagram: Path) -> None:
    result = lint(node, rel(diagram))
    assert result.returncode == 0, f"bpmnlint problems:\n{result.stdout}{result.stderr}"


# --- staffel/unwatched-wait --------------------------------------------------------------------

def unwatched(key: str) -> Path:
    return ROOT / "tests" / "data" / "bpmn_bad" / f"unwatched_wait_{key}.bpmn"


def watched(key: str) -> Path:
    return ROOT / "tests" / "data" / "bpmn_ok" / f"watched_wait_{key}.bpmn"


def lint_waits(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    """(element id, message) of every ``staffel/unwatched-wait`` line of a lint run."""
    found = []
    for line in result.stdout.splitlines():
        _file, element_id, rule, message = line.split(": ", 3)
        if rule == WAIT_RULE:
            found.append((element_id, message))
    return sorted(found)


def server_waits(diagram: Path) -> list[tuple[str | None, str]]:
    """(element id, message) of every problem of the server's deploy rule."""
    root = parse_document(diagram.name, diagram.read_bytes()).getroot()
    problems = wait_problems(diagram.name, root)
    assert all(p.rule == RULE_WAIT for p in problems)
    return sorted((p.element_id, p.message) for p in problems)


@pytest.mark.parametrize("key", sorted(UNWATCHED))
def test_an_unwatched_wait_fails_and_names_the_element(node: str, key: str) -> None:
    diagram = rel(unwatched(key))
    result = lint(node, diagram)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    # nothing else is wrong with the fixture: every line is the rule's, one per element
    assert [line.split(": ")[:3] for line in lines] == [
        [diagram, element_id, WAIT_RULE] for element_id in UNWATCHED[key]], lines
    assert f"{len(UNWATCHED[key])} error(s), 0 warning(s)" in result.stderr
    for (element_id, message), expected in zip(lint_waits(result), UNWATCHED[key], strict=True):
        assert element_id == expected
        assert message.startswith(("message wait ", "event-based gateway ", "receive task "))
        assert f" {element_id} has no " in message


@pytest.mark.parametrize("key", sorted(UNWATCHED))
def test_the_watched_version_passes(node: str, key: str) -> None:
    result = lint(node, rel(watched(key)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_the_lint_messages_read_like_the_server(node: str) -> None:
    result = lint(node, rel(unwatched("gateway")), rel(unwatched("receive")))
    assert lint_waits(result) == [
        ("Catch_Accept", "message wait Catch_Accept has no timer alternative: put it behind an "
                         "event-based gateway with a follow-up timer (Watch_<message>)"),
        ("Catch_Reject", "message wait Catch_Reject has no timer alternative: put it behind an "
                         "event-based gateway with a follow-up timer (Watch_<message>)"),
        ("Gateway_Answer", "event-based gateway Gateway_Answer has no timer branch: a case "
                           "could wait forever"),
        ("Receive_Confirmation", "receive task Receive_Confirmation has no boundary timer: a "
                                 "case could wait forever")]


@pytest.mark.parametrize("diagram", [
    *(pytest.param(unwatched(key), id=f"unwatched-{key}") for key in sorted(UNWATCHED)),
    *(pytest.param(watched(key), id=f"watched-{key}") for key in sorted(UNWATCHED)),
    pytest.param(MINIMAL, id="minimal"),
])
def test_the_lint_rule_agrees_with_the_server(node: str, diagram: Path) -> None:
    result = lint(node, rel(diagram))
    assert lint_waits(result) == server_waits(diagram), result.stdout + result.stderr
    if diagram.parent.name == "bpmn_bad":
        ids = [element_id for element_id, _message in server_waits(diagram)]
        assert ids == UNWATCHED[diagram.stem.removeprefix("unwatched_wait_")]


def test_the_server_refuses_what_the_editor_marks() -> None:
    engine = Staffel("sqlite://", clock="simulated")
    engine.init_db()
    try:
        for key, element_ids in UNWATCHED.items():
            bad = engine.definitions.validate({unwatched(key).name: unwatched(key).read_bytes()})
            assert sorted((p.element_id, p.rule) for p in bad) == [
                (element_id, RULE_WAIT) for element_id in element_ids], key
            assert engine.definitions.validate(
                {watched(key).name: watched(key).read_bytes()}) == [], key
    finally:
        engine.close()


def test_the_editor_marks_an_unwatched_wait(page: Any) -> None:
    """A draft with a lone message wait: the editor's live bpmnlint (the packed
    .bpmnlintrc) lists the rule on the element and marks the element; the server's validation
    names the same element."""

    def prepare(engine: Staffel) -> None:
        engine.definitions.deploy({watched("message").name: watched("message").read_bytes()},
                                  actor="tester")
        engine.drafts.save("wait_message", unwatched("message").read_bytes(), 1, 0, "owner")

    with live_server([], prepare) as live:
        sign_in(page, live, "owner")
        page.goto(f"{live.url}/editor/wait_message")
        page.wait_for_selector('#editor-canvas[data-state="ready"][data-source="draft"]')
        page.wait_for_selector('#editor-canvas[data-lint-count="1"]')
        item = page.locator(f'#editor-lint li[data-rule="{WAIT_RULE}"]')
        assert item.get_attribute("data-element") == "Catch_Reply"
        # in German, the server's words (issue 15, point 13: translated through the catalogue)
        assert "Das Warten auf die Nachricht Catch_Reply hat keine Timer-Alternative" in \
            item.inner_text()
        assert not page.is_visible("#editor-lint-none")
        # the bpmn-js-bpmnlint overlay on the element itself carries the message
        overlay = page.locator('.djs-overlays[data-container-id="Catch_Reply"] '
                               f'.bjsl-overlay a[data-rule="{WAIT_RULE}"]')
        assert overlay.count() == 1
        assert overlay.get_attribute("data-message").startswith(
            "Das Warten auf die Nachricht Catch_Reply hat keine Timer-Alternative")

        page.click("#editor-validate")
        page.wait_for_selector('#editor-canvas[data-validated="invalid"]')
        server = page.locator("#editor-problems li[data-element]")
        assert [server.nth(i).get_attribute("data-element")
                for i in range(server.count())] == ["Catch_Reply"]
        assert page.problems == []
