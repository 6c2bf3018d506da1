"""outside events in any order: inbound messages (buffered until the case gets there), the
count of kept messages on the case, the import outcome "buffered", since when a case waits
for a message (issue 12)

Revision ID: 0009_inbound
Revises: 0008_state_checks
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.types

revision = "0009_inbound"
down_revision = "0008_state_checks"
branch_labels = None
depends_on = None

INBOUND_STATES = ("delivered", "buffered", "used", "expired", "discarded")
OUTCOMES_BEFORE = ("correlated", "clarification", "invalid", "duplicate")
OUTCOMES_AFTER = (*OUTCOMES_BEFORE, "buffered")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("payload", engine.persistence.types.JSONType, nullable=True),
        sa.Column("fields", engine.persistence.types.JSONType, nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("received_by", sa.String(length=100), nullable=False),
        sa.Column("received_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", engine.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("used_at", engine.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("used_by_element", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "message_id", name="uq_inbound_message_id"),
        sa.CheckConstraint(_in("state", INBOUND_STATES), name="ck_inbound_messages_state"),
    )
    op.create_index("ix_inbound_messages_case_state", "inbound_messages", ["case_id", "state"])
    op.create_index("ix_inbound_messages_state_expires", "inbound_messages",
                    ["state", "expires_at"])
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buffered_messages", sa.Integer(), nullable=False,
                                      server_default="0"))
    with op.batch_alter_table("import_rows", schema=None) as batch_op:
        batch_op.drop_constraint("ck_import_rows_outcome", type_="check")
        batch_op.create_check_constraint("ck_import_rows_outcome",
                                         _in("outcome", OUTCOMES_AFTER))
    with op.batch_alter_table("import_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rows_buffered", sa.Integer(), nullable=False,
                                      server_default="0"))
    with op.batch_alter_table("message_waits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("since", engine.persistence.types.UTCDateTime(),
                                      nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    buffered = bind.execute(sa.text(
        "SELECT COUNT(*) FROM import_rows WHERE outcome = 'buffered'")).scalar_one()
    if buffered:
        raise RuntimeError(f"{buffered} import rows are 'buffered': this schema has no such "
                           "outcome; keep the newer version")
    with op.batch_alter_table("message_waits", schema=None) as batch_op:
        batch_op.drop_column("since")
    with op.batch_alter_table("import_files", schema=None) as batch_op:
        batch_op.drop_column("rows_buffered")
    with op.batch_alter_table("import_rows", schema=None) as batch_op:
        batch_op.drop_constraint("ck_import_rows_outcome", type_="check")
        batch_op.create_check_constraint("ck_import_rows_outcome",
                                         _in("outcome", OUTCOMES_BEFORE))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("buffered_messages")
    op.drop_index("ix_inbound_messages_state_expires", table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_case_state", table_name="inbound_messages")
    op.drop_table("inbound_messages")
