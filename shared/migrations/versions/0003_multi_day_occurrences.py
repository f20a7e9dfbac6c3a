"""events: bound day queries; occurrences longer than a day are flagged and indexed apart

Revision ID: 0003_multi_day
Revises: 0002_staff
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_multi_day'
down_revision = '0002_staff'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('multi_day', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_occurrences_multi_day', ['district_id', 'start'], unique=False,
                              postgresql_where=sa.text('multi_day'), sqlite_where=sa.text('multi_day'))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('UPDATE occurrences SET multi_day = 1 WHERE julianday("end") - julianday(start) > 1')
    else:
        op.execute('UPDATE occurrences SET multi_day = true WHERE "end" - start > interval \'1 day\'')


def downgrade() -> None:
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_index('ix_occurrences_multi_day', postgresql_where=sa.text('multi_day'),
                            sqlite_where=sa.text('multi_day'))
        batch_op.drop_column('multi_day')
