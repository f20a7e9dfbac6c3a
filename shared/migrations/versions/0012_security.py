"""daily_runs (one claim per daily job and day, so one app server of many runs it) and
login_failures (failed logins counted across app servers)

Revision ID: 0012_security
Revises: 0014_staff_work
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared.models.base

revision = '0012_security'
down_revision = '0014_staff_work'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('daily_runs',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('claimed_by', sa.String(length=80), nullable=False),
    sa.Column('claimed_at', shared.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', 'day', name=op.f('pk_daily_runs'))
    )
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('at', shared.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)
        batch_op.create_index('ix_login_failures_key_at', ['key', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_key_at')
        batch_op.drop_index(batch_op.f('ix_login_failures_at'))
    op.drop_table('login_failures')
    op.drop_table('daily_runs')
