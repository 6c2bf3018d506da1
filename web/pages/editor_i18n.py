"""The process editor's client-side words in the page language (issue 15, point 13).

bpmn-js asks its ``translate`` service for every palette, context-pad and menu word, and
bpmn-js-bpmnlint for its button ("No Issues", "{errors} Errors, {warnings} Warnings") and every
rule message. The editor page renders :func:`editor_translations` into a JSON data block;
``static/js/editor-translate.js`` replaces bpmn-js's ``translate`` with a lookup in it (no
inline script: strict CSP). ``exact`` maps an English template to its text, ``patterns``
carries the rule messages built with names in them (a regular expression over the English
message and the text with ``$1``, ``$2`` for its groups).
"""

from __future__ import annotations

from flask_babel import gettext as _

from web.i18n import current_language


def _bpmn_js() -> dict[str, str]:
    """Palette, context pad and popup words of bpmn-js 18 (its ``translate('...')`` calls)."""
    return {
        "Activate hand tool": _("Activate hand tool"),
        "Activate lasso tool": _("Activate lasso tool"),
        "Activate create/remove space tool": _("Activate create/remove space tool"),
        "Activate global connect tool": _("Activate global connect tool"),
        "Create start event": _("Create start event"),
        "Create intermediate/boundary event": _("Create intermediate/boundary event"),
        "Create end event": _("Create end event"),
        "Create gateway": _("Create gateway"),
        "Create task": _("Create task"),
        "Create data object reference": _("Create data object reference"),
        "Create data store reference": _("Create data store reference"),
        "Create expanded sub-process": _("Create expanded sub-process"),
        "Create pool/participant": _("Create pool/participant"),
        "Create group": _("Create group"),
        "Append end event": _("Append end event"),
        "Append gateway": _("Append gateway"),
        "Append task": _("Append task"),
        "Append intermediate/boundary event": _("Append intermediate/boundary event"),
        "Append receive task": _("Append receive task"),
        "Append message intermediate catch event": _("Append message intermediate catch event"),
        "Append timer intermediate catch event": _("Append timer intermediate catch event"),
        "Append conditional intermediate catch event":
            _("Append conditional intermediate catch event"),
        "Append signal intermediate catch event": _("Append signal intermediate catch event"),
        "Append compensation activity": _("Append compensation activity"),
        "Add text annotation": _("Add text annotation"),
        "Add lane above": _("Add lane above"),
        "Add lane below": _("Add lane below"),
        "Divide into two lanes": _("Divide into two lanes"),
        "Divide into three lanes": _("Divide into three lanes"),
        "Change element": _("Change element"),
        "Connect to other element": _("Connect to other element"),
        "Connect using association": _("Connect using association"),
        "Connect using data input association": _("Connect using data input association"),
        "Delete": _("Delete"),
        "Align elements": _("Align elements"),
        "Distribute elements horizontally": _("Distribute elements horizontally"),
        "Distribute elements vertically": _("Distribute elements vertically"),
        "Search in diagram": _("Search in diagram"),
        "Open {element}": _("Open {element}"),
        "Toggle non-interrupting": _("Toggle non-interrupting"),
        "Loop": _("Loop"),
        "Parallel multi-instance": _("Parallel multi-instance"),
        "Sequential multi-instance": _("Sequential multi-instance"),
    }


