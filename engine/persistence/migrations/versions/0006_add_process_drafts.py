"""add process drafts saved from the editor (issue 6)

Revision ID: 0006_drafts
Revises: 0005_imports
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.types

revision = "0006_drafts"
down_revision = "0005_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_drafts",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=100), nullable=False),
        sa.Column("saved_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("process_drafts")
