"""add process drafts saved from the editor (issue 6)

Revision ID: 0006_drafts
Revises: 0005_imports
Create Date: 2026-12-03
"""
from alembic import op  # noqa: F401 - used once the table is added

revision = "0006_drafts"
down_revision = "0005_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