def _bpmnlint() -> dict[str, str]:
    """The bpmnlint button and the fixed messages of the rules of bpmnlint:recommended."""
    return {
        "No Issues": _("No problems"),
        "{errors} Errors, {warnings} Warnings": _("{errors} errors, {warnings} warnings"),
        "Toggle linting overlays": _("Show or hide the modelling hints"),
        "Issues for child elements": _("Hints for contained elements"),
        "Element is an implicit end": _("Element is an implicit end (add an end event)"),
        "Element is an implicit start": _("Element is an implicit start (add a start event)"),
        "Element is missing label/name": _("Element is missing a label"),
        "Element is missing name": _("Element is missing a name"),
        "Element is not connected": _("Element is not connected"),
        "Element is missing bpmndi": _("Element has no diagram information (BPMNDI)"),
        "Element is outside of parent boundary": _("Element is outside of its parent"),
        "Element overlaps with other element": _("Element overlaps with another element"),
        "Element is unused": _("Element is unused"),
        "Element name is not unique": _("Element name is not unique"),
        "Event has multiple event definitions": _("Event has several event definitions"),
        "Flow splits implicitly": _("Flow splits implicitly (use a gateway)"),
        "Gateway forks and joins": _("Gateway forks and joins at once"),
        "Gateway is superfluous. It only has one source and target.":
            _("Gateway is superfluous: it has only one source and one target."),
        "Incoming flows do not join": _("Incoming flows do not join"),
        "Sequence flow has superfluous label": _("Sequence flow has a superfluous label"),
        "Sequence flow is missing condition": _("Sequence flow is missing a condition"),
        "SequenceFlow is a duplicate": _("Sequence flow is a duplicate"),
        "Duplicate incoming sequence flows": _("Duplicate incoming sequence flows"),
        "Duplicate outgoing sequence flows": _("Duplicate outgoing sequence flows"),
        "Start event is missing event definition": _("Start event is missing an event "
                                                     "definition"),
        "Start event must be blank": _("Start event must be blank"),
        "Termination is superfluous.": _("Termination is superfluous."),
        "Conditional event is missing a condition": _("Conditional event is missing a "
                                                      "condition"),
        "Link event is missing link name": _("Link event is missing a link name"),
        "An <Event-based Gateway> must have at least 2 outgoing <Sequence Flows>":
            _("An event-based gateway needs at least 2 outgoing sequence flows"),
        "A <Sequence Flow> outgoing from an <Event-based Gateway> must not be conditional":
            _("A sequence flow leaving an event-based gateway must not have a condition"),
    }


def _patterns() -> list[list[str]]:
    """Rule messages with names or numbers in them: [regular expression, text with $n]."""
    return [
        [r"^Process is missing start event$", _("Process is missing a start event")],
        [r"^Sub process is missing start event$", _("Sub-process is missing a start event")],
        [r"^Process is missing end event$", _("Process is missing an end event")],
        [r"^Sub process is missing end event$", _("Sub-process is missing an end event")],
        [r"^(Process|Sub process) has multiple blank start events$",
         _("Several blank start events")],
        [r"^Element type <(.+)> is discouraged$", _("Element type $1 is discouraged")],
        [r"^Element has a non-standard size; expected (\d+)x(\d+)$",
         _("Element has a non-standard size; expected $1×$2")],
        [r"^Element has a non-standard width; expected width of (\d+)$",
         _("Element has a non-standard width; expected $1")],
        [r"^Element has a non-standard height; expected height of (\d+)$",
         _("Element has a non-standard height; expected $1")],
        # Staffel's own rule (tools/bpmnlint-plugin-staffel): the server's words
        [r"^event-based gateway (\S+) has no timer branch: a case could wait forever$",
         _("Event-based gateway %(id)s has no timer branch: a case could wait forever.",
           id="$1")],
        [r"^message wait (\S+) has no timer alternative: .*$",
         _("Message wait %(id)s has no timer alternative: put it behind an event-based "
           "gateway with a follow-up timer (Watch_<message>).", id="$1")],
        [r"^receive task (\S+) has no boundary timer: a case could wait forever$",
         _("Receive task %(id)s has no boundary timer: a case could wait forever.", id="$1")],
    ]


def editor_translations() -> dict[str, object]:
    """The map editor-translate.js reads; empty in English (bpmn-js speaks English)."""
    if current_language() != "de":
        return {"exact": {}, "patterns": []}
    return {"exact": {**_bpmn_js(), **_bpmnlint()}, "patterns": _patterns()}
