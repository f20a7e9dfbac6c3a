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

_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE request_search_fts USING fts5(body, content='request_search', "
    "content_rowid='request_id', tokenize=\"unicode61 remove_diacritics 2\")",
    "CREATE TRIGGER request_search_ai AFTER INSERT ON request_search BEGIN "
    "INSERT INTO request_search_fts(rowid, body) VALUES (new.request_id, new.body); END",
    "CREATE TRIGGER request_search_ad AFTER DELETE ON request_search BEGIN "
    "INSERT INTO request_search_fts(request_search_fts, rowid, body) VALUES ('delete', old.request_id, old.body); "
    "END",
    "CREATE TRIGGER request_search_au AFTER UPDATE ON request_search BEGIN "
    "INSERT INTO request_search_fts(request_search_fts, rowid, body) VALUES ('delete', old.request_id, old.body); "
    "INSERT INTO request_search_fts(rowid, body) VALUES (new.request_id, new.body); END",
)


def upgrade() -> None:
    op.create_table('request_search',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_search_request_id_requests'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_request_search'))
    )
    connection = op.get_bind()
    if connection.dialect.name == 'sqlite':
        for statement in _SQLITE_FTS:
            op.execute(statement)
    else:
        op.execute("CREATE INDEX ix_request_search_body ON request_search "
                   "USING gin (to_tsvector('simple', body))")
    from shared.services.search import rebuild
    rebuild(connection)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == 'sqlite':
        for trigger in ('request_search_ai', 'request_search_ad', 'request_search_au'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS request_search_fts")
    op.drop_table('request_search')
