"""event search: folded search text per event, FTS5 on SQLite, GIN tsvector on PostgreSQL

Revision ID: 0024_event_search
Revises: 0023_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024_event_search'
down_revision = '0023_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_search',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_search_event_id_events'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_search'))
    )
    connection = op.get_bind()
    from shared.services.event_search import INDEX, rebuild
    for statement in INDEX.create_statements(connection.dialect.name):
        op.execute(statement)
    rebuild(connection)


def downgrade() -> None:
    from shared.services.event_search import INDEX
    for statement in INDEX.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('event_search')
