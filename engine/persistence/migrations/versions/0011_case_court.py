"""a case names its Verwaltungsgericht, whose seat's holidays move the last day to sue
(§57(2) VwGO, §222(2) ZPO): ``cases.court`` (issue 13, item 4). Existing cases keep NULL:
they use the Land's default court, whose seat has exactly the Land's holidays.

Revision ID: 0011_case_court
Revises: 0010_watched_by
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_case_court"
down_revision = "0010_watched_by"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("court", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("court")
