"""add inbound imports: import files, import rows, clarifications (issue 7)

Revision ID: 0005_imports
Revises: 0004_reminders
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.types

revision = "0005_imports"
down_revision = "0004_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("file_format", sa.String(length=4), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=False),
        sa.Column("separator", sa.String(length=1), nullable=True),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", engine.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_correlated", sa.Integer(), nullable=False),
        sa.Column("rows_clarification", sa.Integer(), nullable=False),
        sa.Column("rows_invalid", sa.Integer(), nullable=False),
        sa.Column("rows_duplicate", sa.Integer(), nullable=False),
        sa.Column("report", engine.persistence.types.JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "sha256", name="uq_import_file_content"),
    )
    op.create_table(
        "import_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=14), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=True),
        sa.Column("message_name", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["file_id"], ["import_files.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "fingerprint", name="uq_import_row_fingerprint"),
        sa.UniqueConstraint("file_id", "line", name="uq_import_row_line"),
    )
    op.create_index("ix_import_rows_case_id", "import_rows", ["case_id"])
    op.create_table(
        "import_clarifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("team", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("fields", engine.persistence.types.JSONType, nullable=False),
        sa.Column("message_name", sa.String(length=100), nullable=False),
        sa.Column("payload", engine.persistence.types.JSONType, nullable=False),
        sa.Column("candidates", engine.persistence.types.JSONType, nullable=False),
        sa.Column("created_at", engine.persistence.types.UTCDateTime(), nullable=False),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", engine.persistence.types.UTCDateTime(), nullable=True),
        sa.Column("resolution", engine.persistence.types.JSONType, nullable=True),
        sa.ForeignKeyConstraint(["row_id"], ["import_rows.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("row_id"),
    )
    op.create_index("ix_import_clarifications_open", "import_clarifications",
                    ["team", "state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_import_clarifications_open", table_name="import_clarifications")
    op.drop_table("import_clarifications")
    op.drop_index("ix_import_rows_case_id", table_name="import_rows")
    op.drop_table("import_rows")
    op.drop_table("import_files")
