"""lean case state: finished subprocesses kept apart in the instance state (issue 16)

Every ``process_instances.state`` in the old form (``staffel-1/spiff-3.2``) is rewritten in the
lean form (``staffel-2/spiff-3.2``, see ``engine/execution/state_format.py``) and its
``serializer_version`` says so; the downgrade writes the old form back. Both are JSON
transformations (no SpiffWorkflow, no specs), in batches of 500 rows.

The state column is encrypted: the conversion decrypts and encrypts with the key ring of the
database handle that runs the migration (``Staffel.init_db`` / ``staffel`` commands attach it).
Run without keys (plain ``alembic upgrade`` from a URL), it converts nothing and says so: the
engine reads both forms, and every save writes the lean one. The same holds with
``STAFFEL_STATE_CONVERSION=later`` in the environment: a large installation (a Land: 500,000
instances, a few hundred rows per second, all in the upgrade's one transaction) can skip the
rewrite and let the states become lean on their next step.

Revision ID: 0018_lean_state
Revises: 0017_saved_filters
Create Date: 2026-12-05
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from engine.execution.state_format import LEAN_FORMAT, OLD_FORMAT, to_lean, to_old
from engine.persistence.crypto import EncryptedBlob, KeysError, ring_of

revision = "0018_lean_state"
down_revision = "0017_saved_filters"
branch_labels = None
depends_on = None

BATCH = 500
log = logging.getLogger("alembic.runtime.migration")

instances = sa.table(
    "process_instances",
    sa.column("id", sa.String(32)),
    sa.column("state", EncryptedBlob()),
    sa.column("serializer_version", sa.String(20)),
)


def convert(connection: sa.engine.Connection, convert_state: Callable[[bytes], bytes],
            target: str) -> int:
    """Rewrite every state not labelled ``target``, batch by batch in id order; the number
    of rows rewritten (0 without keys)."""
    pending = sa.select(instances.c.id).where(instances.c.serializer_version != target)
    if connection.execute(pending.limit(1)).first() is None:
        return 0
    if os.environ.get("STAFFEL_STATE_CONVERSION") == "later":
        log.warning("0018_lean_state: STAFFEL_STATE_CONVERSION=later; the instance states stay "
                    "in their form until their next step")
        return 0
    try:
        ring_of(connection.dialect)
    except KeysError:
        log.warning("0018_lean_state: no keys on this database handle; the instance states "
                    "stay in their form (the engine reads both and saves the lean one)")
        return 0
    select = (sa.select(instances.c.id, instances.c.state)
              .where(instances.c.serializer_version != target,
                     instances.c.id > sa.bindparam("after"))
              .order_by(instances.c.id).limit(BATCH))
    update = (sa.update(instances).where(instances.c.id == sa.bindparam("b_id"))
              .values(state=sa.bindparam("b_state"), serializer_version=target))
    done, after = 0, ""
    while True:
        rows = connection.execute(select, {"after": after}).all()
        if not rows:
            return done
        connection.execute(update, [{"b_id": row_id, "b_state": convert_state(state or b"")}
                                    for row_id, state in rows])
        done, after = done + len(rows), rows[-1][0]


def upgrade() -> None:
    """Old-form states become lean."""
    convert(op.get_bind(), to_lean, LEAN_FORMAT)


def downgrade() -> None:
    """Lean states go back to the old form."""
    convert(op.get_bind(), to_old, OLD_FORMAT)
