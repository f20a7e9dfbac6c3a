"""staff_users.totp_secret and totp_last_step (TOTP second factor)

Revision ID: 0019_accounts
Revises: 0012_security
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019_accounts'
down_revision = '0012_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
