"""create core tables: definitions, cases, instances, tasks, timers, audit

Revision ID: 0001_core
Revises: 
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import engine.persistence.types

revision = '0001_core'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=True),
    sa.Column('instance_id', sa.String(length=32), nullable=True),
    sa.Column('element_id', sa.String(length=200), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_case_id'), ['case_id'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('cases',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_number', sa.String(length=32), nullable=False),
    sa.Column('land', sa.String(length=4), nullable=False),
    sa.Column('entry', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=8), nullable=False),
    sa.Column('benefit_system', sa.String(length=10), nullable=True),
    sa.Column('bamf_aktenzeichen', sa.String(length=40), nullable=True),
    sa.Column('person', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_number')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_bamf_aktenzeichen'), ['bamf_aktenzeichen'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_stage'), ['stage'], unique=False)

    op.create_table('clock_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('now', engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('definition_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('deployed_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deployed_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'content_hash', name='uq_definition_file_content')
    )
    with op.batch_alter_table('definition_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_definition_files_name'), ['name'], unique=False)

    op.create_table('process_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('file_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('spec', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('serializer_version', sa.String(length=20), nullable=False),
    sa.Column('deployed_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deployed_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', 'content_hash', name='uq_process_version_content'),
    sa.UniqueConstraint('key', 'version', name='uq_process_version')
    )
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_versions_key'), ['key'], unique=False)

    op.create_table('case_deadlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=False),
    sa.Column('land', sa.String(length=4), nullable=False),
    sa.Column('computed_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'key', name='uq_case_deadline')
    )
    with op.batch_alter_table('case_deadlines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_deadlines_case_id'), ['case_id'], unique=False)

    op.create_table('process_instances',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('process_version_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('state', sa.LargeBinary(), nullable=False),
    sa.Column('serializer_version', sa.String(length=20), nullable=False),
    sa.Column('created_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['process_version_id'], ['process_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_instances_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instances_status'), ['status'], unique=False)

    op.create_table('human_tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('process_key', sa.String(length=200), nullable=False),
    sa.Column('element_id', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('team', sa.String(length=40), nullable=False),
    sa.Column('form', sa.String(length=200), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('assignee', sa.String(length=100), nullable=True),
    sa.Column('created_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_human_tasks_assignee', ['state', 'assignee'], unique=False)
        batch_op.create_index(batch_op.f('ix_human_tasks_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_human_tasks_inbox', ['state', 'team', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_human_tasks_instance_id'), ['instance_id'], unique=False)

    op.create_table('message_waits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('message_name', sa.String(length=100), nullable=False),
    sa.Column('element_id', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message_waits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_waits_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_message_waits_case_name', ['case_id', 'message_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_waits_instance_id'), ['instance_id'], unique=False)

    op.create_table('timers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('instance_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('element_id', sa.String(length=200), nullable=False),
    sa.Column('due_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('claim_expires_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('fired_at', engine.persistence.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'due_at', name='uq_timer_task_due')
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index('ix_timers_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_timers_instance_id'), ['instance_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timers_instance_id'))
        batch_op.drop_index('ix_timers_due')

    op.drop_table('timers')
    with op.batch_alter_table('message_waits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_waits_instance_id'))
        batch_op.drop_index('ix_message_waits_case_name')
        batch_op.drop_index(batch_op.f('ix_message_waits_case_id'))

    op.drop_table('message_waits')
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_human_tasks_instance_id'))
        batch_op.drop_index('ix_human_tasks_inbox')
        batch_op.drop_index(batch_op.f('ix_human_tasks_case_id'))
        batch_op.drop_index('ix_human_tasks_assignee')

    op.drop_table('human_tasks')
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_instances_status'))
        batch_op.drop_index(batch_op.f('ix_process_instances_case_id'))

    op.drop_table('process_instances')
    with op.batch_alter_table('case_deadlines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_deadlines_case_id'))

    op.drop_table('case_deadlines')
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_versions_key'))

    op.drop_table('process_versions')
    with op.batch_alter_table('definition_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_definition_files_name'))

    op.drop_table('definition_files')
    op.drop_table('clock_state')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_stage'))
        batch_op.drop_index(batch_op.f('ix_cases_bamf_aktenzeichen'))

    op.drop_table('cases')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_case_id'))

    op.drop_table('audit_events')
