"""Safe parsing of uploaded BPMN and DMN documents.

Uploads come from people we trust to model processes, not to be careful: every document is
parsed by a hardened lxml parser that never resolves entities, never loads a DTD and never
touches the network. Anything over the size cap and any document type declaration is refused
*before* the parser sees it, so entity tricks (XXE, billion laughs) never get a chance to expand.

Every failure raises :class:`~engine.errors.DeployError` with one :class:`~engine.errors.Problem`
that names the file and, where known, the line. :func:`schema_problems` validates a parsed
document against the XSDs bundled with SpiffWorkflow, loaded from local files only.
"""

from __future__ import annotations

import codecs
import copy
import functools
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import unquote, urlparse

import SpiffWorkflow
from lxml import etree

from engine.errors import DeployError, Problem

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN12_NS = "http://www.omg.org/spec/DMN/20180521/MODEL/"
DMN13_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMN_NAMESPACES: frozenset[str] = frozenset({DMN12_NS, DMN13_NS})
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

DocumentKind = Literal["bpmn", "dmn"]

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_POSITION_SUFFIX = re.compile(r",\s*line \d+,\s*column \d+\s*$")
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _make_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def _size_text(max_bytes: int) -> str:
    mib = 1024 * 1024
    if max_bytes >= mib and max_bytes % mib == 0:
        return f"{max_bytes // mib} MiB"
    return f"{max_bytes} bytes"


def _scan_text(raw: bytes) -> bytes:
    """Return the document as ASCII-compatible bytes so the declaration scan sees it.

    UTF-16 and UTF-32 documents (with a byte order mark, or recognisable by the zero bytes
    around the first ``<``) are re-encoded as UTF-8; everything else lxml accepts is already
    ASCII-compatible for the characters we look for.
    """
    encoding: str | None = None
    if raw.startswith(_UTF32_BOMS):
        encoding = "utf-32"
    elif raw.startswith(_UTF16_BOMS):
        encoding = "utf-16"
    elif raw.startswith((b"<\x00\x00\x00", b"\x00\x00\x00<")):
        encoding = "utf-32-le" if raw[0:1] == b"<" else "utf-32-be"
    elif raw.startswith((b"<\x00", b"\x00<")):
        encoding = "utf-16-le" if raw[0:1] == b"<" else "utf-16-be"
    if encoding is None:
        return raw
    return raw.decode(encoding, errors="replace").encode("utf-8")


def _reject(file_name: str, message: str, line: int | None = None) -> DeployError:
    return DeployError([Problem(file=file_name, message=message, line=line, rule="xml")])


def parse_document(
    file_name: str, content: bytes | str, max_bytes: int = MAX_DOCUMENT_BYTES
) -> etree._ElementTree:
    """Parse an uploaded XML document safely and return its element tree.

    ``str`` content is encoded as UTF-8 first. Raises :class:`DeployError` with one problem when
    the document is larger than ``max_bytes``, empty, contains a DOCTYPE or ENTITY declaration,
    or is not well-formed XML (with the line lxml reports).
    """
    raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    if len(raw) > max_bytes:
        raise _reject(file_name, f"file is larger than {_size_text(max_bytes)}")
    if not raw.strip():
        raise _reject(file_name, "file is empty")
    scan = _scan_text(raw)
    found = _DECLARATION.search(scan)
    if found is not None:
        line = scan.count(b"\n", 0, found.start()) + 1
        raise _reject(file_name, _declaration_message(found.group(1)), line)
    try:
        root = etree.fromstring(raw, parser=_make_parser(), base_url=file_name)
    except etree.XMLSyntaxError as exc:
        text = _POSITION_SUFFIX.sub("", str(exc.msg or exc)) or "unknown error"
        raise _reject(file_name, f"not well-formed XML: {text}", exc.lineno or None) from None
    tree = root.getroottree()
    docinfo: Any = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _reject(file_name, _declaration_message(b"DOCTYPE"), 1)
    return tree


def _declaration_message(kind: bytes) -> str:
    if kind.upper() == b"ENTITY":
        return "entity declarations (<!ENTITY ...>) are not allowed"
    return "document type declarations (<!DOCTYPE ...>) are not allowed"


def document_kind(tree: etree._ElementTree, file_name: str | None = None) -> DocumentKind:
    """Return ``"bpmn"`` or ``"dmn"`` from the namespace of the root ``definitions`` element.

    ``file_name`` defaults to the name the tree was parsed under by :func:`parse_document`.
    Raises :class:`DeployError` for any other root element.
    """
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.localname == "definitions":
        if qname.namespace == BPMN_NS:
            return "bpmn"
        if qname.namespace in DMN_NAMESPACES:
            return "dmn"
    name = file_name if file_name is not None else (tree.docinfo.URL or "")
    shown = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
    raise _reject(
        name,
        f"not a BPMN or DMN document (root element is {shown})",
        source_line(root),
    )


def source_line(element: etree._Element) -> int | None:
    """Return the line an element starts on in its source document, if known."""
    return cast(int | None, element.sourceline)


def owner_id(element: etree._Element | None) -> str | None:
    """Return the id of the nearest element at or above ``element`` that names a model element.

    Event definitions are skipped so that problems point at the event, not its definition.
    """
    node = element
    while node is not None:
        ident = node.get("id")
        if ident and not etree.QName(node).localname.endswith("EventDefinition"):
            return ident
        node = node.getparent()
    return None


