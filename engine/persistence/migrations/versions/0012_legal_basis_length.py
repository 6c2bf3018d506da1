"""a deadline's legal basis may name the court and the values used: case_deadlines.legal_basis
up to 500 characters (issue 13)

Revision ID: 0012_legal_basis
Revises: 0011_case_court
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_legal_basis"
down_revision = "0011_case_court"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_deadlines") as batch_op:
        batch_op.alter_column("legal_basis", type_=sa.String(length=500),
                              existing_type=sa.String(length=200), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("case_deadlines") as batch_op:
        batch_op.alter_column("legal_basis", type_=sa.String(length=200),
                              existing_type=sa.String(length=500), existing_nullable=False)
