"""state columns name their allowed values: one CHECK constraint per state column

The values are those of the enums in engine/states.py, written out here so that this
migration stays as it is when an enum changes later (a new member needs a new migration that
replaces the constraint). Every value the code has ever written is in these lists; should a
database hold another one, the upgrade stops before changing anything and names it.

Revision ID: 0008_state_checks
Revises: 0007_reverts
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_state_checks"
down_revision = "0007_reverts"
branch_labels = None
depends_on = None

# (table, column, allowed values); the constraint is named ck_<table>_<column>
STATE_COLUMNS = (
    ("process_instances", "status", ("running", "completed", "error")),
    ("human_tasks", "state", ("open", "completed", "cancelled")),
    ("timers", "status", ("waiting", "claimed", "fired", "cancelled", "failed")),
    ("handovers", "state", ("proposed", "acknowledged")),
    ("import_files", "status", ("running", "done")),
    ("import_rows", "outcome", ("correlated", "clarification", "invalid", "duplicate")),
    ("import_clarifications", "state", ("open", "resolved", "discarded")),
)


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _refuse_unknown_values() -> None:
    bind = op.get_bind()
    unknown = []
    for table, column, values in STATE_COLUMNS:
        col = sa.column(column, sa.String())
        stmt = sa.select(col).select_from(sa.table(table, col)).where(col.not_in(values))
        found = sorted(bind.execute(stmt.distinct()).scalars())
        if found:
            unknown.append(f"{table}.{column}: {', '.join(map(repr, found))}")
    if unknown:
        raise RuntimeError("rows with a state outside the allowed values, fix them first: "
                           + "; ".join(unknown))


def upgrade() -> None:
    _refuse_unknown_values()
    for table, column, values in STATE_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(f"ck_{table}_{column}", _condition(column, values))


def downgrade() -> None:
    for table, column, _values in reversed(STATE_COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"ck_{table}_{column}", type_="check")
