"""requests: waiting_until appended to the (district,) status, due-date indexes, so the overdue count reads no rows

Revision ID: 0020_perf
Revises: 0019_accounts
"""

from __future__ import annotations

from alembic import op

revision = "0020_perf"
down_revision = "0019_accounts"
branch_labels = None
depends_on = None

_INDEXES = {"ix_requests_district_status_due": ["district_id", "status", "due_date"],
            "ix_requests_status_due": ["status", "due_date"]}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.drop_index(name, table_name="requests")
        op.create_index(name, "requests", [*columns, "waiting_until"], unique=False)


def downgrade() -> None:
    for name, columns in _INDEXES.items():
        op.drop_index(name, table_name="requests")
        op.create_index(name, "requests", columns, unique=False)
