"""saved inbox filters per user (issue 15, point 7); the call path of each task, for the
heatmap's roll-up onto call activities (issue 15, point 10)

Revision ID: 0017_saved_filters
Revises: 0016_admin_users
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.types

revision = "0017_saved_filters"
down_revision = "0016_admin_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("created_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),
    )
    op.create_index("ix_saved_filters_user_id", "saved_filters", ["user_id"])
    with op.batch_alter_table("human_tasks") as batch:
        batch.add_column(sa.Column("call_path", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_column("call_path")
    op.drop_index("ix_saved_filters_user_id", table_name="saved_filters")
    op.drop_table("saved_filters")
