"""staff search: folded search text per request, FTS5 on SQLite, GIN tsvector on PostgreSQL

Revision ID: 0009_search
Revises: 0005_domain_checks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009_search'
down_revision = '0005_domain_checks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('request_search',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_search_request_id_requests'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_request_search'))
    )
    connection = op.get_bind()
    from shared.services.search import INDEX, rebuild
    for statement in INDEX.create_statements(connection.dialect.name):
        op.execute(statement)
    rebuild(connection)


def downgrade() -> None:
    from shared.services.search import INDEX
    for statement in INDEX.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('request_search')
