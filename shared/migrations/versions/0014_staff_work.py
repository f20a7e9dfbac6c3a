"""staff work: city-wide events (district optional), merged requests, daily digests, scoped search text

Revision ID: 0014_staff_work
Revises: 0016_scale
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

import shared.models.base

revision = '0014_staff_work'
down_revision = '0016_scale'
branch_labels = None
depends_on = None


@contextmanager
def _foreign_keys_off() -> Iterator[None]:
    """On SQLite, switch foreign keys off while tables are rebuilt.

    A rebuild drops the old table, and with foreign keys on that first deletes its rows, which
    would cascade to occurrences, topics and notes. The pragma is ignored inside a transaction,
    so what ran before is committed first; SQLite cannot roll DDL of a rebuild back in any case.
    """
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        yield
        return
    raw = bind.connection.dbapi_connection
    if raw is None:
        raise RuntimeError("the migration's connection is closed")
    raw.commit()
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        problems = raw.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign key check failed after the rebuild: {len(problems)} rows")
    finally:
        raw.commit()
        raw.execute("PRAGMA foreign_keys=ON")


def upgrade() -> None:
    op.create_table('staff_digests',
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('new_count', sa.Integer(), nullable=False),
    sa.Column('overdue_count', sa.Integer(), nullable=False),
    sa.Column('sent_at', shared.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_staff_digests_district_id_districts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('district_id', 'day', name=op.f('pk_staff_digests'))
    )
    with _foreign_keys_off():
        with op.batch_alter_table('events', schema=None) as batch_op:
            batch_op.alter_column('district_id', existing_type=sa.Integer(), nullable=True)
        with op.batch_alter_table('occurrences', schema=None) as batch_op:
            batch_op.alter_column('district_id', existing_type=sa.Integer(), nullable=True)
        with op.batch_alter_table('requests', schema=None) as batch_op:
            batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f('fk_requests_merged_into_id_requests'), 'requests',
                                        ['merged_into_id'], ['id'], ondelete='SET NULL')
            batch_op.create_index('ix_requests_created_id', ['created_at', 'id'], unique=False)
            batch_op.create_index('ix_requests_district_created', ['district_id', 'created_at', 'id'], unique=False)
    # The search text now starts with the request's scope word.
    from shared.services.search import rebuild
    rebuild(op.get_bind())


def downgrade() -> None:
    with _foreign_keys_off():
        with op.batch_alter_table('requests', schema=None) as batch_op:
            batch_op.drop_index('ix_requests_district_created')
            batch_op.drop_index('ix_requests_created_id')
            batch_op.drop_constraint(batch_op.f('fk_requests_merged_into_id_requests'), type_='foreignkey')
            batch_op.drop_column('merged_into_id')
        op.execute("DELETE FROM occurrences WHERE district_id IS NULL")
        op.execute("DELETE FROM events WHERE district_id IS NULL")
        with op.batch_alter_table('occurrences', schema=None) as batch_op:
            batch_op.alter_column('district_id', existing_type=sa.Integer(), nullable=False)
        with op.batch_alter_table('events', schema=None) as batch_op:
            batch_op.alter_column('district_id', existing_type=sa.Integer(), nullable=False)
    op.drop_table('staff_digests')
