"""occurrences: refresh state (horizon covered, watermark) and an index on events.updated_at

Revision ID: 0010_refresh_state
Revises: 0005_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared.models.base

revision = '0010_refresh_state'
down_revision = '0005_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refresh_state',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('horizon_start', shared.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('horizon_end', shared.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('watermark', shared.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_refresh_state'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_updated_at'), ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_updated_at'))
    op.drop_table('refresh_state')
