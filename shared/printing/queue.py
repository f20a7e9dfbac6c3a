"""The durable print queue in the database: surfaces enqueue slips, one worker per printer prints.

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
from shared.clock import utcnow
from shared.config import Config
from shared.db import Database
from shared.errors import NotFound
from shared.models import PrinterState, PrintJob
from shared.models.vocabulary import FINAL_PRINT_JOB_STATES, PrintJobState
from shared.printing.worker import DEFAULT_PRINTER, PrintWorker, job_due, stored_status
from shared.runtime import get_runtime


def enqueue(session: Session, slip: Slip, ttl_minutes: int, printer: str = DEFAULT_PRINTER,
            kiosk_id: int | None = None) -> PrintJob:
    """Queue *slip*; it must print within *ttl_minutes* or it expires."""
    now = utcnow()
    job = PrintJob(
        printer=printer, kiosk_id=kiosk_id, kind=slip.kind, payload=asdict(slip), state=PrintJobState.QUEUED,
        created_at=now, next_attempt_at=now, expires_at=now + timedelta(minutes=ttl_minutes),
    )
    session.add(job)
    session.flush()
    return job


def enqueue_here(session: Session, slip: Slip, config: Config, kiosk_id: int | None = None) -> PrintJob:
    """Queue *slip* for this server's printer, expiring after ``TREFFPUNKT_PRINT_JOB_TTL_MINUTES``."""
    return enqueue(session, slip, config.print_job_ttl_minutes, config.printer_name, kiosk_id)


def get_job(session: Session, job_id: int) -> PrintJob:
    """One print job or :class:`NotFound`."""
    job = session.get(PrintJob, job_id)
    if job is None:
        raise NotFound(f"print job {job_id}")
    return job


@dataclass(frozen=True)
class JobProgress:
    """What the kiosk tells a senior about a slip: the job state and a plain reason.

    ``reason`` is one of ``queued``, ``printing``, ``done``, ``paper_out``, ``cover_open``,
    ``offline``, ``expired``, ``failed``; ``final`` is true when nothing will change any more.
    """

    job_id: int
    state: str
    reason: str
    attempts: int
    final: bool


def job_progress(session: Session, job_id: int) -> JobProgress:
    """The progress of print job *job_id* (:class:`NotFound` if there is none)."""
    job = get_job(session, job_id)
    reason = job.state
    if job.state == PrintJobState.QUEUED:
        if not job_due(job, utcnow()):
            reason = PrintJobState.EXPIRED
        else:
            status = stored_status(session.get(PrinterState, job.printer))
            if job.attempts and status.state in ("paper_out", "cover_open", "offline"):
                reason = status.state
    final = job.state in FINAL_PRINT_JOB_STATES
    return JobProgress(job_id=job.id, state=job.state, reason=reason, attempts=job.attempts, final=final)


def print_pending(db: Database, config: Config, printer: str | None = None) -> int:
    """Print what is due on *printer* (default: this server's) now, in this thread; return how many
    jobs reached a final state.

    Returns 0 without printing while another process holds the printer's lease, or while this
    process's worker is printing on it right now: that worker prints the new jobs within seconds.
    """
    return PrintWorker(db, config, printer or config.printer_name).run_cycle(wait=False)


def list_jobs(session: Session, printer: str | None = None, limit: int = 50) -> list[PrintJob]:
    """The newest jobs first, optionally of one printer."""
    query = select(PrintJob).order_by(PrintJob.id.desc()).limit(limit)
    if printer is not None:
        query = query.where(PrintJob.printer == printer)
    return list(session.scalars(query))


def count_queued(session: Session, printer: str = DEFAULT_PRINTER) -> int:
    """How many jobs wait for *printer*."""
    return int(session.scalar(select(func.count()).select_from(PrintJob).where(
        PrintJob.printer == printer, PrintJob.state.in_((PrintJobState.QUEUED, PrintJobState.PRINTING)))) or 0)


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
