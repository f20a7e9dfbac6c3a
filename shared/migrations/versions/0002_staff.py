"""staff dashboard: index for the inbox order (due date, id)

Revision ID: 0002_staff
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = '0002_staff'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The admin inbox lists every open request by due date; walking this index avoids sorting
    # all open requests for each page.
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index('ix_requests_due_id', ['due_date', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_due_id')
