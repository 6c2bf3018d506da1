"""indexes for a Land's volume on PostgreSQL (issue 16)

``ix_timers_case_id``: the timers of one case (the case page's position and pending timers,
the stalled-case check) were found by a scan of all timers; a Land has millions.

``ix_human_tasks_team_due`` (state, team, due_at, created_at, id) replaces
``ix_human_tasks_inbox`` (state, team, due_at): it holds a team's open tasks in the inbox's
order (soonest due first, NULLS LAST, then creation and id), so a page of an inbox with tens
of thousands of tasks is read from the index instead of sorted.

``ix_human_tasks_assignee_team_due`` (state, assignee, team, due_at, created_at, id) replaces
``ix_human_tasks_assignee`` (state, assignee): one's own tasks, in order.
``ix_human_tasks_unassigned_team_due`` (state, team, due_at, created_at, id, partial: ``WHERE
assignee IS NULL``): a team's tasks nobody holds (the inbox's filter "nobody") in order; an
``IS NULL`` does not fix the order of the columns after it in a plain index, so PostgreSQL
walked the team's whole inbox to find them.

``ix_person_name_tokens_token_case`` (token, case_id) replaces ``ix_person_name_tokens_token``
(token): the case search by name reads a common name's cases from the index alone instead of
fetching tens of thousands of token rows.

Revision ID: 0019_scale_indexes
Revises: 0018_lean_state
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_scale_indexes"
down_revision = "0018_lean_state"
branch_labels = None
depends_on = None

#: (index, table, columns): kept equal to the Index definitions in engine/persistence/models.py
INDEXES = (
    ("ix_timers_case_id", "timers", ["case_id"]),
    ("ix_human_tasks_team_due", "human_tasks", ["state", "team", "due_at", "created_at", "id"]),
    ("ix_human_tasks_assignee_team_due", "human_tasks",
     ["state", "assignee", "team", "due_at", "created_at", "id"]),
    ("ix_person_name_tokens_token_case", "person_name_tokens", ["token", "case_id"]),
)
#: partial indexes: (index, table, columns, condition)
PARTIAL = (
    ("ix_human_tasks_unassigned_team_due", "human_tasks",
     ["state", "team", "due_at", "created_at", "id"], "assignee IS NULL"),
)
#: indexes the new ones make redundant
REPLACED = (("ix_human_tasks_inbox", "human_tasks", ["state", "team", "due_at"]),
            ("ix_human_tasks_assignee", "human_tasks", ["state", "assignee"]),
            ("ix_person_name_tokens_token", "person_name_tokens", ["token"]))


def upgrade() -> None:
    """Create the indexes, drop the ones they replace."""
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    for name, table, columns, condition in PARTIAL:
        op.create_index(name, table, columns, postgresql_where=sa.text(condition),
                        sqlite_where=sa.text(condition))
    for name, table, _ in REPLACED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    """Back to the indexes of 0018."""
    for name, table, columns in REPLACED:
        op.create_index(name, table, columns)
    for partial in PARTIAL:
        op.drop_index(partial[0], table_name=partial[1])
    for index in reversed(INDEXES):
        op.drop_index(index[0], table_name=index[1])
