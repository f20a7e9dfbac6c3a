"""The one worker per printer that turns queued print jobs into paper.

Exactly one worker drives a printer, even when several server processes share the database: it
holds a lease in ``printer_states`` (taken and renewed with a conditional UPDATE, so the database
decides who wins). A job is claimed with ``queued → printing`` (again a conditional UPDATE) and
becomes ``done`` once its bytes were handed to a ready printer. Offline or out of paper: the job
goes back to ``queued`` with a short backoff (at most :data:`MAX_BACKOFF_SECONDS`, so a refilled
printer prints within a minute). A job not printed before ``expires_at`` becomes ``expired`` with
a note in ``last_error``. A job left in ``printing`` by a worker that died is marked ``failed``
(it may have printed; printing it again could give a senior two slips).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hardware.printer_status import PrinterStatus
from hardware.receipt_content import slip_from_json
from hardware.receipt_render import render_slip
from hardware.transports import NotPrinted, PrinterTransport, PrinterUrlError, open_transport
from shared.clock import as_utc, utcnow
from shared.config import Config
from shared.db import Database
from shared.models import PrinterState, PrintJob
from shared.models.vocabulary import PrintJobState

log = logging.getLogger(__name__)

DEFAULT_PRINTER = "default"
LEASE_SECONDS = 30
POLL_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 20
STATUS_REFRESH_SECONDS = 30
PRINTER_SCHEMES = ("tcp://", "usb://", "serial://", "file://", "cups://", "dummy:")

_owners: dict[int, str] = {}
_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


def process_owner() -> str:
    """A lease owner id for this process (recomputed after a fork, so forked workers differ)."""
    pid = os.getpid()
    if pid not in _owners:
        _owners[pid] = f"{socket.gethostname()[:40]}:{pid}:{uuid.uuid4().hex[:8]}"
    return _owners[pid]


def backoff_seconds(attempts: int) -> int:
    """Wait before the next try after *attempts* failed ones: 2, 4, 8, 16, 20, 20, … seconds."""
    return int(min(2 ** max(1, attempts), MAX_BACKOFF_SECONDS))


def printer_url(config: Config, printer: str) -> str:
    """The connection URL of *printer*: this server's printer name (``TREFFPUNKT_PRINTER_NAME``) is
    ``TREFFPUNKT_PRINTER``; a URL names itself."""
    if printer == config.printer_name:
        return config.printer
    if printer.startswith(PRINTER_SCHEMES):
        return printer
    raise PrinterUrlError(printer, "not this server's printer name (TREFFPUNKT_PRINTER_NAME) nor a printer URL")


def acquire_lease(session: Session, printer: str, owner: str, now: datetime) -> bool:
    """Take or renew the lease on *printer*; ``False`` while another live worker holds it."""
    if session.get(PrinterState, printer) is None:
        try:
            with session.begin_nested():
                session.add(PrinterState(printer=printer, status="unknown", detail="", lease_owner=""))
        except IntegrityError:
            pass  # another process created the row first; the UPDATE below decides
    result = session.execute(
        update(PrinterState)
        .where(PrinterState.printer == printer)
        .where((PrinterState.lease_owner == owner) | (PrinterState.lease_until.is_(None))
               | (PrinterState.lease_until < now))
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=LEASE_SECONDS))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release_lease(session: Session, printer: str, owner: str) -> None:
    """Give the lease up so another process can take over at once."""
    session.execute(
        update(PrinterState).where(PrinterState.printer == printer, PrinterState.lease_owner == owner)
        .values(lease_owner="", lease_until=None).execution_options(synchronize_session=False)
    )


def record_status(session: Session, printer: str, status: PrinterStatus, now: datetime) -> None:
    """Store the last known status for the kiosk, ``/healthz`` and ``printer status``."""
    session.execute(
        update(PrinterState).where(PrinterState.printer == printer)
        .values(status=status.state, detail=json.dumps(status.as_dict()), checked_at=now)
        .execution_options(synchronize_session=False)
    )


def stored_status(state: PrinterState | None) -> PrinterStatus:
    """The status last recorded in *state*."""
    if state is None or not state.detail.startswith("{"):
        return PrinterStatus("unknown", "unknown", "not checked yet")
    data = json.loads(state.detail)
    return PrinterStatus(data.get("state", "unknown"), data.get("paper", "unknown"), data.get("detail", ""))


class PrintWorker:
    """Prints the due jobs of one printer; :meth:`run_cycle` does one round, :meth:`loop` repeats it."""

    def __init__(self, db: Database, config: Config, printer: str = DEFAULT_PRINTER,
                 owner: str | None = None) -> None:
        self.db = db
        self.config = config
        self.printer = printer
        self.owner = owner or process_owner()
        self._transport: PrinterTransport | None = None
        self._status_checked: datetime | None = None
        with _locks_guard:
            self._lock = _locks.setdefault((self.owner, printer), threading.Lock())

    @property
    def transport(self) -> PrinterTransport:
        """The connection to this worker's printer."""
        if self._transport is None:
            url = printer_url(self.config, self.printer)
            self._transport = open_transport(url, self.config.data_dir / "receipts")
        return self._transport

    def run_cycle(self, wait: bool = True) -> int:
        """Expire, print what is due; return how many jobs reached a final state (0 without the lease).

        With ``wait=False`` it returns 0 at once while this process is already printing on the
        printer (that round, or the next one 2 s later, prints the new jobs too).
        """
        if not self._lock.acquire(blocking=wait):
            return 0
        try:
            return self._cycle()
        finally:
            self._lock.release()

    def _cycle(self) -> int:
        now = utcnow()
        with self.db.session() as session:
            if not acquire_lease(session, self.printer, self.owner, now):
                return 0
            finished = self._expire_overdue(session, now) + self._fail_interrupted(session, now)
            due = list(session.scalars(
                select(PrintJob.id).where(PrintJob.printer == self.printer, PrintJob.state == PrintJobState.QUEUED,
                                          PrintJob.next_attempt_at <= now).order_by(PrintJob.id)))
        if not due:
            self._refresh_status(now)
            return finished
        for job_id in due:
            outcome = self._print_one(job_id)
            if outcome is None:
                break
            finished += outcome
        return finished

    def loop(self, stop: threading.Event) -> None:
        """Run cycles until *stop* is set, then hand the lease back."""
        try:
            while not stop.is_set():
                self.run_cycle()
                stop.wait(POLL_SECONDS)
        finally:
            with self.db.session() as session:
                release_lease(session, self.printer, self.owner)

    def _expire_overdue(self, session: Session, now: datetime) -> int:
        jobs = session.scalars(select(PrintJob).where(
            PrintJob.printer == self.printer, PrintJob.state == PrintJobState.QUEUED, PrintJob.expires_at <= now)).all()
        for job in jobs:
            reason = f" Last problem: {job.last_error}" if job.last_error else ""
            job.state, job.finished_at = PrintJobState.EXPIRED, now
            job.last_error = f"Expired: not printed within {self.config.print_job_ttl_minutes} minutes.{reason}"
            log.warning("print job %s expired on printer %s", job.id, self.printer)
        return len(jobs)

    def _fail_interrupted(self, session: Session, now: datetime) -> int:
        stale = now - timedelta(seconds=LEASE_SECONDS)
        jobs = session.scalars(select(PrintJob).where(
            PrintJob.printer == self.printer, PrintJob.state == PrintJobState.PRINTING,
            PrintJob.started_at < stale)).all()
        for job in jobs:
            job.state, job.finished_at = PrintJobState.FAILED, now
            job.last_error = "Interrupted while printing (worker stopped); it may have printed, so it is not repeated."
        return len(jobs)

    def _refresh_status(self, now: datetime) -> None:
        if self._status_checked and (now - self._status_checked).total_seconds() < STATUS_REFRESH_SECONDS:
            return
        status = self.transport.status()
        self._status_checked = now
        with self.db.session() as session:
            record_status(session, self.printer, status, now)

    def _claim(self, job_id: int) -> dict[str, object] | None:
        now = utcnow()
        with self.db.session() as session:
            if not acquire_lease(session, self.printer, self.owner, now):
                return None
            claimed = session.execute(
                update(PrintJob)
                .where(PrintJob.id == job_id, PrintJob.state == PrintJobState.QUEUED, PrintJob.expires_at > now)
                .values(state=PrintJobState.PRINTING, started_at=now).execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return {}
            payload: dict[str, object] = session.scalars(select(PrintJob.payload).where(PrintJob.id == job_id)).one()
            return payload

    def _print_one(self, job_id: int) -> int | None:
        """Print one job: 1 if it reached a final state, 0 if skipped, ``None`` to stop this round."""
        payload = self._claim(job_id)
        if payload is None:
            return None
        if not payload:
            return 0
        try:
            receipt = render_slip(slip_from_json(dict(payload)), self.config.printer_profile)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            self._finish(job_id, PrintJobState.FAILED, f"The slip cannot be printed: {type(exc).__name__}")
            log.error("print job %s has an unreadable slip: %s", job_id, type(exc).__name__)
            return 1
        try:
            status = self.transport.send(receipt, f"job-{job_id}")
        except NotPrinted as exc:
            self._postpone(job_id, exc.status)
            return None
        self._finish(job_id, PrintJobState.DONE, "", status)
        log.info("print job %s printed on %s", job_id, self.printer)
        return 1

    def _finish(self, job_id: int, state: PrintJobState, note: str, status: PrinterStatus | None = None) -> None:
        now = utcnow()
        with self.db.session() as session:
            session.execute(
                update(PrintJob).where(PrintJob.id == job_id, PrintJob.state == PrintJobState.PRINTING)
                .values(state=state, finished_at=now, last_error=note,
                        attempts=PrintJob.attempts + 1).execution_options(synchronize_session=False)
            )
            if status is not None:
                record_status(session, self.printer, status, now)
                self._status_checked = now

    def _postpone(self, job_id: int, status: PrinterStatus) -> None:
        """Back to the queue: this job and every other due one wait for the same backoff."""
        now = utcnow()
        note = f"{status.state}: {status.detail}"[:500]
        with self.db.session() as session:
            job = session.get(PrintJob, job_id)
            attempts = (job.attempts if job else 0) + 1
            delay = now + timedelta(seconds=backoff_seconds(attempts))
            session.execute(
                update(PrintJob).where(PrintJob.id == job_id, PrintJob.state == PrintJobState.PRINTING)
                .values(state=PrintJobState.QUEUED, started_at=None).execution_options(synchronize_session=False)
            )
            session.execute(
                update(PrintJob).where(PrintJob.printer == self.printer, PrintJob.state == PrintJobState.QUEUED,
                                       PrintJob.next_attempt_at <= now)
                .values(attempts=PrintJob.attempts + 1, next_attempt_at=delay, last_error=note)
                .execution_options(synchronize_session=False)
            )
            record_status(session, self.printer, status, now)
            self._status_checked = now
        log.warning("printer %s not ready (%s); job %s retried in %s s", self.printer, status.state, job_id,
                    backoff_seconds(attempts))


def job_due(job: PrintJob, now: datetime) -> bool:
    """Whether *job* waits for a printer right now (queued and not yet expired)."""
    return job.state == PrintJobState.QUEUED and as_utc(job.expires_at) > now
