"""Sign-in throttling (issue 14, hole 4) for ``POST /login`` and ``POST /api/v1/auth/token``.

The rule (settings, defaults in :data:`DEFAULTS`): after ``LOGIN_ACCOUNT_LIMIT`` failed
sign-ins for one account, or ``LOGIN_ADDRESS_LIMIT`` from one client address, within
``LOGIN_WINDOW_MINUTES``, further attempts are refused, the right password included, until
enough failures have left the window (a sliding window); the answer is 429 with
``Retry-After``. A successful sign-in clears the account's failures.

The failures are counted in the database (``staffel.logins``), so every worker process of an
installation sees the same count, on the engine's wall clock (injectable, never the simulated
clock). Account and address are stored as HMAC-SHA-256 keyed with the installation's secret
key (the username lowercased), never in clear; the log names the first characters of that key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta
from typing import Any

from flask import current_app, request

from engine import Staffel, UserInfo

log = logging.getLogger("staffel.auth")
DEFAULTS: dict[str, Any] = {
    "LOGIN_ACCOUNT_LIMIT": 5,  # failed sign-ins per account in the window
    "LOGIN_ADDRESS_LIMIT": 20,  # failed sign-ins per client address in the window
    "LOGIN_WINDOW_MINUTES": 15,
}


class SignInThrottled(Exception):
    """Too many failed sign-ins: the attempt was refused without checking the password."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


def init_throttle(config: dict[str, Any]) -> None:
    """Fill in the throttle settings not given (environment or ``create_app`` config)."""
    for key, value in DEFAULTS.items():
        config.setdefault(key, value)


def _key(kind: str, value: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def account_key(username: str) -> str:
    """The stored key of an account: HMAC-SHA-256 of the lowercased, trimmed username."""
    return _key("account", username.strip().lower())


def address_key() -> str:
    """The stored key of the client address of this request."""
    return _key("address", request.remote_addr or "unknown")


def authenticate(engine: Staffel, username: str, password: str, what: str) -> UserInfo | None:
    """Check a sign-in under the throttle: the user, or None for a wrong username or password;
    :class:`SignInThrottled` when the account or address may not try now. ``what`` names the
    door in the log ("login", "token")."""
    config = current_app.config
    account = account_key(username)
    wait = engine.logins.begin_attempt(
        account, address_key(), account_limit=int(config["LOGIN_ACCOUNT_LIMIT"]),
        address_limit=int(config["LOGIN_ADDRESS_LIMIT"]),
        window=timedelta(minutes=float(config["LOGIN_WINDOW_MINUTES"])))
    if wait:
        log.warning("%s refused: too many failed sign-ins (account key %s…), retry in %d s",
                    what, account[:12], wait)
        raise SignInThrottled(wait)
    user = engine.people.authenticate(username, password)
    if user is None:
        log.warning("%s failed (account key %s…)", what, account[:12])
        return None
    engine.logins.attempt_succeeded(account)
    return user
