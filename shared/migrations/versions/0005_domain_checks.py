"""domain words: CHECK constraints for request kind, channel, status, preferred time and print-job state

Revision ID: 0005_domain_checks
Revises: 0004_kiosk_forms
"""

from __future__ import annotations

from enum import StrEnum

from alembic import op

from shared.models.vocabulary import Channel, PreferredTime, RequestKind, RequestStatus, one_of

revision = '0005_domain_checks'
down_revision = '0004_kiosk_forms'
branch_labels = None
depends_on = None


class PrintJobState(StrEnum):
    """The states of the print_jobs table (moved into jobs by 0023_jobs)."""

    QUEUED = "queued"
    PRINTING = "printing"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


CHECKS = {
    "requests": (("kind", RequestKind), ("channel", Channel), ("status", RequestStatus),
                 ("preferred_time", PreferredTime)),
    "print_jobs": (("state", PrintJobState),),
}


def upgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, words in columns:
                check = one_of(column, words)
                batch_op.create_check_constraint(f"{column}_known", check.sqltext)


def downgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _words in columns:
                batch_op.drop_constraint(f"{column}_known", type_="check")
