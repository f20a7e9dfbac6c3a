"""print jobs become jobs of kind "print": jobs.queue, jobs.expires_at, CHECK on jobs.state; print_jobs and
the printer lease columns go

Revision ID: 0023_jobs
Revises: 0022_security
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

import shared.models.base

revision = '0023_jobs'
down_revision = '0022_security'
branch_labels = None
depends_on = None

PRINT_JOB = "print"
MAX_ATTEMPTS = 10_000
JOB_STATES = ("queued", "running", "done", "failed", "expired")
# print_jobs.state ↔ jobs.state (a job left "printing" is "running" under a lapsed lease, so the
# worker marks it failed as interrupted, as before).
TO_JOB_STATE = {"printing": "running"}
TO_PRINT_STATE = {"running": "printing"}
UTC = shared.models.base.UTCDateTime(timezone=True)

metadata = sa.MetaData()
jobs = sa.Table(
    "jobs", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("kind", sa.String(40)),
    sa.Column("queue", sa.String(80)), sa.Column("payload", sa.JSON), sa.Column("state", sa.String(16)),
    sa.Column("attempts", sa.Integer), sa.Column("max_attempts", sa.Integer), sa.Column("run_after", UTC),
    sa.Column("expires_at", UTC), sa.Column("lease_owner", sa.String(80)), sa.Column("lease_until", UTC),
    sa.Column("last_error", sa.Text), sa.Column("created_at", UTC), sa.Column("finished_at", UTC),
)
sa.Table("kiosks", metadata, sa.Column("id", sa.Integer, primary_key=True))  # the target of print_jobs.kiosk_id
# print_jobs as 0001_initial_schema and 0005_domain_checks left it: read by upgrade, created again by downgrade.
print_jobs = sa.Table(
    "print_jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("printer", sa.String(80), nullable=False),
    sa.Column("kiosk_id", sa.Integer, sa.ForeignKey("kiosks.id", name="fk_print_jobs_kiosk_id_kiosks",
                                                    ondelete="SET NULL")),
    sa.Column("kind", sa.String(30), nullable=False), sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("state", sa.String(10), nullable=False), sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text, nullable=False), sa.Column("created_at", UTC, nullable=False),
    sa.Column("next_attempt_at", UTC, nullable=False), sa.Column("expires_at", UTC, nullable=False),
    sa.Column("started_at", UTC), sa.Column("finished_at", UTC),
    sa.PrimaryKeyConstraint("id", name="pk_print_jobs"),
    sa.CheckConstraint("state IN ('queued', 'printing', 'done', 'failed', 'expired')",
                       name="ck_print_jobs_state_known"),
    sa.Index("ix_print_jobs_printer_state", "printer", "state", "next_attempt_at"),
)


def _state_check(states: tuple[str, ...]) -> Any:
    values = ", ".join(f"'{state}'" for state in states)
    return sa.text(f"state IN ({values})")


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('expires_at', UTC, nullable=True))
        batch_op.create_index('ix_jobs_lane', ['kind', 'queue', 'state'], unique=False)
        batch_op.create_check_constraint('state_known', _state_check(JOB_STATES))
    bind = op.get_bind()
    moved = [{
        "kind": PRINT_JOB, "queue": row.printer, "payload": row.payload, "state": TO_JOB_STATE.get(row.state, row.state),
        "attempts": row.attempts, "max_attempts": MAX_ATTEMPTS, "run_after": row.next_attempt_at,
        "expires_at": row.expires_at, "lease_owner": "migrated" if row.state == "printing" else None,
        "lease_until": row.started_at if row.state == "printing" else None, "last_error": row.last_error or None,
        "created_at": row.created_at, "finished_at": row.finished_at,
    } for row in bind.execute(sa.select(print_jobs).order_by(print_jobs.c.id))]
    if moved:
        bind.execute(jobs.insert(), moved)
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_print_jobs_printer_state')
    op.drop_table('print_jobs')
    with op.batch_alter_table('printer_states', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')


def downgrade() -> None:
    with op.batch_alter_table('printer_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('lease_until', UTC, nullable=True))
    print_jobs.create(op.get_bind())
    bind = op.get_bind()
    printed = jobs.c.kind == PRINT_JOB
    rows = list(bind.execute(sa.select(jobs).where(printed).order_by(jobs.c.id)))
    if rows:
        bind.execute(print_jobs.insert(), [{
            "printer": row.queue, "kiosk_id": None, "kind": str(row.payload.get("kind", "")), "payload": row.payload,
            "state": TO_PRINT_STATE.get(row.state, row.state), "attempts": row.attempts,
            "last_error": row.last_error or "", "created_at": row.created_at, "next_attempt_at": row.run_after,
            "expires_at": row.expires_at or row.created_at + timedelta(minutes=15),
            "started_at": row.lease_until if row.state == "running" else None, "finished_at": row.finished_at,
        } for row in rows])
    bind.execute(jobs.delete().where(printed))
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint('state_known', type_='check')
        batch_op.drop_index('ix_jobs_lane')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('queue')
