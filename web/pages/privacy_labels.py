"""German/English words of the personal-data pages: the access report, the read log and the
consent section of the case page (see :mod:`web.personal_data`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from web.outbound import field_label, show_value


def purpose_label(key: str) -> str:
    """Why Staffel processes the person's data."""
    names = {"case_work": _("Handling the case by the offices involved"),
             "deadlines": _("Computing legal deadlines"),
             "handover": _("Handing the case over between offices"),
             "consent_sharing": _("Sharing data with recipients the person consented to"),
             "audit": _("Proof of the processing and data security (audit trail)")}
    return names.get(key, key)


def subject_label(subject: str) -> str:
    """What was read: the case, a task, a handover package, ..."""
    kind, _sep, ident = subject.partition(":")
    names = {"case": _("Case view"), "case_list": _("Case list"),
             "access_report": _("Access report"), "task": _("Task"),
             "handover": _("Handover package or appointment"),
             "clarification": _("Clarification of an agency file"),
             "import_original": _("Original agency file")}
    name = names.get(kind, kind)
    return f"{name} {ident}" if ident else name


def channel_label(channel: str) -> str:
    """Through which channel: page, API, command line."""
    return {"page": _("page"), "api": _("API"), "cli": _("command line")}.get(channel, channel)


def recipient_kind_label(kind: str) -> str:
    """How a team received the data."""
    return {"handover": _("received a handover package"),
            "tasks": _("had tasks on the case")}.get(kind, kind)


def privacy_helpers() -> dict[str, Callable[..., Any]]:
    """The functions the personal-data templates call."""
    return {"purpose_label": purpose_label, "subject_label": subject_label,
            "channel_label": channel_label, "recipient_kind_label": recipient_kind_label,
            "field_label": field_label, "show_value": show_value}
