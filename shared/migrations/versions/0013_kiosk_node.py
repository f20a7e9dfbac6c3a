"""kiosk node: heartbeat fields on kiosks, tombstones of deleted events for the sync feed

Revision ID: 0013_kiosk_node
Revises: 0010_refresh_state
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared.models.base

revision = '0013_kiosk_node'
down_revision = '0010_refresh_state'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deleted_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('deleted_at', shared.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deleted_events'))
    )
    with op.batch_alter_table('deleted_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deleted_events_deleted_at'), ['deleted_at'], unique=False)
    with op.batch_alter_table('kiosks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('printer_status', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('software_version', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('outbox_length', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('kiosks', schema=None) as batch_op:
        batch_op.drop_column('outbox_length')
        batch_op.drop_column('software_version')
        batch_op.drop_column('printer_status')
    with op.batch_alter_table('deleted_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deleted_events_deleted_at'))
    op.drop_table('deleted_events')
