"""open requests: a partial index of each district's open requests in inbox order

Revision ID: 0025_open_requests
Revises: 0024_event_search
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The condition as it stood at this revision (shared.models.requests.OPEN_CONDITION).
OPEN_CONDITION = "status IN ('new', 'in_progress', 'waiting', 'incomplete')"

revision = '0025_open_requests'
down_revision = '0024_event_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_requests_open_district_due', 'requests', ['district_id', 'due_date', 'id'],
                    sqlite_where=sa.text(OPEN_CONDITION), postgresql_where=sa.text(OPEN_CONDITION))


def downgrade() -> None:
    op.drop_index('ix_requests_open_district_due', table_name='requests')
