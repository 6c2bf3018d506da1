"""Messages from outside (BAMF, Ausländerbehörde, course providers, other systems), in any
order: delivered to the case instance that waits for them, or kept for a case that will wait
for them and used when it gets there; refused (409) when the case can never use them. A
sender's ``message_id`` makes a resend change nothing. Payloads are checked against the
message's JSON Schema before anything is kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal, overload

from SpiffWorkflow.bpmn.util import BpmnEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.definitions import deploy
from engine.errors import Conflict, InvalidInput, MessageNotUsable, NotFound
from engine.execution import cases, inbound, messages
from engine.execution.unit import UnitOfWork
from engine.model import CaseInfo, Receipt
from engine.persistence.inbound import InboundMessage
from engine.persistence.models import Case, MessageWait, ProcessInstance
from engine.services.context import SYSTEM_ACTOR, EngineContext, check_json
from engine.states import InboundState, InstanceStatus

REVIEW_PROCESS = "outside_event_review"
REVIEW_FALLBACK_TEAM = "eingangszone"  # a message nobody registered: the reception desk
HAND = "hand"  # source of an outside event a caseworker recorded on the case page


class MessageService:
    """``staffel.messages``: one method, one transaction."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    @overload
    def correlate(self, name: str, payload: dict[str, Any] | None, *,
                  case_id: str | None = None, correlation: dict[str, Any] | None = None,
                  actor: str = SYSTEM_ACTOR, summary: Literal[True] = True) -> CaseInfo: ...

    @overload
    def correlate(self, name: str, payload: dict[str, Any] | None, *,
                  case_id: str | None = None, correlation: dict[str, Any] | None = None,
                  actor: str = SYSTEM_ACTOR, summary: Literal[False]) -> None: ...

    def correlate(self, name: str, payload: dict[str, Any] | None, *,
                  case_id: str | None = None, correlation: dict[str, Any] | None = None,
                  actor: str = SYSTEM_ACTOR, summary: bool = True) -> CaseInfo | None:
        """Deliver a message to the case instance that waits for it (NotFound if none does).

        Returns the case view after the delivery; with ``summary=False`` nothing (the view
        costs about five statements that a caller who does not show it should not pay)."""
        payload = check_message(name, payload)
        with self.ctx.unit(actor) as uow:
            case = cases.find_case(uow.session, case_id, correlation)
            waits = messages.find_waiting(uow.session, case.id, name)
            if not waits:
                raise NotFound(f"case {case.case_number} is not waiting for message {name!r}")
            self._deliver_to(uow, case, name, payload, waits)
            return self._info(uow, case) if summary else None

    def receive(self, name: str, payload: dict[str, Any] | None, *,
                case_id: str | None = None, correlation: dict[str, Any] | None = None,
                message_id: str | None = None, actor: str = SYSTEM_ACTOR,
                source: str = "api", summary: bool = True) -> Receipt:
        """Take a message for a case: deliver it now, or keep it until the case waits for it.

        Conflict (409) when the case is closed or none of its processes can ever use the
        message; NotFound for an unknown case; InvalidInput for a bad payload or message id.
        With ``summary=False`` the receipt's case is :func:`~engine.execution.cases.case_brief`
        (identity, stage, status; no deadlines, tasks, handovers, waits or kept messages).
        """
        payload = check_message(name, payload)
        check_message_id(message_id)
        with self.ctx.unit(actor) as uow:
            return self.receive_in(uow, name, payload, case_id=case_id,
                                   correlation=correlation, message_id=message_id,
                                   source=source, summary=summary)

    def usable(self, case_id: str) -> list[str]:
        """The message names this case waits for now, or will wait for and has not had yet
        (sorted); empty for a closed case. What a caseworker may record by hand."""
        with self.ctx.db.read() as session:
            case = cases.find_case(session, case_id, None)
            if case.closed_at is not None:
                return []
            names: set[str] = set()
            for version_id in self._running_versions(session, case):
                names.update(self.ctx.specs.message_names(session, version_id))
            waited = set(session.scalars(select(MessageWait.message_name).where(
                MessageWait.case_id == case.id)))
            had = set(session.scalars(select(InboundMessage.name).where(
                InboundMessage.case_id == case.id,
                InboundMessage.state.in_((InboundState.DELIVERED, InboundState.USED,
                                          InboundState.BUFFERED)))))
            return sorted(waited | (names - had))

    def schema(self, case_id: str, name: str) -> dict[str, Any] | None:
        """The JSON Schema of message ``name`` as the case's process version defines it
        (NotFound when the case will never use the message)."""
        with self.ctx.db.read() as session:
            case = cases.find_case(session, case_id, None)
            for version_id in self._running_versions(session, case):
                if name in self.ctx.specs.message_names(session, version_id):
                    return self.ctx.schemas.message(session, version_id, name)
        raise NotFound(f"case {case.case_number} will never use message {name!r}")

    def receive_in(self, uow: UnitOfWork, name: str, payload: dict[str, Any], *,
                   case_id: str | None = None, correlation: dict[str, Any] | None = None,
                   message_id: str | None = None, source: str = "api",
                   summary: bool = True) -> Receipt:
        """:meth:`receive` inside a unit of work the caller holds (the import bookkeeping)."""
        info = self._info if summary else self._brief
        case = cases.find_case(uow.session, case_id, correlation)
        if message_id is not None:
            earlier = inbound.find_by_message_id(uow.session, name, message_id)
            if earlier is not None:
                if earlier.case_id != case.id:
                    raise Conflict(f"message id {message_id!r} was used for another case", [
                        {"field": "message_id", "message": "already used for another case"}])
                return Receipt("duplicate", info(uow, case), name, message_id,
                               earlier.state, earlier.expires_at)
        if case.closed_at is not None:
            raise MessageNotUsable(
                f"case {case.case_number} is closed (stage {case.stage}): "
                f"message {name!r} can no longer be used",
                [{"field": "name", "message": "the case is closed", "stage": case.stage}],
                message_de=f"Fall {case.case_number} ist abgeschlossen (Stufe {case.stage}): "
                           f"die Meldung „{name}“ kann nicht mehr verwendet werden")
        waits = messages.find_waiting(uow.session, case.id, name)
        by_hand = {"recorded_by": uow.actor} if source == HAND else {}
        if waits:
            element = self._deliver_to(uow, case, name, payload, waits,
                                       source=source, **by_hand)
            inbound.record(uow, case, name, payload, state=InboundState.DELIVERED,
                           message_id=message_id, source=source, element_id=element)
            return Receipt("delivered", info(uow, case), name, message_id,
                           InboundState.DELIVERED)
        version_id = self._usable_by(uow.session, case, name)
        self.ctx.schemas.validate_message(uow.session, version_id, name, payload)
        keep = timedelta(days=self.ctx.outside_events.keep_days(name))
        row = inbound.record(uow, case, name, payload, state=InboundState.BUFFERED,
                             message_id=message_id, source=source, keep=keep)
        uow.record("message_buffered", case_id=case.id, message=name, inbound=row.id,
                   expires_at=row.expires_at.isoformat() if row.expires_at else None,
                   fields=sorted(payload), source=source, **by_hand)
        return Receipt("buffered", info(uow, case), name, message_id,
                       InboundState.BUFFERED, row.expires_at)

    def expire_kept(self, limit: int = 100) -> int:
        """Kept messages whose time ran out become a task for the team expected to act on them
        (process ``outside_event_review``): never a silent drop. Returns how many expired.

        Runs with every timer sweep: a read-only look-up when nothing is due, so the sweep
        takes no write lock for it. Without the review process deployed nothing expires: the
        messages stay kept until it is.
        """
        with self.ctx.db.read() as session:
            if not inbound.any_expired(session, self.ctx.time.now(session)):
                return 0
        with self.ctx.unit(SYSTEM_ACTOR) as uow:
            version = deploy.latest_version(uow.session, REVIEW_PROCESS)
            if version is None:
                return 0
            rows = inbound.expire_due(uow, limit)
            for row in rows:
                case = uow.session.get(Case, row.case_id)
                if case is None:  # FK: always there
                    continue
                event = self.ctx.outside_events.get(row.name)
                team = event.expected_team if event else REVIEW_FALLBACK_TEAM
                data = {"case_id": case.id, "land": case.land, "entry": case.entry,
                        "review_team": team, "expired_message": row.name,
                        "expired_label": event.label_de if event else row.name,
                        "received_at": row.received_at.isoformat(),
                        "message_payload": dict(row.payload or {})}
                self.ctx.runtime.start(uow, case, version, data).save()
                uow.record("buffered_message_expired", case_id=case.id, message=row.name,
                           inbound=row.id, team=team)
            return len(rows)

    def _usable_by(self, session: Session, case: Case, name: str) -> int:
        """The process version of the case that can use ``name`` (Conflict if none can)."""
        for version_id in self._running_versions(session, case):
            if name in self.ctx.specs.message_names(session, version_id):
                return version_id
        raise MessageNotUsable(
            f"case {case.case_number} (stage {case.stage}) will never use message {name!r}: "
            "none of its processes waits for it",
            [{"field": "name", "message": "no process of this case uses it",
              "stage": case.stage}],
            message_de=f"Fall {case.case_number} (Stufe {case.stage}) wird die Meldung „{name}“ "
                       "nie verwenden: keiner seiner Prozesse wartet darauf")

    @staticmethod
    def _running_versions(session: Session, case: Case) -> list[int]:
        return list(session.scalars(select(ProcessInstance.process_version_id).where(
            ProcessInstance.case_id == case.id,
            ProcessInstance.status == InstanceStatus.RUNNING)))

    def _deliver_to(self, uow: UnitOfWork, case: Case, name: str, payload: dict[str, Any],
                    waits: list[tuple[MessageWait, ProcessInstance]], **details: Any) -> str:
        """Deliver to the instance of the first wait; the element that waited."""
        wait, instance = waits[0]
        run = self.ctx.runtime.load(uow, instance.id, instance)
        self.ctx.schemas.validate_message(uow.session, run.row.process_version_id, name, payload)
        waiting = [t for t in messages.waiting_message_tasks(run.workflow)
                   if messages.message_definition(t, name) is not None]
        if not waiting:
            # The wait row said yes but the restored state says no: the projection is behind
            # (a concurrent step moved on); the caller gets the same answer as for no wait.
            raise NotFound(f"case {case.case_number} is not waiting for message {name!r}")
        definition = messages.message_definition(waiting[0], name)
        run.caught.append(name)
        run.advance(lambda wf: wf.catch(BpmnEvent(definition, payload)))
        uow.record("message_correlated", case_id=case.id, instance_id=run.row.id,
                   element_id=wait.element_id, message=name, fields=sorted(payload),
                   **details)
        run.save()
        return wait.element_id

    def _info(self, uow: UnitOfWork, case: Case) -> CaseInfo:
        return cases.case_info(uow.session, case, uow.now, self.ctx.outside_events)

    @staticmethod
    def _brief(uow: UnitOfWork, case: Case) -> CaseInfo:
        return cases.case_brief(uow.session, case)


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


def check_message_id(message_id: Any) -> None:
    """InvalidInput unless ``message_id`` is None or 1-200 printable characters."""
    if message_id is None:
        return
    if not isinstance(message_id, str) or not 0 < len(message_id) <= 200 \
            or not message_id.isprintable():
        raise InvalidInput("message_id must be 1 to 200 printable characters",
                           [{"field": "message_id", "message": "1 to 200 printable characters"}])