_SPIFF_DIR = Path(SpiffWorkflow.__file__).resolve().parent
_SCHEMA_FILES = {
    BPMN_NS: _SPIFF_DIR / "bpmn" / "parser" / "schema" / "BPMN20.xsd",
    DMN12_NS: _SPIFF_DIR / "dmn" / "parser" / "schema" / "DMN12.xsd",
    DMN13_NS: _SPIFF_DIR / "dmn" / "parser" / "schema" / "DMN13.xsd",
}
_SPIFF_XSD = _SPIFF_DIR / "spiff" / "parser" / "schema" / "spiffworkflow.xsd"
_SHORT_NS = {BPMN_NS: "bpmn:", SPIFF_NS: "spiffworkflow:", DMN12_NS: "dmn:", DMN13_NS: "dmn:",
             "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi:",
             "http://www.omg.org/spec/DD/20100524/DC": "dc:",
             "http://www.omg.org/spec/DD/20100524/DI": "di:"}
_DMNDI12_NS = "http://www.omg.org/spec/DMN/20180521/DMNDI/"
_SCHEMA_LOCK = threading.Lock()  # an XMLSchema's error_log is shared by all its callers
_B = f"{{{BPMN_NS}}}"


class LocalSchemasOnly(etree.Resolver):
    """Resolver that refuses every schema that is not a file inside the SpiffWorkflow package."""

    def resolve(self, system_url: str, public_id: str, context: object = None) -> Any:
        """Return ``None`` (load the local file) or raise for anything else."""
        parsed = urlparse(system_url or "")
        path = Path(unquote(parsed.path if parsed.scheme == "file" else system_url or ""))
        if parsed.scheme not in ("", "file") or not path.resolve().is_relative_to(_SPIFF_DIR):
            raise ValueError(f"refusing to load schema from {system_url!r}")
        return None


@functools.cache
def _schema(namespace: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    parser.resolvers.add(LocalSchemasOnly())
    doc = etree.parse(str(_SCHEMA_FILES[namespace]), parser=parser)
    xsd = "{http://www.w3.org/2001/XMLSchema}"
    if namespace == BPMN_NS:  # validate spiffworkflow: extensions too, as SpiffWorkflow does
        doc.getroot().insert(0, etree.Element(f"{xsd}import", namespace=SPIFF_NS,
                                              schemaLocation=str(_SPIFF_XSD)))
    if namespace == DMN12_NS:
        # SpiffWorkflow 3.2.0 ships DMN12.xsd importing a DMNDI 1.2 schema it does not bundle
        # (DMNDI12.xsd is the DI schema), so the XSD does not compile as shipped. Diagram
        # interchange carries no semantics: skip it instead of validating it.
        for imp in doc.getroot().findall(f"{xsd}import"):
            if imp.get("namespace") == _DMNDI12_NS:
                doc.getroot().remove(imp)
        for ref in doc.getroot().iterfind(f".//{xsd}element[@ref='dmndi:DMNDI']"):
            ref.tag, ref.attrib["namespace"] = f"{xsd}any", _DMNDI12_NS
            ref.attrib["processContents"] = "skip"
            del ref.attrib["ref"]
    return etree.XMLSchema(doc)


def _shorten(message: str) -> str:
    for namespace, prefix in _SHORT_NS.items():
        message = message.replace(f"{{{namespace}}}", prefix)
    return message if len(message) <= 400 else message[:397] + "..."


def _error_element(tree: etree._ElementTree, path: str | None,
                   line: int | None) -> etree._Element | None:
    root = tree.getroot()
    if path:
        prefixes = {p: ns for el in root.iter(tag=etree.Element) for p, ns in el.nsmap.items()
                    if p}
        try:
            found = tree.xpath(path, namespaces=prefixes)
        except etree.XPathError:
            found = None
        if isinstance(found, list) and found and isinstance(found[0], etree._Element):
            return found[0]
    at_line = [el for el in root.iter(tag=etree.Element) if source_line(el) == line]
    return at_line[-1] if at_line else None


def schema_problems(file_name: str, tree: etree._ElementTree) -> list[Problem]:
    """Validate a BPMN or DMN document against SpiffWorkflow's bundled XSD; one problem per error.

    BPMN is checked against ``BPMN20.xsd`` plus SpiffWorkflow's ``spiffworkflow.xsd`` (so the
    ``spiffworkflow:`` extensions are checked too), DMN against ``DMN12.xsd`` or ``DMN13.xsd`` by
    namespace. Each problem carries the line and the nearest enclosing ``id``.
    """
    namespace = etree.QName(tree.getroot()).namespace or ""
    if namespace not in _SCHEMA_FILES:
        return []
    target = tree
    path = f".//{_B}correlationPropertyRetrievalExpression/{_B}formalExpression"
    if tree.getroot().find(path) is not None:  # bpmn-js writes these; Spiff renames them too
        target = copy.deepcopy(tree)
        for expr in target.getroot().iterfind(path):
            expr.tag = f"{_B}messagePath"
    schema = _schema(namespace)
    with _SCHEMA_LOCK:
        schema.validate(target)
        errors = list(cast(Iterable[Any], schema.error_log))
    kind = "BPMN 2.0" if namespace == BPMN_NS else "DMN"
    return [
        Problem(file=file_name, line=error.line or None, rule="xsd",
                element_id=owner_id(_error_element(target, error.path, error.line)),
                message=f"does not match the {kind} schema: {_shorten(error.message)}")
        for error in errors
    ]
