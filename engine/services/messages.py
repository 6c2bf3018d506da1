"""Messages from outside (BAMF, Ausländerbehörde, course providers, other systems): delivered
to the case instance that waits for them, validated against the message's JSON Schema."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.util import BpmnEvent

from engine.errors import InvalidInput, NotFound
from engine.execution import cases, messages
from engine.execution.runtime import UnitOfWork
from engine.model import CaseInfo
from engine.services.context import SYSTEM_ACTOR, EngineContext, check_json


class MessageService:
    """``staffel.messages``: one method, one transaction."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def correlate(self, name: str, payload: dict[str, Any] | None, *,
                  case_id: str | None = None, correlation: dict[str, Any] | None = None,
                  actor: str = SYSTEM_ACTOR) -> CaseInfo:
        """Deliver a message to the case instance that waits for it (NotFound if none does)."""
        payload = check_message(name, payload)
        with self.ctx.unit(actor) as uow:
            return self.deliver(uow, name, payload, case_id=case_id, correlation=correlation)

    def deliver(self, uow: UnitOfWork, name: str, payload: dict[str, Any], *,
                case_id: str | None = None,
                correlation: dict[str, Any] | None = None) -> CaseInfo:
        """The delivery inside a unit of work the caller holds.

        For other services that write their own rows in the same transaction (the import
        bookkeeping), so that delivery and bookkeeping commit together or not at all.
        """
        case = cases.find_case(uow.session, case_id, correlation)
        waits = messages.find_waits(uow.session, case.id, name)
        if not waits:
            raise NotFound(f"case {case.case_number} is not waiting for message {name!r}")
        run = self.ctx.runtime.load(uow, waits[0].instance_id)
        self.ctx.schemas.validate_message(uow.session, run.row.process_version_id, name, payload)
        waiting = [t for t in messages.waiting_message_tasks(run.workflow)
                   if messages.message_definition(t, name) is not None]
        if not waiting:
            # The wait row said yes but the restored state says no: the projection is behind
            # (a concurrent step moved on); the caller gets the same answer as for no wait.
            raise NotFound(f"case {case.case_number} is not waiting for message {name!r}")
        definition = messages.message_definition(waiting[0], name)
        run.advance(lambda wf: wf.catch(BpmnEvent(definition, payload)))
        uow.record("message_correlated", case_id=case.id, instance_id=run.row.id,
                   element_id=waits[0].element_id, message=name, fields=sorted(payload))
        run.save()
        return cases.case_info(uow.session, case, uow.now)


def check_message(name: Any, payload: Any) -> dict[str, Any]:
    """The payload of a message after the checks every delivery needs (InvalidInput)."""
    if not isinstance(name, str) or not name:
        raise InvalidInput("message name is required", [{"field": "name",
                                                        "message": "is required"}])
    payload = payload or {}
    if not isinstance(payload, dict):
        raise InvalidInput("payload must be an object", [{"field": "payload",
                                                         "message": "must be an object"}])
    check_json("payload", payload)
    return payload
