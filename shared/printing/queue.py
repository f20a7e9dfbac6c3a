"""The print queue: surfaces enqueue slips as durable jobs (:mod:`shared.jobs`, kind ``print``, lane
= the printer), the printer's worker prints them.

A job carries the slip content (not bytes), so it is rendered for the printer it prints on. The
worker itself lives in :mod:`shared.printing.worker`; this module is what surfaces call: ``enqueue``,
``print_pending`` (print now, synchronously), ``job_progress`` (what to tell the senior) and
``init_app`` (worker and ``/healthz`` check).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hardware.receipt_content import Slip
from shared import jobs
from shared.clock import utcnow
from shared.config import Config
from shared.db import Database
from shared.errors import NotFound
from shared.models import Job, PrinterState
from shared.models.vocabulary import FINAL_JOB_STATES, JobState
from shared.printing.worker import DEFAULT_PRINTER, MAX_ATTEMPTS, PRINT_JOB, PrintWorker, job_due, stored_status
from shared.runtime import get_runtime


def enqueue(session: Session, slip: Slip, ttl_minutes: int, printer: str = DEFAULT_PRINTER) -> Job:
    """Queue *slip* for *printer*; it must print within *ttl_minutes* or it expires."""
    return jobs.enqueue(session, PRINT_JOB, asdict(slip), max_attempts=MAX_ATTEMPTS, queue=printer,
                        expires_in=timedelta(minutes=ttl_minutes))


def enqueue_here(session: Session, slip: Slip, config: Config) -> Job:
    """Queue *slip* for this server's printer, expiring after ``TREFFPUNKT_PRINT_JOB_TTL_MINUTES``."""
    return enqueue(session, slip, config.print_job_ttl_minutes, config.printer_name)


def get_job(session: Session, job_id: int) -> Job:
    """One print job or :class:`NotFound`."""
    job = session.get(Job, job_id)
    if job is None or job.kind != PRINT_JOB:
        raise NotFound(f"print job {job_id}")
    return job


def slip_kind(job: Job) -> str:
    """What a print job prints: ``schedule``, ``event`` or ``request``."""
    return str(job.payload.get("kind", ""))


@dataclass(frozen=True)
class JobProgress:
    """What the kiosk tells a senior about a slip: the job state and a plain reason.

    ``state`` is a :class:`JobState`; ``reason`` is one of ``queued``, ``printing``, ``done``,
    ``paper_out``, ``cover_open``, ``offline``, ``expired``, ``failed``; ``final`` is true when
    nothing will change any more.
    """

    job_id: int
    state: str
    reason: str
    attempts: int
    final: bool


def job_progress(session: Session, job_id: int) -> JobProgress:
    """The progress of print job *job_id* (:class:`NotFound` if there is none)."""
    job = get_job(session, job_id)
    reason = "printing" if job.state == JobState.RUNNING else job.state
    if job.state == JobState.QUEUED:
        if not job_due(job, utcnow()):
            reason = JobState.EXPIRED
        else:
            status = stored_status(session.get(PrinterState, job.queue))
            if job.attempts and status.state in ("paper_out", "cover_open", "offline"):
                reason = status.state
    final = job.state in FINAL_JOB_STATES
    return JobProgress(job_id=job.id, state=job.state, reason=reason, attempts=job.attempts, final=final)


def print_pending(db: Database, config: Config, printer: str | None = None) -> int:
    """Print what is due on *printer* (default: this server's) now, in this thread; return how many
    jobs reached a final state.

    Returns 0 without printing while another worker (this process's or another server's) is
    printing on it right now: that worker prints the new jobs within seconds.
    """
    return PrintWorker(db, config, printer or config.printer_name).run_cycle()


def list_jobs(session: Session, printer: str | None = None, limit: int = 50) -> list[Job]:
    """The newest print jobs first, optionally of one printer."""
    query = select(Job).where(Job.kind == PRINT_JOB).order_by(Job.id.desc()).limit(limit)
    if printer is not None:
        query = query.where(Job.queue == printer)
    return list(session.scalars(query))


def count_queued(session: Session, printer: str = DEFAULT_PRINTER) -> int:
    """How many jobs wait for *printer*."""
    return int(session.scalar(select(func.count()).select_from(Job).where(
        Job.kind == PRINT_JOB, Job.queue == printer, Job.state.in_((JobState.QUEUED, JobState.RUNNING)))) or 0)


def printer_health(db: Database, printer: str = DEFAULT_PRINTER) -> dict[str, Any]:
    """The ``printer`` entry of ``/healthz``: last known status, paper and queued jobs."""
    with db.session() as session:
        state = session.get(PrinterState, printer)
        status = stored_status(state)
        queued = count_queued(session, printer)
        checked = state.checked_at.isoformat() if state and state.checked_at else None
    return {"ok": status.state in ("ready", "unknown"), "status": status.state, "paper": status.paper,
            "detail": status.detail, "queued": queued, "checked_at": checked}


def init_app(app: Flask) -> None:
    """Start the worker of this server's printer (``TREFFPUNKT_PRINTER_NAME``) with the server and
    report it in ``/healthz``."""
    runtime = get_runtime(app)
    name = runtime.config.printer_name
    worker = PrintWorker(runtime.db, runtime.config, name)
    runtime.add_worker(f"print-queue:{name}", worker.loop)
    runtime.add_health_check("printer", lambda: printer_health(runtime.db, name))
