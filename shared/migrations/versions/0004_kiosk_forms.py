"""kiosk: half-filled request forms on the server instead of in the session cookie

Revision ID: 0004_kiosk_forms
Revises: 0003_multi_day
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared.models.base

revision = '0004_kiosk_forms'
down_revision = '0003_multi_day'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kiosk_forms',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('updated_at', shared.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_kiosk_forms'))
    )
    with op.batch_alter_table('kiosk_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_forms_updated_at'), ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kiosk_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_forms_updated_at'))
    op.drop_table('kiosk_forms')
