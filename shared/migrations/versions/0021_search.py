"""search at scale: the "mine" view's index (assignee, status, due date)

Revision ID: 0021_search
Revises: 0019_accounts
"""

from __future__ import annotations

from alembic import op

revision = '0021_search'
down_revision = '0019_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The "mine" view (one assignee's open requests by due date); also serves the SET NULL of a deleted account.
    op.create_index('ix_requests_assignee_status_due', 'requests', ['assignee_id', 'status', 'due_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_requests_assignee_status_due', table_name='requests')
