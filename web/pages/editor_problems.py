"""Deploy problems in the page language (issue 15, point 13).

The engine names every problem in English (the API and the CLI keep it so). The editor pages
show them in the user's language: each known message shape is matched by a pattern and said
again through the catalogue with the same names and numbers; a message no pattern knows (an
XSD or SpiffWorkflow detail) is shown as a technical message, introduced in the page language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from engine import Problem
from web.i18n import current_language

_ID = r"(?P<id>\S+)"
#: (pattern of the English message, its text in the page language with the pattern's groups)
_PATTERNS: list[tuple[re.Pattern[str], Callable[[dict[str, str]], str]]] = [(re.compile(p), f)
                                                                          for p, f in [
    (r"file is not UTF-8 text \((?P<detail>.*)\)",
     lambda g: _("The file is not UTF-8 text (%(detail)s).", **g)),
    (r"not valid JSON: (?P<detail>.*)", lambda g: _("Not valid JSON: %(detail)s", **g)),
    (r"a JSON Schema must be an object", lambda g: _("A JSON Schema must be an object.")),
    (r"not a valid JSON Schema: (?P<detail>.*)",
     lambda g: _("Not a valid JSON Schema: %(detail)s", **g)),
    (r"unknown file type: use \.bpmn, \.dmn or \.schema\.json",
     lambda g: _("Unknown file type: only .bpmn, .dmn and .schema.json files can be deployed.")),
    (r"no files given", lambda g: _("No file was sent.")),
    (r"file ending says (?P<ending>\w+), content is (?P<content>\w+)",
     lambda g: _("The file name ends in %(ending)s, but the content is %(content)s.", **g)),
    (r"the document defines no process", lambda g: _("The document defines no process.")),
    (r"the document defines no decision", lambda g: _("The document defines no decision.")),
    (r"process (?P<id>\S+) is not executable \(isExecutable=(?P<flag>.*)\)",
     lambda g: _("Process %(id)s is not marked as executable (isExecutable=%(flag)s).", **g)),
    (r"process (?P<id>\S+) has no start event",
     lambda g: _("Process %(id)s has no start event.", **g)),
    (r"(?P<kind>\w+) (?P<id>\S+) has no incoming sequence flow \(dangling\)",
     lambda g: _("%(kind)s %(id)s has no incoming sequence flow.", **g)),
    (r"(?P<kind>\w+) (?P<id>\S+) has no outgoing sequence flow \(dangling\)",
     lambda g: _("%(kind)s %(id)s has no outgoing sequence flow.", **g)),
    (r"(?P<kind>\w+) (?P<id>\S+) has (?P<n>\d+) outgoing sequence flows; split the flow with "
     r"a gateway",
     lambda g: _("%(kind)s %(id)s has %(n)s outgoing sequence flows; split the flow with a "
                 "gateway.", **g)),
    (r"sequence flow (?P<id>\S+) leaves gateway (?P<gateway>\S+) without a condition and is "
     r"not its default flow",
     lambda g: _("Sequence flow %(id)s leaves gateway %(gateway)s without a condition and is "
                 "not its default flow.", **g)),
    (r"user task (?P<id>\S+) has no form \(property formJsonSchemaFilename\)",
     lambda g: _("User task %(id)s has no form (property formJsonSchemaFilename).", **g)),
    (r"form '(?P<form>.*)' not found", lambda g: _("Form '%(form)s' not found.", **g)),
    (r"sla_days of user task (?P<id>\S+) must be a whole number of working days from 1 to "
     r"(?P<max>\d+), not '(?P<value>.*)'",
     lambda g: _("The SLA of user task %(id)s must be a whole number of working days from 1 "
                 "to %(max)s, not '%(value)s'.", **g)),
    (r"lane '(?P<name>.*)' maps to no team \(known: (?P<known>.*)\)",
     lambda g: _("Lane '%(name)s' belongs to no team (known: %(known)s).", **g)),
    (r"lane (?P<id>\S+) has no name, so it maps to no team \(known: (?P<known>.*)\)",
     lambda g: _("Lane %(id)s has no name, so it belongs to no team (known: %(known)s).", **g)),
    (r"user task (?P<id>\S+) is not in any lane",
     lambda g: _("User task %(id)s is not in any lane.", **g)),
    (r"process (?P<id>\S+) has user tasks but no lanes; .*",
     lambda g: _("Process %(id)s has user tasks but no lanes; put each user task in a team's "
                 "lane.", **g)),
    (r"call activity (?P<id>\S+) calls unknown process '(?P<target>.*)'",
     lambda g: _("Call activity %(id)s calls the unknown process '%(target)s'.", **g)),
    (r"business rule task (?P<id>\S+) calls unknown decision '(?P<target>.*)'",
     lambda g: _("Business rule task %(id)s calls the unknown decision '%(target)s'.", **g)),
    (r"event-based gateway (?P<id>\S+) has no timer branch: a case could wait forever",
     lambda g: _("Event-based gateway %(id)s has no timer branch: a case could wait "
                 "forever.", **g)),
    (r"message wait (?P<id>\S+) has no timer alternative: .*",
     lambda g: _("Message wait %(id)s has no timer alternative: put it behind an event-based "
                 "gateway with a follow-up timer (Watch_<message>).", **g)),
    (r"receive task (?P<id>\S+) has no boundary timer: a case could wait forever",
     lambda g: _("Receive task %(id)s has no boundary timer: a case could wait forever.", **g)),
    (r"id '(?P<id>.*)' is reserved by the engine; rename the element",
     lambda g: _("The id '%(id)s' is reserved by the engine; rename the element.", **g)),
    (r"does not match the (?P<schema>.+?) schema: (?P<detail>.*)",
     lambda g: _("Does not match the %(kind)s schema: %(detail)s", kind=g["schema"],
                 detail=g["detail"])),
    (r"(?P<what>.+) is not supported: (?P<reason>.*)",
     lambda g: _("%(what)s is not supported: %(reason)s", **g)),
    (r"(?P<where>condition|script|pre-script|post-script) of (?P<id>\S+): Line (?P<line>\d+): "
     r"(?P<detail>.*)",
     lambda g: _("Error in the %(where)s of %(id)s, line %(line)s: %(detail)s",
                 where=_expression_kinds().get(g["where"], g["where"]), id=g["id"],
                 line=g["line"], detail=g["detail"])),
    (r"sequence flow (?P<id>\S+): (?P<end>sourceRef|targetRef) '(?P<ref>.*)' does not exist "
     r"in \w+ (?P<container>\S+)",
     lambda g: _("Sequence flow %(id)s: %(end)s '%(ref)s' does not exist in %(container)s.",
                 **g)),
    (r"timer (?P<timer>\w+) of (?P<id>\S+) is empty",
     lambda g: _("The timer (%(timer)s) of %(id)s is empty.", **g)),
    (r"document type declarations \(<!DOCTYPE \.\.\.>\) are not allowed",
     lambda g: _("Document type declarations (<!DOCTYPE ...>) are not allowed.")),
    (r"the same file name is uploaded twice",
     lambda g: _("The same file name is uploaded twice.")),
    (r"at most (?P<n>\d+) files at once", lambda g: _("At most %(n)s files at once.", **g)),
    (r"the file name is not usable", lambda g: _("The file name cannot be used.")),
    (r"the file is larger than (?P<size>.*)",
     lambda g: _("The file is larger than %(size)s.", **g)),
    (r"no file was chosen", lambda g: _("No file was chosen.")),
]]


def _expression_kinds() -> dict[str, str]:
    """Where an expression sits, in the page language."""
    return {"condition": _("condition"), "script": _("script"),
            "pre-script": _("pre-script"), "post-script": _("post-script")}


def _kinds() -> dict[str, str]:
    """BPMN element types as the problems name them, in the page language."""
    return {"task": _("Task"), "userTask": _("User task"), "scriptTask": _("Script task"),
            "serviceTask": _("Service task"), "sendTask": _("Send task"),
            "receiveTask": _("Receive task"), "businessRuleTask": _("Business rule task"),
            "manualTask": _("Manual task"), "callActivity": _("Call activity"),
            "subProcess": _("Sub-process"), "startEvent": _("Start event"),
            "endEvent": _("End event"), "boundaryEvent": _("Boundary event"),
            "intermediateCatchEvent": _("Intermediate catch event"),
            "intermediateThrowEvent": _("Intermediate throw event"),
            "exclusiveGateway": _("Exclusive gateway"),
            "parallelGateway": _("Parallel gateway"),
            "inclusiveGateway": _("Inclusive gateway"),
            "eventBasedGateway": _("Event-based gateway")}


def problem_message(message: str) -> str:
    """One deploy problem's message in the page language."""
    if current_language() != "de":
        return message
    for pattern, say in _PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            groups = found.groupdict()
            if "kind" in groups:
                groups["kind"] = _kinds().get(groups["kind"], groups["kind"])
            return say(groups)
    return _("Technical message of the check: %(message)s", message=message)


def problem_dicts(problems: list[Problem]) -> list[dict[str, Any]]:
    """Problems as JSON-ready dicts, the message in the page language (``message_en`` keeps
    the engine's English text)."""
    return [{**p.to_dict(), "message": problem_message(p.message), "message_en": p.message}
            for p in problems]
