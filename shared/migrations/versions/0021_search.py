"""search at scale: the "mine" view's partial index (assignee, district, status, due date)

Revision ID: 0021_search
Revises: 0020_perf
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021_search'
down_revision = '0020_perf'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The "mine" view (one assignee's open requests of the district by due date), counted from the index
    # alone; also serves the SET NULL of a deleted account. Partial: most requests have no assignee, and
    # SQLite's statistics would count those NULLs as one huge group and pass the index over.
    op.create_index('ix_requests_assignee_status_due', 'requests', ['assignee_id', 'district_id', 'status', 'due_date'],
                    unique=False, sqlite_where=sa.text('assignee_id IS NOT NULL'),
                    postgresql_where=sa.text('assignee_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_requests_assignee_status_due', table_name='requests', sqlite_where=sa.text('assignee_id IS NOT NULL'),
                  postgresql_where=sa.text('assignee_id IS NOT NULL'))
