"""Adapters: implementations of the engine's ports (``engine/ports.py``) for outside systems.

The app factory picks the notifier from the app config (:func:`notifier_from_config`):

* ``NOTIFIER = "smtp"`` — e-mail through :class:`adapters.notify_smtp.SmtpNotifier`
  (production; needs ``SMTP_HOST`` and ``SMTP_FROM``),
* ``NOTIFIER = "console"`` — :class:`adapters.notify_console.ConsoleNotifier` (development),
* ``NOTIFIER = "none"`` — no reminders at all (they are not marked as sent either).

Without ``NOTIFIER``, SMTP is used when ``SMTP_HOST`` is set, else the console.
Environment variables carry the prefix: ``STAFFEL_NOTIFIER``, ``STAFFEL_SMTP_HOST``, …,
``STAFFEL_TEAM_EMAILS='{"sozialamt": "sozialamt@stadt.example"}'``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.notify_console import ConsoleNotifier
from adapters.notify_smtp import SmtpNotifier, SmtpSettings
from engine import TEAM_KEYS, Notifier

TRUE = frozenset({"1", "true", "yes", "on"})


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in TRUE
    return bool(value)


def team_emails(value: Any) -> dict[str, str]:
    """Parse ``TEAM_EMAILS`` (a mapping or a JSON object text); unknown teams are an error."""
    if value in (None, ""):
        return {}
    mapping = json.loads(value) if isinstance(value, str) else value
    if not isinstance(mapping, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and "@" in v for k, v in mapping.items()):
        raise ValueError("TEAM_EMAILS must be a JSON object of team key -> e-mail address")
    unknown = sorted(set(mapping) - TEAM_KEYS)
    if unknown:
        raise ValueError(f"TEAM_EMAILS names unknown teams: {', '.join(unknown)}")
    return dict(mapping)


def smtp_settings(config: Mapping[str, Any]) -> SmtpSettings:
    """Read the SMTP settings of an app config (see :mod:`adapters.notify_smtp`)."""
    host, sender = config.get("SMTP_HOST"), config.get("SMTP_FROM")
    if not host or not sender:
        raise ValueError("the SMTP notifier needs SMTP_HOST and SMTP_FROM")
    return SmtpSettings(host=str(host), sender=str(sender),
                        port=int(config.get("SMTP_PORT") or 25),
                        starttls=_flag(config.get("SMTP_STARTTLS", False)),
                        username=config.get("SMTP_USERNAME") or None,
                        password=config.get("SMTP_PASSWORD") or None,
                        cafile=config.get("SMTP_CAFILE") or None,
                        timeout=float(config.get("SMTP_TIMEOUT") or 10.0),
                        team_emails=team_emails(config.get("TEAM_EMAILS")))


def notifier_from_config(config: Mapping[str, Any]) -> Notifier | None:
    """The notifier an app config asks for (None for ``NOTIFIER = "none"``).

    ``NOTIFIER`` may also be a notifier object itself (tests pass a recording one).
    """
    chosen = config.get("NOTIFIER")
    if chosen is not None and not isinstance(chosen, str) and hasattr(chosen, "send"):
        return chosen
    kind = str(chosen or ("smtp" if config.get("SMTP_HOST") else "console"))
    if kind == "none":
        return None
    if kind == "console":
        return ConsoleNotifier()
    if kind == "smtp":
        return SmtpNotifier(smtp_settings(config))
    raise ValueError(f"unknown NOTIFIER {kind!r}: use smtp, console or none")
