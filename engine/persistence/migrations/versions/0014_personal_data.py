"""personal-data duties (issue 14): encrypted columns hold text tokens (person, Aktenzeichen,
clarification fields and payload, kept messages' payload), the blind index (Aktenzeichen,
birth date, name tokens), erasure, the read log, erasure requests, consent withdrawals

Existing values stay readable as they are (plain JSON / text); the first start after this
migration encrypts them and fills the blind index (``staffel keys rotate`` does the same).

Revision ID: 0014_personal_data
Revises: 0013_login_sessions
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.types

revision = "0014_personal_data"
down_revision = "0013_login_sessions"
branch_labels = None
depends_on = None

JSON = engine.persistence.types.JSONType
UTC = engine.persistence.types.UTCDateTime
# (table, column, nullable) of the JSON columns that become encrypted text
JSON_TO_TEXT = (("cases", "person", False), ("import_clarifications", "fields", False),
                ("import_clarifications", "payload", False),
                ("inbound_messages", "payload", True))


def _retype(table: str, column: str, old: sa.types.TypeEngine, new: sa.types.TypeEngine,
            nullable: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        # JSON objects become their text; a JSON string is a token a downgrade kept (below)
        using = (f"CASE WHEN jsonb_typeof({column}) = 'string' THEN {column} #>> '{{}}' "
                 f"ELSE {column}::text END")
        op.alter_column(table, column, type_=new, existing_type=old,
                        existing_nullable=nullable, postgresql_using=using)
    else:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, type_=new, existing_type=old,
                                  existing_nullable=nullable)


def upgrade() -> None:
    for table, column, nullable in JSON_TO_TEXT:
        _retype(table, column, JSON, sa.Text(), nullable)
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_bamf_aktenzeichen")
        batch_op.alter_column("bamf_aktenzeichen", type_=sa.Text(),
                              existing_type=sa.String(length=40), existing_nullable=True)
        batch_op.add_column(sa.Column("az_index", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("birth_index", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("erased_at", UTC(), nullable=True))
        batch_op.create_index("ix_cases_az_index", ["az_index"])
        batch_op.create_index("ix_cases_birth_index", ["birth_index"])
    op.create_table(
        "person_name_tokens",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("case_id", "token"),
    )
    op.create_index("ix_person_name_tokens_token", "person_name_tokens", ["token"])
    op.create_table(
        "person_reads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=True),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_reads_case_at", "person_reads", ["case_id", "at"])
    op.create_index("ix_person_reads_actor_at", "person_reads", ["actor", "at"])
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", UTC(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", UTC(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_erasure_requests_case_id", "erasure_requests", ["case_id"])
    op.create_table(
        "consent_withdrawals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consent_withdrawals_case_id", "consent_withdrawals", ["case_id"])


def downgrade() -> None:
    """Back to 0013. Encrypted values stay encrypted (a migration has no keys): on
    PostgreSQL they are kept as JSON strings, which the upgrade turns back into tokens; the
    code of 0013 cannot read them, so decrypt first (not built) or upgrade again."""
    op.drop_index("ix_consent_withdrawals_case_id", table_name="consent_withdrawals")
    op.drop_table("consent_withdrawals")
    op.drop_index("ix_erasure_requests_case_id", table_name="erasure_requests")
    op.drop_table("erasure_requests")
    op.drop_index("ix_person_reads_actor_at", table_name="person_reads")
    op.drop_index("ix_person_reads_case_at", table_name="person_reads")
    op.drop_table("person_reads")
    op.drop_index("ix_person_name_tokens_token", table_name="person_name_tokens")
    op.drop_table("person_name_tokens")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_birth_index")
        batch_op.drop_index("ix_cases_az_index")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("birth_index")
        batch_op.drop_column("az_index")
        batch_op.alter_column("bamf_aktenzeichen", type_=sa.String(length=40),
                              existing_type=sa.Text(), existing_nullable=True)
        batch_op.create_index("ix_cases_bamf_aktenzeichen", ["bamf_aktenzeichen"])
    for table, column, nullable in JSON_TO_TEXT:
        if op.get_bind().dialect.name == "postgresql":
            using = (f"CASE WHEN left({column}, 6) = 'gAAAAA' THEN to_jsonb({column}) "
                     f"ELSE {column}::jsonb END")
            op.alter_column(table, column, type_=JSON, existing_type=sa.Text(),
                            existing_nullable=nullable, postgresql_using=using)
        else:
            with op.batch_alter_table(table) as batch_op:
                batch_op.alter_column(column, type_=JSON, existing_type=sa.Text(),
                                      existing_nullable=nullable)
