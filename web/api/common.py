"""Helpers shared by the API views: the engine of the app, the calling actor, error docs."""

from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from engine import Staffel
from web.auth import Actor, require_api_actor


def engine() -> Staffel:
    """The engine of the current app."""
    eng: Staffel = current_app.extensions["staffel"]
    return eng


def actor() -> Actor:
    """The bearer-token actor of the current request (401 without one)."""
    return require_api_actor()


def errors(blp: Blueprint, *codes: int) -> Callable[[Any], Any]:
    """Document the error answers a view gives, all in the one error shape."""
    def decorate(func: Any) -> Any:
        for code in codes:
            func = blp.alt_response(code, response=http.HTTPStatus(code).name)(func)
        return func
    return decorate


def protect(blp: Blueprint) -> Blueprint:
    """Require a valid bearer token for every view of a blueprint (401 before any parsing)."""
    def _check_token() -> None:
        require_api_actor()

    blp.before_request(_check_token)
    return blp
