"""sign-in security (issue 14): failed sign-in attempts for the throttle (keyed hashes of
username and address, no personal data) and page sessions kept on the server

Revision ID: 0013_login_sessions
Revises: 0012_legal_basis
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.types

revision = "0013_login_sessions"
down_revision = "0012_legal_basis"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_failures_account_at", "login_failures", ["account_key", "at"])
    op.create_index("ix_login_failures_address_at", "login_failures", ["address_key", "at"])
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", engine.persistence.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("id_hash"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_user_id", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_index("ix_login_failures_address_at", table_name="login_failures")
    op.drop_index("ix_login_failures_account_at", table_name="login_failures")
    op.drop_table("login_failures")
