"""allow a change undone to become the newest version; index audit events by action and time

A file or process changed back to an earlier content is stored again as the newest (as
Camunda does), so the content-hash unique constraints become plain indexes. The statistics
export reads audit events by action and time.

Revision ID: 0007_reverts
Revises: 0006_drafts
Create Date: 2026-12-03
"""
from alembic import op

revision = "0007_reverts"
down_revision = "0006_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("definition_files", schema=None) as batch_op:
        batch_op.drop_constraint("uq_definition_file_content", type_="unique")
        batch_op.create_index("ix_definition_files_name_hash", ["name", "content_hash"])
    with op.batch_alter_table("process_versions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_process_version_content", type_="unique")
        batch_op.create_index("ix_process_versions_key_hash", ["key", "content_hash"])
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_action_at", ["action", "at"])


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_action_at")
    with op.batch_alter_table("process_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_process_versions_key_hash")
        batch_op.create_unique_constraint("uq_process_version_content", ["key", "content_hash"])
    with op.batch_alter_table("definition_files", schema=None) as batch_op:
        batch_op.drop_index("ix_definition_files_name_hash")
        batch_op.create_unique_constraint("uq_definition_file_content", ["name", "content_hash"])
