"""The notifier adapters against a real local SMTP server (aiosmtpd), the console notifier, the
choice made from the app config, and reminders travelling from the engine to the mailbox."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from adapters import notifier_from_config, smtp_settings, team_emails
from adapters.notify_console import ConsoleNotifier
from adapters.notify_smtp import SmtpNotifier, SmtpSettings
from engine import Staffel
from engine.ports import DeliveryError, Notification
from tests.adapters.conftest import SmtpServer
from tests.engine.supervision.test_dashboard import basic, open_engine

NOTE = Notification("task_overdue", "5f0c-task", "ST-2027-000042", "Register person",
                    datetime(2027, 3, 4, 23, tzinfo=UTC), "sozialamt")


def settings(server: SmtpServer, **kw: object) -> SmtpSettings:
    values: dict[str, object] = {"host": "127.0.0.1", "port": server.port,
                                 "sender": "staffel@stadt.example",
                                 "team_emails": {"sozialamt": "sozialamt@stadt.example",
                                                 "supervisor": "teamleitung@stadt.example"}}
    values.update(kw)
    return SmtpSettings(**values)  # type: ignore[arg-type]


def test_an_email_reaches_the_team_mailbox(smtp_server: SmtpServer) -> None:
    SmtpNotifier(settings(smtp_server)).send(NOTE)
    [(sender, to, msg)] = smtp_server.inbox.messages
    assert (sender, to) == ("staffel@stadt.example", ["sozialamt@stadt.example"])
    assert msg["Subject"] == "Staffel: Frist überschritten – Fall ST-2027-000042"
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Message-ID"]
    body = msg.get_content().replace("\r\n", "\n")
    assert body.startswith("Fall: ST-2027-000042\nAufgabe: Register person\n"
                           "Fällig am: 04.03.2027\n")


def test_the_users_own_addresses_come_first(smtp_server: SmtpServer) -> None:
    note = Notification("handover_overdue", "handover:ST-1:k", "ST-1", "Übergabe bestätigen",
                        NOTE.due_at, "supervisor", None, ("a@stadt.example", "b@stadt.example"))
    SmtpNotifier(settings(smtp_server)).send(note)
    [(_sender, to, msg)] = smtp_server.inbox.messages
    assert to == ["a@stadt.example", "b@stadt.example"]
    assert msg["To"] == "a@stadt.example, b@stadt.example"


def test_starttls_is_used_and_verified(tls_smtp_server: SmtpServer) -> None:
    SmtpNotifier(settings(tls_smtp_server, starttls=True, cafile=tls_smtp_server.cafile)
                 ).send(NOTE)
    assert len(tls_smtp_server.inbox.messages) == 1
    # a certificate we do not trust
    untrusted_cert = r"^cannot reach the mail server: SSLCertVerificationError$"
    with pytest.raises(DeliveryError, match=untrusted_cert) as untrusted:
        SmtpNotifier(settings(tls_smtp_server, starttls=True)).send(NOTE)
    assert untrusted.value.permanent is False
    with pytest.raises(DeliveryError,  # the server insists on STARTTLS
                       match=r"^the mail server answered 530$"):
        SmtpNotifier(settings(tls_smtp_server)).send(NOTE)
    assert len(tls_smtp_server.inbox.messages) == 1


def test_failures_say_whether_a_retry_can_help(smtp_server: SmtpServer) -> None:
    no_mailbox = Notification("task_overdue", "t", "ST-1", "x", NOTE.due_at, "kurstraeger")
    with pytest.raises(DeliveryError, match=re.escape(
            "no e-mail address for team:kurstraeger (set TEAM_EMAILS")) as missing:
        SmtpNotifier(settings(smtp_server)).send(no_mailbox)
    assert missing.value.permanent is True
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    down = SmtpNotifier(SmtpSettings("127.0.0.1", "staffel@stadt.example", port=closed_port,
                                     timeout=2, team_emails={"sozialamt": "s@stadt.example"}))
    refused = r"^cannot reach the mail server: ConnectionRefusedError$"
    with pytest.raises(DeliveryError, match=refused) as unreachable:
        down.send(NOTE)
    assert unreachable.value.permanent is False
    with pytest.raises(ValueError, match="STARTTLS"):
        SmtpNotifier(SmtpSettings("h", "f@x.example", username="u", password="p"))


def test_the_console_notifier_prints_no_addresses() -> None:
    out = io.StringIO()
    notifier = ConsoleNotifier(out)
    notifier.send(Notification("task_overdue", "t1", "ST-9", "Register person", NOTE.due_at,
                               "sozialamt", "cw_soz", ("cw.soz@stadt.example",)))
    text = out.getvalue()
    assert text.startswith("[staffel reminder] to user:cw_soz, 1 address(es): Staffel: ")
    assert "Fällig am: 04.03.2027" in text and "@" not in text
    assert len(notifier.sent) == 1


def test_the_notifier_is_chosen_from_the_config(smtp_server: SmtpServer) -> None:
    assert isinstance(notifier_from_config({}), ConsoleNotifier)
    assert notifier_from_config({"NOTIFIER": "none"}) is None
    smtp = notifier_from_config({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port),
                                 "SMTP_FROM": "staffel@stadt.example", "SMTP_STARTTLS": "false",
                                 "TEAM_EMAILS": '{"sozialamt": "soz@stadt.example"}'})
    assert isinstance(smtp, SmtpNotifier)
    assert smtp.settings.port == smtp_server.port and smtp.settings.starttls is False
    assert smtp.settings.team_emails == {"sozialamt": "soz@stadt.example"}
    recorder = ConsoleNotifier(io.StringIO())
    assert notifier_from_config({"NOTIFIER": recorder}) is recorder
    assert smtp_settings({"SMTP_HOST": "h", "SMTP_FROM": "f@x.example",
                          "SMTP_STARTTLS": True}).starttls is True
    with pytest.raises(ValueError, match="SMTP_HOST and SMTP_FROM"):
        notifier_from_config({"NOTIFIER": "smtp"})
    with pytest.raises(ValueError, match="unknown teams"):
        team_emails('{"nobody": "n@x.example"}')
    with pytest.raises(ValueError, match="JSON object"):
        team_emails('["soz@x.example"]')
    with pytest.raises(ValueError, match="unknown NOTIFIER"):
        notifier_from_config({"NOTIFIER": "pigeon"})


def test_engine_reminders_arrive_by_smtp_once(make_engine: Callable[..., Staffel],
                                              smtp_server: SmtpServer) -> None:
    engine = open_engine(make_engine)
    case = basic(engine)
    engine.context.notifier = SmtpNotifier(settings(smtp_server))
    engine.clock.advance(to=datetime(2027, 3, 4, 23, tzinfo=UTC))
    for _ in range(3):
        engine.supervision.send_reminders()
    [(_sender, to, msg)] = smtp_server.inbox.messages
    assert to == ["sozialamt@stadt.example"]
    assert case.case_number in msg["Subject"]
    body = msg.get_content().replace("\r\n", "\n")
    assert "Register person" in body and "04.03.2027" in body and "Haddad" not in body
