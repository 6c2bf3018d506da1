"""work on a task (issue 15, point 5): drafts per user and comments on tasks

Both tables hold a person's data encrypted at rest (Fernet tokens as text): a draft's form
values, a comment's text.

Revision ID: 0015_task_work
Revises: 0014_personal_data
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.types

revision = "0015_task_work"
down_revision = "0014_personal_data"
branch_labels = None
depends_on = None

UTC = engine.persistence.types.UTCDateTime
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "task_drafts",
        sa.Column("id", ID, nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("saved_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["human_tasks.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "username", name="uq_task_drafts_task_user"),
    )
    op.create_index("ix_task_drafts_case_id", "task_drafts", ["case_id"])
    op.create_table(
        "task_comments",
        sa.Column("id", ID, nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["human_tasks.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_comments_case_id", "task_comments", ["case_id"])
    op.create_index("ix_task_comments_task_at", "task_comments", ["task_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_task_comments_task_at", table_name="task_comments")
    op.drop_index("ix_task_comments_case_id", table_name="task_comments")
    op.drop_table("task_comments")
    op.drop_index("ix_task_drafts_case_id", table_name="task_drafts")
    op.drop_table("task_drafts")
