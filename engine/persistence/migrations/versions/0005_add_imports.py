"""add inbound imports: import files, import rows, clarifications (issue 7)

Revision ID: 0005_imports
Revises: 0004_reminders
Create Date: 2026-12-03
"""
from alembic import op  # noqa: F401 - used once the tables are added

revision = "0005_imports"
down_revision = "0004_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
