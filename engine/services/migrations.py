"""Migration of running cases to another version of their process: a dry run that says per
case whether it can move and why not, and the migration itself, each case in a transaction of
its own (audit ``instance_migrated``). History and diff are in ``staffel.definitions``."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.definitions import versions
from engine.errors import Conflict, InvalidInput, StaffelError
from engine.execution.runtime import Run
from engine.execution.spiff import load_state
from engine.execution.unit import UnitOfWork
from engine.persistence.models import Case, ProcessInstance, ProcessVersion
from engine.services.context import EngineContext
from engine.states import InstanceStatus

_TABLE = cast(Table, ProcessInstance.__table__)
RETARGET = (update(_TABLE)
            .where(_TABLE.c.id == bindparam("b_id"),
                   _TABLE.c.lock_version == bindparam("b_version"))
            .values(process_version_id=bindparam("version_id")))


class MigrationService:
    """``staffel.migrations``: dry run and migration of running cases."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    def dry_run(self, key: str, from_version: int, to_version: int,
                case_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """Per running instance of ``from_version``: can it move to ``to_version``, and why not."""
        with self.ctx.db.read() as session:
            old, new = _pair(session, key, from_version, to_version)
            rows = _instances(session, old, case_ids)
            new_bundle = self.ctx.specs.get(session, new.id)
            old_bundle = self.ctx.specs.get(session, old.id)
            report = []
            for row, case in rows:
                workflow = load_state(row.state, old_bundle, self.ctx.runtime.script_engine)
                where = versions.position(workflow)
                check = versions.check_migration(workflow, old, new, new_bundle)
                reasons = list(check.reasons)
                if not reasons:
                    try:
                        versions.retarget(workflow, new_bundle, self.ctx.runtime.script_engine)
                    except Exception as exc:  # reported per case, never raised
                        reasons.append(f"the state cannot be moved: {exc}")
                entry = _entry(case, row, not reasons, reasons)
                entry["position"] = where
                report.append(entry)
            report.extend(_missing(rows, case_ids))
            return report

    def migrate(self, key: str, from_version: int, to_version: int,
                case_ids: list[str] | None = None,
                actor: str = "system") -> list[dict[str, Any]]:
        """Move running instances of ``from_version`` to ``to_version``, each atomically.

        Instances that cannot move (or lose a race: optimistic lock) stay as they were and are
        reported with their reasons.
        """
        with self.ctx.db.read() as session:
            old, new = _pair(session, key, from_version, to_version)
            found = _instances(session, old, case_ids)
            targets = [(row.id, case.id, case.case_number) for row, case in found]
            listed = _missing(found, case_ids)
            old_id, new_id = old.id, new.id
        report = []
        for instance_id, case_id, case_number in targets:
            try:
                with self.ctx.unit(actor) as uow:
                    report.append(_migrate_one(self.ctx, uow, instance_id, old_id, new_id))
            except StaffelError as exc:
                report.append({"case_id": case_id, "case_number": case_number,
                               "instance_id": instance_id, "migratable": False,
                               "migrated": False, "reasons": [exc.message]})
        return report + listed


def _pair(session: Session, key: str, a: int, b: int) -> tuple[ProcessVersion, ProcessVersion]:
    if a == b:
        raise InvalidInput("from and to are the same version",
                           [{"field": "to", "message": "must differ from 'from'"}])
    return versions.get_version(session, key, a), versions.get_version(session, key, b)


def _instances(session: Session, version: ProcessVersion,
               case_ids: list[str] | None) -> list[tuple[ProcessInstance, Case]]:
    stmt = (select(ProcessInstance, Case).join(Case, Case.id == ProcessInstance.case_id)
            .where(ProcessInstance.process_version_id == version.id,
                   ProcessInstance.status == InstanceStatus.RUNNING)
            .order_by(Case.case_number, ProcessInstance.id))
    if case_ids is not None:
        stmt = stmt.where(ProcessInstance.case_id.in_(case_ids))
    return [(row, case) for row, case in session.execute(stmt)]


def _missing(rows: list[tuple[ProcessInstance, Case]],
             case_ids: list[str] | None) -> list[dict[str, Any]]:
    found = {case.id for _row, case in rows}
    return [{"case_id": cid, "case_number": None, "instance_id": None, "migratable": False,
             "migrated": False, "reasons": ["the case has no running instance of this version"]}
            for cid in sorted(set(case_ids or []) - found)]


def _entry(case: Case, row: ProcessInstance, ok: bool, reasons: list[str],
           migrated: bool = False) -> dict[str, Any]:
    return {"case_id": case.id, "case_number": case.case_number, "instance_id": row.id,
            "migratable": ok, "migrated": migrated, "reasons": reasons}


def _migrate_one(ctx: EngineContext, uow: UnitOfWork, instance_id: str, old_id: int,
                 new_id: int) -> dict[str, Any]:
    session = uow.session
    row = session.get(ProcessInstance, instance_id)
    case = session.get(Case, row.case_id) if row is not None else None
    if row is None or case is None or row.process_version_id != old_id \
            or row.status != InstanceStatus.RUNNING:
        raise Conflict("the instance changed meanwhile; run the migration again")
    old, new = session.get(ProcessVersion, old_id), session.get(ProcessVersion, new_id)
    if old is None or new is None:  # versions are never deleted; only a broken database
        raise Conflict("the process version is gone; run the migration again")
    run = ctx.runtime.load(uow, instance_id, row, finished=True)
    new_bundle = ctx.specs.get(session, new_id)
    check = versions.check_migration(run.workflow, old, new, new_bundle)
    if not check.ok:
        return _entry(case, row, False, check.reasons)
    try:
        moved = versions.retarget(run.workflow, new_bundle, ctx.runtime.script_engine)
    except Exception as exc:  # as in the dry run: reported for this case, nothing stored
        return _entry(case, row, False, [f"the state cannot be moved: {exc}"])
    result = session.connection().execute(RETARGET, {
        "b_id": row.id, "b_version": row.lock_version, "version_id": new_id})
    if result.rowcount != 1:
        raise Conflict("someone else changed this case at the same time; reload and retry")
    set_committed_value(row, "process_version_id", new_id)
    migrated = Run(uow, row, case, new.key, moved)
    migrated.open_before, migrated.timers_before, migrated.waits_before = (
        run.open_before, run.timers_before, run.waits_before)
    uow.record("instance_migrated", case_id=case.id, instance_id=row.id, element_id=new.key,
               from_version=old.version, to_version=new.version)
    migrated.save()
    return _entry(case, row, True, [], migrated=True)
