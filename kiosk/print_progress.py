"""How far a print job has got, in the terms the kiosk screen explains.

The print worker (branch ``printing``) provides ``shared.print_queue.job_progress``; until it is
merged this adapter reads the job row directly. Swap the body for that call at merge time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from shared.print_queue import get_job

KNOWN_REASONS = ("paper_out", "offline", "expired")


@dataclass(frozen=True)
class Progress:
    """``state`` is queued|printing|done|failed|expired; ``reason`` e.g. paper_out, offline or ""."""

    state: str
    reason: str


def job_progress(session: Session, job_id: int) -> Progress:
    """The state of print job *job_id* and why it is stuck, if it is (raises NotFound)."""
    job = get_job(session, job_id)
    if job.state == "expired":
        return Progress("expired", "expired")
    reason = next((known for known in KNOWN_REASONS if job.last_error.startswith(known)), "")
    return Progress(job.state, reason)
