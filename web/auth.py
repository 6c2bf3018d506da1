"""Authentication: who is asking. Web sessions (Flask-Login, CSRF-protected forms) for the
pages, bearer tokens for the JSON API. What that person may do is decided in
:mod:`web.authz`, nowhere else.

* Pages: :func:`login` / :func:`logout` and the :func:`page_login_required` decorator. The
  signed cookie holds a random session id only; the session lives on the server
  (``staffel.logins``) and is checked on every request, so sign-out ends it for good (an old
  copy of the cookie opens nothing), and a password change or deactivation ends all sessions
  of the user. Sign-ins are throttled (:mod:`web.throttle`).
* API: ``Authorization: Bearer <token>`` only (session cookies are ignored there, which is why
  the API may be exempt from CSRF). :func:`api_auth_required` answers 401 otherwise.
* :func:`current_actor` returns the same small :class:`Actor` for both.

Only usernames are logged, never names of persons; a failed sign-in only by a keyed hash.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from engine import Staffel, UserInfo
from web import throttle

log = logging.getLogger("staffel.auth")
SESSION_IDLE_MINUTES = 720  # a page session unused this long has ended (setting)
F = TypeVar("F", bound=Callable[..., Any])
SUPERVISOR_TEAM = "supervisor"


@dataclass(frozen=True)
class Actor:
    """The person behind a request: username, roles and teams (effective, see below).

    A supervisor is always also a member of the ``supervisor`` team (Teamleitung), which
    receives the escalations of overdue steps.
    """

    username: str
    roles: frozenset[str]
    teams: frozenset[str]

    def has_role(self, *roles: str) -> bool:
        """True if the actor has any of ``roles``."""
        return bool(self.roles & set(roles))


def actor_from_user(user: UserInfo) -> Actor:
    """Build the effective actor of a stored user."""
    teams = set(user.teams)
    if "supervisor" in user.roles:
        teams.add(SUPERVISOR_TEAM)
    return Actor(user.username, frozenset(user.roles), frozenset(teams))


class SessionUser(UserMixin):
    """What Flask-Login keeps for a logged-in page user: the actor and the server session."""

    def __init__(self, actor: Actor, session_id: str) -> None:
        self.actor = actor
        self.session_id = session_id

    def get_id(self) -> str:
        """The cookie stores the random session id only (not the username)."""
        return self.session_id


def _engine() -> Staffel:
    return _engine_of(current_app)


def _engine_of(app: Flask) -> Staffel:
    engine: Staffel = app.extensions["staffel"]
    return engine


def init_auth(app: Flask) -> None:
    """Set up Flask-Login and CSRF protection (the API blueprints are exempted in web.api)."""
    manager = LoginManager()
    manager.init_app(app)
    manager.session_protection = "strong"
    app.config.setdefault("SESSION_IDLE_MINUTES", SESSION_IDLE_MINUTES)
    throttle.init_throttle(app.config)

    @manager.user_loader
    def _load(session_id: str) -> SessionUser | None:
        idle = timedelta(minutes=float(current_app.config["SESSION_IDLE_MINUTES"]))
        user = _engine().logins.session_user(session_id, idle)
        if user is None:  # ended, idle, deactivated, or a cookie from before sessions
            return None
        return SessionUser(actor_from_user(user), session_id)

    @manager.unauthorized_handler
    def _unauthorized() -> ResponseReturnValue:
        return _login_redirect_or_401()

    app.extensions["staffel_csrf"] = CSRFProtect(app)


def _login_redirect_or_401() -> ResponseReturnValue:
    view = current_app.config.get("LOGIN_VIEW", "pages.login")
    if view in current_app.view_functions:
        return redirect(url_for(view, next=request.full_path.rstrip("?")))
    raise Unauthorized("please log in")


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_actor() -> Actor | None:
    """The actor of the request's bearer token (checked once per request), or None."""
    if "staffel_token_actor" not in g:
        token = bearer_token()
        user = _engine().people.user_for_token(token) if token else None
        g.staffel_token_actor = actor_from_user(user) if user is not None else None
    return cast(Actor | None, g.staffel_token_actor)


def session_actor() -> Actor | None:
    """The actor of the logged-in page session, or None."""
    if current_user and current_user.is_authenticated:
        return cast(Actor, current_user.actor)
    return None


def current_actor() -> Actor | None:
    """The actor of this request: bearer token first, then the page session."""
    return token_actor() or session_actor()


class TokenRequired(Unauthorized):
    """401 with ``WWW-Authenticate: Bearer`` for API requests without a valid token."""

    def __init__(self, description: str) -> None:
        super().__init__(description, www_authenticate=WWWAuthenticate("bearer"))


def require_api_actor() -> Actor:
    """Return the bearer-token actor or raise 401."""
    if bearer_token() is None:
        raise TokenRequired("send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)")
    actor = token_actor()
    if actor is None:
        raise TokenRequired("the token is invalid or has expired; get a new one")
    return actor


def api_auth_required(view: F) -> F:
    """Decorator for API views: 401 without a valid bearer token."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        require_api_actor()
        return view(*args, **kwargs)
    return cast(F, wrapper)


def page_login_required(view: F) -> F:
    """Decorator for page views: redirect to the login page (or 401) without a session."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if session_actor() is None:
            return _login_redirect_or_401()
        return view(*args, **kwargs)
    return cast(F, wrapper)


def login(username: str, password: str, remember: bool = False) -> Actor | None:
    """Check the password (throttled) and start a page session; None (and a log line) when it
    fails, :class:`web.throttle.SignInThrottled` after too many failures."""
    engine = _engine()
    user = throttle.authenticate(engine, username, password, "login")
    if user is None:
        return None
    actor = actor_from_user(user)
    login_user(SessionUser(actor, engine.logins.start_session(user.username)),
               remember=remember)
    log.info("user %s logged in", actor.username)
    return actor


def logout() -> None:
    """End the page session on the server and forget it in the cookie."""
    if current_user and current_user.is_authenticated:
        _engine().logins.end_session(current_user.session_id)
    logout_user()
