"""add users, team memberships and API tokens (only token hashes are stored)

Revision ID: 0003_users
Revises: 0002_handovers
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.types

revision = "0003_users"
down_revision = "0002_handovers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("roles", engine.persistence.types.JSONType, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "user_teams",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id", "team"),
    )
    op.create_index("ix_user_teams_team", "user_teams", ["team"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", engine.persistence.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index("ix_user_teams_team", table_name="user_teams")
    op.drop_table("user_teams")
    op.drop_table("users")
