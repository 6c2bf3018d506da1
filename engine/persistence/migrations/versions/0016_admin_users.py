"""administration of users in the browser (issue 15, point 15): one-time links to set a
password (only the SHA-256 of the token is stored) and the scheduler's heartbeat per worker
and job, shown on the administrators' health page

Revision ID: 0016_admin_users
Revises: 0015_task_work
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.types

revision = "0016_admin_users"
down_revision = "0015_task_work"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", engine.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("ended_at", engine.persistence.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_password_resets_user_id", "password_resets", ["user_id"])
    op.create_table(
        "scheduler_beats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(length=200), nullable=False),
        sa.Column("job", sa.String(length=20), nullable=False),
        sa.Column("beat_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("worker_id", "job", name="uq_scheduler_beat"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_beats")
    op.drop_index("ix_password_resets_user_id", table_name="password_resets")
    op.drop_table("password_resets")
