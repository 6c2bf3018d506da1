"""add handovers: warm handovers between teams and their state

Revision ID: 0002_handovers
Revises: 0001_core
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.types

revision = "0002_handovers"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("from_team", sa.String(length=40), nullable=False),
        sa.Column("to_team", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=14), nullable=False),
        sa.Column("legal_basis", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=True),
        sa.Column("shared_fields", engine.persistence.types.JSONType, nullable=False),
        sa.Column("appointment_at", engine.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("proposed_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("proposed_by", sa.String(length=100), nullable=False),
        sa.Column("acknowledged_at", engine.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("escalated_at", engine.persistence.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "key", name="uq_handover_case_key"),
    )
    op.create_index("ix_handovers_case_id", "handovers", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_handovers_case_id", table_name="handovers")
    op.drop_table("handovers")
