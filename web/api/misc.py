"""``/api/v1/messages``, ``/api/v1/clock`` and ``/api/v1/process-definitions``."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask_smorest import Blueprint

from engine import Conflict, InvalidInput
from web import authz
from web.api.common import actor, engine, errors, protect
from web.api.durations import MAX_DURATION, parse_duration
from web.api.schemas import (
    ClockAdvancedSchema,
    ClockAdvanceSchema,
    ClockSchema,
    MessageAcceptedSchema,
    MessageSchema,
    ProcessDefinitionListSchema,
)

log = logging.getLogger("staffel.api")
blp = protect(Blueprint("system", __name__, url_prefix="/api/v1",
                        description="Messages from outside, the clock, process definitions."))


@blp.post("/messages")
@blp.arguments(MessageSchema)
@blp.response(200, MessageAcceptedSchema)
@blp.alt_response(202, schema=MessageAcceptedSchema,
                  description="kept for the case until it waits for the message")
@errors(blp, 400, 401, 403, 404, 409)
def send_message(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Give a case (by id or BAMF Aktenzeichen) a message from outside, in any order.

    200 when the case waited and took it; 202 when it is kept ("stored, will be used when the
    case gets there") until the case reaches the step that waits for it; 200 with outcome
    ``duplicate`` when the same ``message_id`` came before (nothing changes). 409 when the
    case is closed or none of its processes ever waits for this message (the reason names
    the case's stage); 404 for an unknown case; 422 for an invalid payload.

    Senders: admins (integration tokens), and caseworkers/team leads for cases their teams
    work on, each team its own messages: permit_issued, duldung_issued, training_contract:
    auslaenderbehoerde; bamf_decision: eingangszone, sozialamt, auslaenderbehoerde;
    course_started, course_result: kurstraeger, jc_vermittlung; sgb2_application_received:
    jc_leistung (403 otherwise).
    """
    who = actor()
    case_id = authz.authorize_message(engine(), who, body.get("case_id"),
                                      body.get("correlation"), body.get("name"))
    receipt = engine().messages.receive(body["name"], body["payload"], case_id=case_id,
                                        message_id=body.get("message_id"), actor=who.username,
                                        summary=False)  # the answer names only the case
    case = receipt.case
    log.info("message %s for case %s by %s: %s", body["name"], case.case_number,
             who.username, receipt.outcome)
    answer = {"outcome": receipt.outcome, "state": receipt.state, "message": receipt.message,
              "message_id": receipt.message_id, "expires_at": receipt.expires_at,
              "case_id": case.id, "case_number": case.case_number, "stage": case.stage,
              "status": case.status}
    return answer, 202 if receipt.outcome == "buffered" else 200


@blp.get("/clock")
@blp.response(200, ClockSchema)
@errors(blp, 401)
def get_clock() -> dict[str, Any]:
    """The engine time and whether the clock is simulated."""
    return {"now": engine().clock.now(), "mode": engine().clock.mode()}


@blp.post("/clock/advance")
@blp.arguments(ClockAdvanceSchema)
@blp.response(200, ClockAdvancedSchema)
@errors(blp, 400, 401, 403, 409)
def advance_clock(body: dict[str, Any]) -> dict[str, Any]:
    """Move the simulated clock (admins), firing every timer due on the way, in due order.

    "by" is an ISO 8601 duration in weeks/days/hours/minutes/seconds (months and years are
    rejected with 422: give "to" instead). At most 3660 days per call. 409 when the engine
    runs on the system clock.
    """
    who = actor()
    authz.require(authz.can_advance_clock(who), "only admins move the clock")
    if engine().clock.mode() != "simulated":
        raise Conflict("the clock can only be moved when the simulated clock is configured")
    now = engine().clock.now()
    if "by" in body:
        delta = parse_duration(body["by"])
        target, fired = engine().clock.advance(by=delta, actor=who.username)
    else:
        to: datetime = body["to"]
        _check_target(to - now)
        target, fired = engine().clock.advance(to=to, actor=who.username)
    log.info("clock advanced to %s by %s; %d timer(s) fired", target.isoformat(),
             who.username, fired)
    return {"now": target, "fired": fired}


def _check_target(delta: Any) -> None:
    if delta.total_seconds() < 0:
        raise InvalidInput("the simulated clock cannot go back",
                           [{"field": "to", "message": "lies before the current engine time"}])
    if delta > MAX_DURATION:
        raise InvalidInput("the clock can move at most 3660 days at once",
                           [{"field": "to", "message": f"at most {MAX_DURATION.days} days "
                             "after the current engine time"}])


@blp.get("/process-definitions")
@blp.response(200, ProcessDefinitionListSchema)
@errors(blp, 401, 403)
def process_definitions() -> dict[str, Any]:
    """Every deployed process version (key, version, deployed_at), newest first per key."""
    authz.require(authz.can_read_definitions(actor()), "your role may not list definitions")
    return {"items": engine().definitions.versions()}
