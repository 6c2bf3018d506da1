"""a wait on a boundary event names the task it sits on (whose due date watches the wait):
``message_waits.watched_by`` (issue 12)

Revision ID: 0010_watched_by
Revises: 0009_inbound
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_watched_by"
down_revision = "0009_inbound"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_waits") as batch_op:
        batch_op.add_column(sa.Column("watched_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message_waits") as batch_op:
        batch_op.drop_column("watched_by")
