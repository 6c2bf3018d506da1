"""saved inbox filters per user (issue 15, point 7)

Revision ID: 0017_saved_filters
Revises: 0016_admin_users
Create Date: 2026-12-05
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0017_saved_filters"
down_revision = "0016_admin_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
