"""indexes for a Land's volume on PostgreSQL (issue 16)

Revision ID: 0019_scale_indexes
Revises: 0018_lean_state
Create Date: 2026-12-05
"""

revision = "0019_scale_indexes"
down_revision = "0018_lean_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Placeholder (filled in by the work on issue 16)."""


def downgrade() -> None:
    """Placeholder (filled in by the work on issue 16)."""
