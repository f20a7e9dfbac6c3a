"""Durable background jobs: the one leased job table for every kind of work (print, voice messages, daily runs).

A job is a row (:class:`shared.models.Job`): it survives restarts. A worker claims a due job with
a conditional UPDATE, so across several app servers exactly one of them gets it, and holds it
under a lease; a worker that dies leaves the lease to expire and the next worker takes the job
over. A failing job is retried with exponential back-off until ``max_attempts``. Handlers must be
idempotent: a job whose worker died after the work but before :func:`complete` runs again.

Two options serve work that must not be repeated or reordered (a slip on a printer): a *serial*
claim runs one job of a lane (``queue``) at a time, oldest first, and ``takeover=False`` leaves an
interrupted job to :func:`fail_interrupted` instead of running it again. A job with ``expires_at``
that did not start in time is marked ``expired`` by :func:`expire`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from shared.clock import utcnow
from shared.db import Database
from shared.models import DailyRun, Job
from shared.models.vocabulary import JobState

log = logging.getLogger(__name__)

LEASE_SECONDS = 300
BACKOFF_SECONDS = 10
POLL_SECONDS = 2.0

Handler = Callable[[dict[str, Any]], None]


def enqueue(session: Session, kind: str, payload: dict[str, Any], max_attempts: int = 5,
            delay_seconds: float = 0, queue: str = "", expires_in: timedelta | None = None) -> Job:
    """Queue a job in the caller's transaction (it runs once that commits), in lane *queue*;
    with *expires_in* it expires unless started within that time."""
    now = utcnow()
    job = Job(kind=kind, queue=queue, payload=payload, state=JobState.QUEUED, attempts=0, max_attempts=max_attempts,
              run_after=now + timedelta(seconds=delay_seconds), created_at=now,
              expires_at=now + expires_in if expires_in is not None else None)
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


def backoff(attempts: int, base: float = BACKOFF_SECONDS, cap: float | None = None) -> timedelta:
    """Wait before the next attempt after *attempts* failed ones: base, 2×base, 4×base, … (at most *cap*)."""
    seconds = base * 2 ** max(0, attempts - 1)
    return timedelta(seconds=seconds if cap is None else min(seconds, cap))


def _in_lane(kinds: tuple[str, ...], queue: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Job.kind.in_(kinds)]
    if queue is not None:
        conditions.append(Job.queue == queue)
    return conditions


def lane_has_work(db: Database, kinds: tuple[str, ...], queue: str | None) -> bool:
    """Whether lane *queue* holds a queued or running job: one index lookup, all an idle worker's poll
    costs (it shares the process, and its interpreter lock, with the web requests)."""
    with db.engine.connect() as connection:
        found = connection.execute(select(Job.id).where(*_in_lane(kinds, queue),
                                                        Job.state.in_((JobState.QUEUED, JobState.RUNNING))).limit(1))
        return found.first() is not None


def claim(db: Database, owner: str, kinds: tuple[str, ...], lease_seconds: float = LEASE_SECONDS,
          queue: str | None = None, serial: bool = False, takeover: bool = True) -> Job | None:
    """Lease the oldest due job of *kinds* (in lane *queue*, if given) to *owner*.

    Due is queued, past ``run_after`` and not past ``expires_at``, or (with *takeover*) running with
    an expired lease. A *serial* claim takes only the lane's oldest due job and none while another
    job of the lane runs under a live lease.
    """
    now = utcnow()
    queued = and_(Job.state == JobState.QUEUED, Job.run_after <= now,
                  or_(Job.expires_at.is_(None), Job.expires_at > now))
    due = or_(queued, and_(Job.state == JobState.RUNNING, Job.lease_until < now)) if takeover else queued
    lane = _in_lane(kinds, queue)
    conditions = [due]
    if serial:
        other = aliased(Job)
        running = select(other.id).where(other.kind.in_(kinds), other.state == JobState.RUNNING,
                                         other.lease_until >= now)
        if queue is not None:
            running = running.where(other.queue == queue)
        conditions.append(~running.exists())
    with db.session() as session:
        order = (Job.id,) if serial else (Job.run_after, Job.id)  # a serial lane keeps the order of queueing
        candidates = list(session.scalars(select(Job.id).where(*lane, due).order_by(*order).limit(1 if serial else 5)))
        for job_id in candidates:
            result = session.execute(
                update(Job).where(Job.id == job_id, *conditions)
                .values(state=JobState.RUNNING, lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds),
                        attempts=Job.attempts + 1)
                .execution_options(synchronize_session=False))
            session.commit()
            if getattr(result, "rowcount", 0) == 1:  # nobody else took it in between
                job = session.get(Job, job_id)  # not in this session's identity map yet: read fresh
                if job is not None:
                    session.expunge(job)
                    return job
    return None


def _finish(db: Database, job: Job, owner: str, values: dict[str, Any]) -> bool:
    with db.session() as session:
        result = session.execute(update(Job).where(Job.id == job.id, Job.lease_owner == owner,
                                                   Job.state == JobState.RUNNING).values(**values))
        session.commit()
        return getattr(result, "rowcount", 0) == 1


def complete(db: Database, job: Job, owner: str) -> bool:
    """Mark *job* done; False if *owner* lost its lease meanwhile (another worker has it)."""
    return _finish(db, job, owner, {"state": JobState.DONE, "lease_owner": None, "lease_until": None,
                                    "finished_at": utcnow(), "last_error": None})


def fail(db: Database, job: Job, owner: str, error: str, retry: bool = True, delay: timedelta | None = None) -> bool:
    """Record a failed attempt: queued again after *delay* (default :func:`backoff`), or failed for
    good once ``max_attempts`` are used up or without *retry*."""
    now = utcnow()
    if not retry or job.attempts >= job.max_attempts:
        values: dict[str, Any] = {"state": JobState.FAILED, "finished_at": now}
    else:
        values = {"state": JobState.QUEUED, "run_after": now + (delay if delay is not None else backoff(job.attempts))}
    return _finish(db, job, owner, {**values, "lease_owner": None, "lease_until": None,
                                    "last_error": error[:500]})


def hold_lane(db: Database, kind: str, queue: str, until: datetime, note: str) -> int:
    """Push every due job of lane *queue* back to *until*, counting an attempt (the resource they
    all need, such as their printer, is not ready); returns how many."""
    with db.session() as session:
        result = session.execute(
            update(Job).where(Job.kind == kind, Job.queue == queue, Job.state == JobState.QUEUED,
                              Job.run_after <= utcnow())
            .values(attempts=Job.attempts + 1, run_after=until, last_error=note[:500])
            .execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0))


def _close_all(db: Database, lane: list[ColumnElement[bool]], state: JobState, note: str) -> int:
    """Close each job matching *lane* as *state* with *note* and its last problem; returns how many."""
    now = utcnow()
    closed = 0
    with db.session() as session:
        for job in session.scalars(select(Job).where(*lane)).all():
            reason = f" Last problem: {job.last_error}" if job.last_error else ""
            closed += int(getattr(session.execute(
                update(Job).where(Job.id == job.id, Job.state == job.state)
                .values(state=state, finished_at=now, lease_owner=None, lease_until=None,
                        last_error=f"{note}{reason}"[:500])
                .execution_options(synchronize_session=False)), "rowcount", 0))
    return closed


def expire(db: Database, kinds: tuple[str, ...], queue: str | None, note: str) -> int:
    """Mark queued jobs past their ``expires_at`` as expired, with *note*; returns how many."""
    return _close_all(db, [*_in_lane(kinds, queue), Job.state == JobState.QUEUED, Job.expires_at <= utcnow()],
                      JobState.EXPIRED, note)


def fail_interrupted(db: Database, kinds: tuple[str, ...], queue: str | None, note: str) -> int:
    """Fail running jobs whose worker died (lease expired) instead of running them again: for work
    that must happen at most once. Returns how many."""
    return _close_all(db, [*_in_lane(kinds, queue), Job.state == JobState.RUNNING, Job.lease_until < utcnow()],
                      JobState.FAILED, note)


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
