"""work on a task (issue 15, point 5): drafts per user and comments on tasks

Revision ID: 0015_task_work
Revises: 0014_personal_data
Create Date: 2026-12-05
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0015_task_work"
down_revision = "0014_personal_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
