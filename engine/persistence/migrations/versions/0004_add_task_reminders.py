"""add overdue reminders: human_tasks.reminded_at, handovers.reminded_at, users.email

Revision ID: 0004_reminders
Revises: 0003_users
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.types

revision = "0004_reminders"
down_revision = "0003_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", engine.persistence.types.UTCDateTime(),
                                      nullable=True))
        batch_op.create_index("ix_human_tasks_due", ["state", "due_at"], unique=False)
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", engine.persistence.types.UTCDateTime(),
                                      nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_human_tasks_due")
        batch_op.drop_column("reminded_at")
