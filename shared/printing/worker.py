"""The worker that turns a printer's queued print jobs into paper.

A print job is a ``jobs`` row of kind :data:`PRINT_JOB` whose lane (``queue``) is the printer and
whose payload is the slip; leasing, retry with back-off, expiry and takeover are
:mod:`shared.jobs`'. Print jobs are claimed *serially* (one at a time per printer, oldest first,
so two app servers sharing a printer neither interleave nor reorder slips). Offline or out of
paper: the job and every other due one of the printer go back to the queue with a short back-off
(at most :data:`MAX_BACKOFF_SECONDS`, so a refilled printer prints within a minute). A job not
printed before its ``expires_at`` becomes ``expired`` with a note. A job whose worker died while
printing is marked ``failed``, not taken over (it may have printed; printing it again could give a
senior two slips).
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hardware.printer_status import PrinterStatus
from hardware.receipt_content import slip_from_json
from hardware.receipt_render import render_slip
from hardware.transports import NotPrinted, PrinterTransport, PrinterUrlError, open_transport
from shared import jobs
from shared.clock import as_utc, utcnow
from shared.config import Config
from shared.db import Database
from shared.models import Job, PrinterState
from shared.models.vocabulary import JobState

log = logging.getLogger(__name__)

PRINT_JOB = "print"
DEFAULT_PRINTER = "default"
LEASE_SECONDS = 60
POLL_SECONDS = 2.0
BACKOFF_BASE_SECONDS = 2
MAX_BACKOFF_SECONDS = 20
MAX_ATTEMPTS = 10_000  # a print job ends at its deadline (expires_at), not after a number of tries
STATUS_REFRESH_SECONDS = 30
PRINTER_SCHEMES = ("tcp://", "usb://", "serial://", "file://", "cups://", "dummy:")
INTERRUPTED = "Interrupted while printing (worker stopped); it may have printed, so it is not repeated."


def backoff_seconds(attempts: int) -> int:
    """Wait before the next try after *attempts* failed ones: 2, 4, 8, 16, 20, 20, … seconds."""
    return int(jobs.backoff(attempts, BACKOFF_BASE_SECONDS, MAX_BACKOFF_SECONDS).total_seconds())


def printer_url(config: Config, printer: str) -> str:
    """The connection URL of *printer*: this server's printer name (``TREFFPUNKT_PRINTER_NAME``) is
    ``TREFFPUNKT_PRINTER``; a URL names itself."""
    if printer == config.printer_name:
        return config.printer
    if printer.startswith(PRINTER_SCHEMES):
        return printer
    raise PrinterUrlError(printer, "not this server's printer name (TREFFPUNKT_PRINTER_NAME) nor a printer URL")


def record_status(session: Session, printer: str, status: PrinterStatus, now: datetime) -> None:
    """Store the last known status for the kiosk, ``/healthz`` and ``printer status``."""
    state = session.get(PrinterState, printer)
    if state is None:
        try:
            with session.begin_nested():
                state = PrinterState(printer=printer)
                session.add(state)
        except IntegrityError:  # another process recorded this printer first
            state = session.get(PrinterState, printer)
    if state is not None:
        state.status, state.detail, state.checked_at = status.state, json.dumps(status.as_dict()), now


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
        self.owner = owner or jobs.default_owner()
        self._transport: PrinterTransport | None = None
        self._status_checked: datetime | None = None

    @property
    def transport(self) -> PrinterTransport:
        """The connection to this worker's printer."""
        if self._transport is None:
            url = printer_url(self.config, self.printer)
            self._transport = open_transport(url, self.config.data_dir / "receipts")
        return self._transport

    def run_cycle(self) -> int:
        """Expire, print what is due; return how many jobs reached a final state.

        Returns at once when another worker (this process's loop or another server) is printing
        on this printer: it prints the new jobs too.
        """
        lane = ((PRINT_JOB,), self.printer)
        if not jobs.lane_has_work(self.db, *lane):
            self._refresh_status(utcnow())
            return 0
        expired = f"Expired: not printed within {self.config.print_job_ttl_minutes} minutes."
        finished = jobs.expire(self.db, *lane, expired) + jobs.fail_interrupted(self.db, *lane, INTERRUPTED)
        claimed = False
        while (job := jobs.claim(self.db, self.owner, (PRINT_JOB,), LEASE_SECONDS, queue=self.printer,
                                 serial=True, takeover=False)) is not None:
            claimed = True
            outcome = self._print(job)
            if outcome is None:
                break
            finished += outcome
        if not claimed:
            self._refresh_status(utcnow())
        return finished

    def loop(self, stop: threading.Event) -> None:
        """Run cycles until *stop* is set."""
        while not stop.is_set():
            self.run_cycle()
            stop.wait(POLL_SECONDS)

    def _refresh_status(self, now: datetime) -> None:
        if self._status_checked and (now - self._status_checked).total_seconds() < STATUS_REFRESH_SECONDS:
            return
        self._record(self.transport.status(), now)

    def _record(self, status: PrinterStatus, now: datetime) -> None:
        with self.db.session() as session:
            record_status(session, self.printer, status, now)
        self._status_checked = now

    def _print(self, job: Job) -> int | None:
        """Print one claimed job: 1 if it reached a final state, ``None`` when the printer is not ready."""
        try:
            receipt = render_slip(slip_from_json(dict(job.payload)), self.config.printer_profile)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            jobs.fail(self.db, job, self.owner, f"The slip cannot be printed: {type(exc).__name__}", retry=False)
            log.error("print job %s has an unreadable slip: %s", job.id, type(exc).__name__)
            return 1
        try:
            status = self.transport.send(receipt, f"job-{job.id}")
        except NotPrinted as exc:
            self._postpone(job, exc.status)
            return None
        jobs.complete(self.db, job, self.owner)
        self._record(status, utcnow())
        log.info("print job %s printed on %s", job.id, self.printer)
        return 1

    def _postpone(self, job: Job, status: PrinterStatus) -> None:
        """Back to the queue: this job and every other due one of the printer wait for the same back-off."""
        note = f"{status.state}: {status.detail}"
        delay = jobs.backoff(job.attempts, BACKOFF_BASE_SECONDS, MAX_BACKOFF_SECONDS)
        jobs.fail(self.db, job, self.owner, note, delay=delay)
        jobs.hold_lane(self.db, PRINT_JOB, self.printer, utcnow() + delay, note)
        self._record(status, utcnow())
        log.warning("printer %s not ready (%s); job %s retried in %s s", self.printer, status.state, job.id,
                    int(delay.total_seconds()))


def job_due(job: Job, now: datetime) -> bool:
    """Whether *job* waits for a printer right now (queued and not yet expired)."""
    return job.state == JobState.QUEUED and (job.expires_at is None or as_utc(job.expires_at) > now)
