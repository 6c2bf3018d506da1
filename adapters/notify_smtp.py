"""Production notifier: one plain-text e-mail per reminder through an SMTP server (smtplib).

Settings (app config, from ``STAFFEL_*`` environment variables; see :func:`adapters.smtp_settings`):

=====================  ==========================================================
``SMTP_HOST``          mail server (required)
``SMTP_PORT``          port, default 25 (587 for submission with STARTTLS)
``SMTP_FROM``          sender address (required), e.g. ``staffel@stadt.example``
``SMTP_STARTTLS``      ``true`` to upgrade the connection with STARTTLS (verified)
``SMTP_USERNAME``      optional login (with ``SMTP_PASSWORD``), only after STARTTLS
``SMTP_CAFILE``        optional CA bundle to verify the server (internal CAs)
``SMTP_TIMEOUT``       seconds, default 10
``TEAM_EMAILS``        JSON object: team key -> mailbox, e.g. ``{"sozialamt": "…"}``
=====================  ==========================================================

Recipients: the addresses the engine put into the notification (the assignee's or the
supervisors' stored addresses), else the mailbox of the notification's team. No address at all
is a permanent :class:`DeliveryError` (retrying would not help); a refused recipient too; an
unreachable server or a temporary SMTP error is a passing one (the sweep tries again).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from engine import DeliveryError, Notification

FOOTER = ("\n--\nDiese Nachricht wurde von Staffel automatisch erstellt. Details sehen Sie "
          "nach der Anmeldung in Staffel.\n")


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server and whom to write to."""

    host: str
    sender: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None
    timeout: float = 10.0
    team_emails: Mapping[str, str] = field(default_factory=dict)


class SmtpNotifier:
    """A :class:`engine.ports.Notifier` that sends e-mail with :mod:`smtplib`."""

    def __init__(self, settings: SmtpSettings) -> None:
        if settings.username and not settings.starttls:
            raise ValueError("SMTP_USERNAME needs SMTP_STARTTLS: never send a password in clear")
        self.settings = settings

    def recipients(self, notification: Notification) -> tuple[str, ...]:
        """The addresses of a notification: its own, else the mailbox of its team."""
        if notification.emails:
            return notification.emails
        mailbox = self.settings.team_emails.get(notification.team)
        return (mailbox,) if mailbox else ()

    def message(self, notification: Notification, to: tuple[str, ...]) -> EmailMessage:
        """The e-mail of one notification."""
        msg = EmailMessage()
        msg["Subject"] = notification.subject
        msg["From"] = self.settings.sender
        msg["To"] = ", ".join(to)
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = make_msgid(domain=self.settings.sender.rpartition("@")[2] or None)
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(notification.body + FOOTER)
        return msg

    def send(self, notification: Notification) -> None:
        """Send one e-mail; raise :class:`DeliveryError` when it cannot be sent."""
        to = self.recipients(notification)
        if not to:
            raise DeliveryError(f"no e-mail address for {notification.recipient} "
                                f"(set TEAM_EMAILS or the user's address)", permanent=True)
        msg = self.message(notification, to)
        s = self.settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=s.cafile))
                if s.username:
                    smtp.login(s.username, s.password or "")
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError("the mail server refused every recipient",
                                permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"the mail server answered {exc.smtp_code}",
                                permanent=500 <= exc.smtp_code < 600
                                and exc.smtp_code not in (530, 535)) from exc
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"cannot reach the mail server: {type(exc).__name__}") from exc
