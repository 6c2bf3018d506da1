"""lean case state: sub-workflows stored apart (issue 16)

Revision ID: 0018_lean_state
Revises: 0017_saved_filters
Create Date: 2026-12-05
"""

revision = "0018_lean_state"
down_revision = "0017_saved_filters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Placeholder (filled in by the work on issue 16)."""


def downgrade() -> None:
    """Placeholder (filled in by the work on issue 16)."""
