from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from lxml import etree

from engine.definitions import xmlsafe
from engine.definitions.xmlsafe import (
    BPMN_NS,
    DMN12_NS,
    DMN13_NS,
    MAX_DOCUMENT_BYTES,
    document_kind,
    parse_document,
    schema_problems,
)
from engine.errors import DeployError, Problem

DATA = Path(__file__).resolve().parents[2] / "data"
BAD = DATA / "bpmn_bad"
OK = DATA / "bpmn_ok"


def line_of(text: str | bytes, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")


#: the message for any DOCTYPE, as a pattern for ``pytest.raises(match=...)``
NO_DOCTYPE = re.escape("document type declarations (<!DOCTYPE ...>) are not allowed")


def rejected(file_name: str, content: bytes | str, match: str, **kwargs: int) -> Problem:
    with pytest.raises(DeployError, match=match) as info:
        parse_document(file_name, content, **kwargs)
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert problem.file == file_name
    return problem


def test_not_xml() -> None:
    problem = rejected("hello.bpmn", b"hello", "hello.bpmn:1: not well-formed XML: ")
    assert problem.line == 1
    assert problem.message.startswith("not well-formed XML: ")
    assert problem.element_id is None


def test_not_well_formed_reports_the_line() -> None:
    content = b"<?xml version='1.0'?>\n<a>\n  <b>\n  </c>\n</a>\n"
    problem = rejected("broken.bpmn", content, "broken.bpmn:4: not well-formed XML: .*mismatch")
    assert problem.line == 4
    assert "mismatch" in problem.message
    assert not re.search(r"line \d+, column", problem.message)


def test_empty_file() -> None:
    assert rejected("empty.bpmn", b"  \n", "empty.bpmn: file is empty").message == "file is empty"


def test_doctype_is_rejected() -> None:
    content = (BAD / "doctype.bpmn").read_bytes()
    problem = rejected("doctype.bpmn", content, "doctype.bpmn:2: " + NO_DOCTYPE)
    assert problem.line == line_of(content, "<!DOCTYPE") == 2
    assert problem.message == "document type declarations (<!DOCTYPE ...>) are not allowed"


def test_external_entity_is_rejected_before_parsing() -> None:
    content = (BAD / "xxe.bpmn").read_bytes()
    problem = rejected("xxe.bpmn", content, "xxe.bpmn:2: " + NO_DOCTYPE)
    assert problem.line == 2
    assert "DOCTYPE" in problem.message
    assert "root:" not in str(problem)


def test_entity_declaration_is_named() -> None:
    problem = rejected("entity.bpmn", b"<a/>\n<!ENTITY x 'y'>",
                       "entity.bpmn:2: "
                       + re.escape("entity declarations (<!ENTITY ...>) are not allowed"))
    assert problem.line == 2
    assert problem.message == "entity declarations (<!ENTITY ...>) are not allowed"


def test_billion_laughs_never_expands() -> None:
    content = (BAD / "billion_laughs.bpmn").read_bytes()
    started = time.monotonic()
    problem = rejected("billion_laughs.bpmn", content, "billion_laughs.bpmn:2: " + NO_DOCTYPE)
    assert time.monotonic() - started < 1.0
    assert problem.line == 2
    assert "DOCTYPE" in problem.message


def test_doctype_in_utf16_is_rejected() -> None:
    content = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE a>\n<a/>'.encode("utf-16")
    problem = rejected("utf16.bpmn", content, "utf16.bpmn:2: " + NO_DOCTYPE)
    assert problem.line == 2
    assert "DOCTYPE" in problem.message


def test_parser_itself_refuses_doctypes_and_entities(monkeypatch: pytest.MonkeyPatch) -> None:
    # Defence in depth: with the raw-bytes scan disabled, the parsed tree is still refused and
    # the hardened parser never reads the external entity.
    monkeypatch.setattr(xmlsafe, "_DECLARATION", re.compile(rb"(?!)"))
    content = (BAD / "xxe.bpmn").read_bytes()
    problem = rejected("xxe.bpmn", content, NO_DOCTYPE)
    assert "DOCTYPE" in problem.message
    root = etree.fromstring(content, parser=xmlsafe._make_parser())
    documentation = root.find(f".//{{{BPMN_NS}}}documentation")
    assert documentation is not None
    assert "root:" not in etree.tostring(documentation, encoding="unicode")
    assert "DOCTYPE" in rejected("doctype.bpmn", (BAD / "doctype.bpmn").read_bytes(),
                                 NO_DOCTYPE).message
    started = time.monotonic()
    lol = rejected("billion_laughs.bpmn", (BAD / "billion_laughs.bpmn").read_bytes(),
                   f"{NO_DOCTYPE}|Maximum entity amplification factor exceeded")
    assert time.monotonic() - started < 1.0
    assert "DOCTYPE" in lol.message or "amplification" in lol.message


def test_twenty_megabyte_upload_is_rejected_unparsed() -> None:
    content = b"<a>" + b" " * (20 * 1024 * 1024) + b"</a>"
    problem = rejected("huge.bpmn", content, "huge.bpmn: file is larger than 5 MiB")
    assert problem == Problem(file="huge.bpmn", message="file is larger than 5 MiB", rule="xml")
    assert MAX_DOCUMENT_BYTES == 5 * 1024 * 1024


def test_size_cap_is_configurable() -> None:
    problem = rejected("small.bpmn", b"<a>" + b" " * 2000 + b"</a>",
                       "small.bpmn: file is larger than 1000 bytes", max_bytes=1000)
    assert problem.message == "file is larger than 1000 bytes"


def test_str_content_and_comments_are_kept() -> None:
    tree = parse_document("s.bpmn", '<?xml version="1.0"?>\n<a><!-- note --><b>ä</b></a>')
    assert tree.getroot().findtext("b") == "ä"
    assert any(isinstance(node, etree._Comment) for node in tree.getroot())


def test_foo_is_not_bpmn() -> None:
    tree = parse_document("foo.xml", b"<foo/>")
    with pytest.raises(DeployError, match=re.escape(
            "foo.xml:1: not a BPMN or DMN document (root element is foo)")) as info:
        document_kind(tree)
    assert info.value.problems == [Problem(
        file="foo.xml", line=1, rule="xml",
        message="not a BPMN or DMN document (root element is foo)")]


def test_xhtml_is_not_bpmn() -> None:
    content = (BAD / "not_bpmn.xhtml").read_bytes()
    tree = parse_document("not_bpmn.xhtml", content)
    with pytest.raises(DeployError,
                       match=re.escape("page.xhtml:2: not a BPMN or DMN document")) as info:
        document_kind(tree, "page.xhtml")
    (problem,) = info.value.problems
    assert problem.file == "page.xhtml"
    assert problem.line == line_of(content, "<html")
    assert problem.message == ("not a BPMN or DMN document "
                               "(root element is {http://www.w3.org/1999/xhtml}html)")


def test_bpmn_namespace_without_definitions_root_is_refused() -> None:
    tree = parse_document("p.bpmn", f'<process xmlns="{BPMN_NS}" id="p"/>')
    with pytest.raises(DeployError, match="root element is"):
        document_kind(tree)


@pytest.mark.parametrize(("namespace", "kind"), [
    (BPMN_NS, "bpmn"), (DMN12_NS, "dmn"), (DMN13_NS, "dmn"),
])
def test_document_kind(namespace: str, kind: str) -> None:
    tree = parse_document("x", f'<definitions xmlns="{namespace}"/>')
    assert document_kind(tree) == kind


@pytest.mark.parametrize("url", [
    "http://www.omg.org/spec/BPMN/20100524/Semantic.xsd",
    "https://example.org/evil.xsd",
    "ftp://example.org/x.xsd",
    "file:///etc/passwd",
    "/etc/passwd",
])
def test_schema_resolver_refuses_anything_but_bundled_files(url: str) -> None:
    with pytest.raises(ValueError, match="refusing to load schema"):
        xmlsafe.LocalSchemasOnly().resolve(url, "", None)


def test_schema_resolver_allows_bundled_files() -> None:
    path = xmlsafe._SCHEMA_FILES[BPMN_NS].parent / "Semantic.xsd"
    assert xmlsafe.LocalSchemasOnly().resolve(str(path), "", None) is None
    assert xmlsafe.LocalSchemasOnly().resolve(path.as_uri(), "", None) is None


@pytest.mark.parametrize("namespace", [BPMN_NS, DMN12_NS, DMN13_NS])
def test_all_schemas_compile_and_are_cached(namespace: str) -> None:
    assert xmlsafe._schema(namespace) is xmlsafe._schema(namespace)


def test_spiffworkflow_extensions_are_validated_foreign_ones_skipped() -> None:
    content = (BAD / "bad_spiff_extension.bpmn").read_bytes()
    tree = parse_document("ext.bpmn", content)
    (problem,) = schema_problems("ext.bpmn", tree)
    assert problem.line == line_of(content, "spiffworkflow:bogus")
    assert problem.element_id == "Task_Manual"
    assert problem.rule == "xsd"
    assert "spiffworkflow:bogus" in problem.message
    assert "{http" not in problem.message


def test_minimal_diagram_passes_the_schema() -> None:
    tree = parse_document("minimal.bpmn", (OK / "minimal.bpmn").read_bytes())
    assert schema_problems("minimal.bpmn", tree) == []


BPMN_JS_CORRELATION = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:correlationProperty id="case_key" name="case key">
    <bpmn:correlationPropertyRetrievalExpression messageRef="Message_1">
      <bpmn:formalExpression>case_id</bpmn:formalExpression>
    </bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>
  <bpmn:message id="Message_1" name="docs" />
</bpmn:definitions>
"""


def test_bpmn_js_correlation_expressions_pass_without_changing_the_tree() -> None:
    tree = parse_document("c.bpmn", BPMN_JS_CORRELATION)
    assert schema_problems("c.bpmn", tree) == []
    assert tree.getroot().find(f".//{{{BPMN_NS}}}formalExpression") is not None
    assert tree.getroot().find(f".//{{{BPMN_NS}}}messagePath") is None


DMN12_DOC = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN12_NS}" xmlns:dmndi="http://www.omg.org/spec/DMN/20180521/DMNDI/"
             id="D12" name="d" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="d12" name="Decision 1.2">
    <decisionTable id="T12">
      <input id="I12"><inputExpression id="IE12"><text>x</text></inputExpression></input>
      <output id="O12" name="y" />
      <rule id="R12">
        <inputEntry id="E12"><text>1</text></inputEntry>
        <outputEntry id="OE12"><text>2</text></outputEntry>
        <frobnicate />
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI><dmndi:DMNDiagram id="DD12" /></dmndi:DMNDI>
</definitions>
"""


def test_dmn12_is_validated_despite_the_broken_bundled_xsd() -> None:
    tree = parse_document("d12.dmn", DMN12_DOC)
    (problem,) = schema_problems("d12.dmn", tree)
    assert problem.line == line_of(DMN12_DOC, "<frobnicate")
    assert problem.element_id == "R12"
    assert "does not match the DMN schema" in problem.message


def test_dmn13_fixture_passes_the_schema() -> None:
    tree = parse_document("eligibility.dmn", (OK / "eligibility.dmn").read_bytes())
    assert schema_problems("eligibility.dmn", tree) == []
