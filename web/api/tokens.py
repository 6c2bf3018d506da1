"""``/api/v1/auth/token``: exchange a username and password for a bearer token, or revoke it."""

from __future__ import annotations

import logging
from typing import Any

from flask_smorest import Blueprint
from werkzeug.exceptions import TooManyRequests, Unauthorized

from engine import IssuedToken
from web.api.common import engine, errors
from web.api.schemas import TokenRequestSchema, TokenSchema
from web.auth import bearer_token, require_api_actor
from web.throttle import SignInThrottled, authenticate

log = logging.getLogger("staffel.auth")
blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth",
                description="Bearer tokens for the API (valid 12 hours).")


@blp.post("/token")
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenSchema)
@blp.doc(security=[])
@errors(blp, 400, 401, 429)
def issue_token(body: dict[str, Any]) -> IssuedToken:
    """Get a bearer token (send it as 'Authorization: Bearer <token>'); 401 if wrong; 429 with
    Retry-After after too many failed sign-ins for the account or from the address."""
    try:
        user = authenticate(engine(), body["username"], body["password"], "token request")
    except SignInThrottled as refused:
        raise TooManyRequests(f"too many failed sign-ins; try again in {refused.retry_after} "
                              "seconds", retry_after=refused.retry_after) from None
    if user is None:
        raise Unauthorized("wrong username or password")
    issued = engine().people.issue_token(user.username)
    log.info("token issued for user %s", user.username)
    return issued


@blp.delete("/token")
@blp.response(204)
@errors(blp, 401)
def revoke_token() -> None:
    """Revoke the token this request carries (log out)."""
    require_api_actor()  # 401 without a valid bearer token, so there is one below
    engine().people.revoke_token(bearer_token() or "")
