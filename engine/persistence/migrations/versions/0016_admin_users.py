"""administration of users in the browser (issue 15, point 15)

Revision ID: 0016_admin_users
Revises: 0015_task_work
Create Date: 2026-12-05
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0016_admin_users"
down_revision = "0015_task_work"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
