"""occurrences: the event's cancelled flag copied; (start, end, cancelled) indexes, the multi-day index led by start; no separate event_id index

Revision ID: 0016_scale
Revises: 0013_kiosk_node
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016_scale'
down_revision = '0013_kiosk_node'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_index('ix_occurrences_event_id')
        batch_op.drop_index('ix_occurrences_start')
        batch_op.drop_index('ix_occurrences_district_start')
        batch_op.create_index('ix_occurrences_start_end', ['start', 'end', 'cancelled'], unique=False)
        batch_op.create_index('ix_occurrences_district_start_end', ['district_id', 'start', 'end', 'cancelled'], unique=False)
        batch_op.drop_index('ix_occurrences_multi_day', postgresql_where=sa.text('multi_day'),
                            sqlite_where=sa.text('multi_day'))
        batch_op.create_index('ix_occurrences_multi_day', ['start', 'district_id'], unique=False,
                              postgresql_where=sa.text('multi_day'), sqlite_where=sa.text('multi_day'))
    op.execute('UPDATE occurrences SET cancelled = true '
               'WHERE event_id IN (SELECT id FROM events WHERE cancelled = true)')


def downgrade() -> None:
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_index('ix_occurrences_multi_day', postgresql_where=sa.text('multi_day'),
                            sqlite_where=sa.text('multi_day'))
        batch_op.create_index('ix_occurrences_multi_day', ['district_id', 'start'], unique=False,
                              postgresql_where=sa.text('multi_day'), sqlite_where=sa.text('multi_day'))
        batch_op.drop_index('ix_occurrences_district_start_end')
        batch_op.drop_index('ix_occurrences_start_end')
        batch_op.create_index('ix_occurrences_district_start', ['district_id', 'start'], unique=False)
        batch_op.create_index('ix_occurrences_start', ['start'], unique=False)
        batch_op.create_index('ix_occurrences_event_id', ['event_id'], unique=False)
        batch_op.drop_column('cancelled')
