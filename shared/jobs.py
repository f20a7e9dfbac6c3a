"""Durable background jobs: the print queue's leased-table pattern, for any kind of work.

A job is a row (:class:`shared.models.Job`): it survives restarts. A worker claims a due job with
a conditional UPDATE, so across several app servers exactly one of them gets it, and holds it
under a lease; a worker that dies leaves the lease to expire and the next worker takes the job
over. A failing job is retried with exponential back-off until ``max_attempts``. Handlers must be
idempotent: a job whose worker died after the work but before :func:`complete` runs again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.clock import utcnow
from shared.db import Database
from shared.models import DailyRun, Job

log = logging.getLogger(__name__)

JOB_STATES = ("queued", "running", "done", "failed")
LEASE_SECONDS = 300
BACKOFF_SECONDS = 10
POLL_SECONDS = 2.0

Handler = Callable[[dict[str, Any]], None]


def enqueue(session: Session, kind: str, payload: dict[str, Any], max_attempts: int = 5,
            delay_seconds: float = 0) -> Job:
    """Queue a job in the caller's transaction (it runs once that commits)."""
    now = utcnow()
    job = Job(kind=kind, payload=payload, state="queued", attempts=0, max_attempts=max_attempts,
              run_after=now + timedelta(seconds=delay_seconds), created_at=now)
    session.add(job)
    session.flush()
    return job


DAILY_JOB = "daily"


def claim_daily_run(db: Database, name: str, day: date, owner: str) -> bool:
    """Enqueue *day*'s run of the daily job *name* unless another process did; True if we did.

    The claim row's primary key (name, day) admits one winner across all app servers; the job it
    enqueues is then leased like any other, so a server that dies mid-run hands it over.
    """
    with db.session() as session:
        if session.get(DailyRun, (name, day)) is not None:
            return False
        try:
            job = enqueue(session, DAILY_JOB, {"name": name, "day": day.isoformat()}, max_attempts=3)
            session.add(DailyRun(name=name, day=day, job_id=job.id, claimed_by=owner[:80], claimed_at=utcnow()))
            session.flush()
        except IntegrityError:
            session.rollback()
            return False
    return True


def backoff(attempts: int, base: float = BACKOFF_SECONDS) -> timedelta:
    """Wait before the next attempt after *attempts* failed ones: base, 2×base, 4×base, …"""
    return timedelta(seconds=base * 2 ** max(0, attempts - 1))


def claim(db: Database, owner: str, kinds: tuple[str, ...], lease_seconds: float = LEASE_SECONDS) -> Job | None:
    """Lease the oldest due job of *kinds* to *owner*: queued and due, or running with an expired lease."""
    now = utcnow()
    due = or_(and_(Job.state == "queued", Job.run_after <= now),
              and_(Job.state == "running", Job.lease_until < now))
    with db.session() as session:
        candidates = list(session.scalars(
            select(Job.id).where(Job.kind.in_(kinds), due).order_by(Job.run_after, Job.id).limit(5)))
        for job_id in candidates:
            result = session.execute(
                update(Job).where(Job.id == job_id, due)
                .values(state="running", lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds),
                        attempts=Job.attempts + 1)
                .execution_options(synchronize_session=False))
            session.commit()
            if getattr(result, "rowcount", 0) == 1:  # nobody else took it in between
                job = session.get(Job, job_id)
                if job is not None:
                    session.refresh(job)
                    session.expunge(job)
                    return job
    return None


def _finish(db: Database, job: Job, owner: str, values: dict[str, Any]) -> bool:
    with db.session() as session:
        result = session.execute(update(Job).where(Job.id == job.id, Job.lease_owner == owner,
                                                   Job.state == "running").values(**values))
        session.commit()
        return getattr(result, "rowcount", 0) == 1


def complete(db: Database, job: Job, owner: str) -> bool:
    """Mark *job* done; False if *owner* lost its lease meanwhile (another worker has it)."""
    return _finish(db, job, owner, {"state": "done", "lease_owner": None, "lease_until": None,
                                    "finished_at": utcnow(), "last_error": None})


def fail(db: Database, job: Job, owner: str, error: str) -> bool:
    """Record a failed attempt: queued again after :func:`backoff`, or failed for good."""
    now = utcnow()
    if job.attempts >= job.max_attempts:
        values: dict[str, Any] = {"state": "failed", "finished_at": now}
    else:
        values = {"state": "queued", "run_after": now + backoff(job.attempts)}
    return _finish(db, job, owner, {**values, "lease_owner": None, "lease_until": None,
                                    "last_error": error[:500]})


def default_owner() -> str:
    """``host:pid:thread`` of this worker."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@dataclass
class JobWorker:
    """Runs due jobs of the kinds in *handlers*; start :meth:`loop` with the runtime's workers."""

    db: Database
    handlers: Mapping[str, Handler]
    owner: str = field(default_factory=default_owner)
    lease_seconds: float = LEASE_SECONDS
    poll_seconds: float = POLL_SECONDS
    idle: threading.Event = field(default_factory=threading.Event)

    def run_one(self) -> Job | None:
        """Claim and run one due job; returns it (None when nothing was due)."""
        job = claim(self.db, self.owner, tuple(self.handlers), self.lease_seconds)
        if job is None:
            return None
        try:
            self.handlers[job.kind](dict(job.payload))
        except Exception as exc:  # one broken job must not stop the others
            log.exception("job %s (%s) failed in attempt %d", job.id, job.kind, job.attempts)
            fail(self.db, job, self.owner, f"{type(exc).__name__}: {exc}")
        else:
            complete(self.db, job, self.owner)
        return job

    def run_pending(self) -> int:
        """Run jobs until none is due; returns how many ran."""
        count = 0
        while self.run_one() is not None:
            count += 1
        return count

    def loop(self, stop: threading.Event) -> None:
        """Poll for due jobs until *stop* is set; :attr:`idle` is set whenever nothing is due."""
        while not stop.is_set():
            if self.run_one() is None:
                self.idle.set()
                stop.wait(self.poll_seconds)
            else:
                self.idle.clear()
