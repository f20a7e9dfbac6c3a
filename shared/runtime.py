"""What one application process holds: config, database, background workers, health checks.

Surfaces register their workers, daily jobs and health checks here from their ``init_app``;
``treffpunkt serve`` starts the workers once, in the serving process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from shared.clock import local_now
from shared.config import Config
from shared.db import Database
from shared.jobs import DAILY_JOB, JobWorker, claim_daily_run, default_owner
from shared.speech.synthesis import Synthesizer

log = logging.getLogger(__name__)

Worker = Callable[[threading.Event], None]
DAILY_RUN_TIME = timedelta(hours=3, minutes=15)
DailyJob = Callable[[Session], object]
HealthCheck = Callable[[], dict[str, Any]]


@dataclass
class Runtime:
    """Per-process state of the application, stored in ``app.extensions["treffpunkt"]``."""

    config: Config
    db: Database
    synthesizer: Synthesizer
    workers: dict[str, Worker] = field(default_factory=dict)
    daily_jobs: dict[str, DailyJob] = field(default_factory=dict)
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    daily_poll_seconds: float = 60.0

    def add_worker(self, name: str, worker: Worker) -> None:
        """Register a background loop; it must return soon after *stop_event* is set."""
        self.workers[name] = worker

    def add_daily_job(self, name: str, job: DailyJob) -> None:
        """Register a job run once a day (and once at start-up) in its own transaction."""
        self.daily_jobs[name] = job

    def add_health_check(self, name: str, check: HealthCheck) -> None:
        """Register a check for ``/healthz``; it returns a dict with at least ``ok``."""
        self.health_checks[name] = check

    def start_workers(self) -> None:
        """Start every registered worker and the daily scheduler in daemon threads."""
        if self.threads:
            return
        loops = dict(self.workers)
        if self.daily_jobs:
            loops["daily-jobs"] = self._run_daily_jobs
        for name, loop in loops.items():
            thread = threading.Thread(target=self._guard, args=(name, loop), name=name, daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop_workers(self, timeout: float = 5.0) -> None:
        """Ask every worker to stop and wait for them."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout)
        self.threads.clear()
        self.synthesizer.close()

    def _guard(self, name: str, loop: Worker) -> None:
        while not self.stop_event.is_set():
            try:
                loop(self.stop_event)
                return
            except Exception:
                log.exception("worker %s crashed; restarting in 5 s", name)
                self.stop_event.wait(5)

    def run_daily_jobs_once(self) -> dict[str, object]:
        """Run every daily job now; a failing job does not stop the others."""
        results: dict[str, object] = {}
        for name, job in self.daily_jobs.items():
            try:
                with self.db.session() as session:
                    results[name] = job(session)
            except Exception as exc:
                log.exception("daily job %s failed", name)
                results[name] = exc
        return results

    def _run_daily_job(self, payload: dict[str, Any]) -> None:
        """Handler of a claimed daily run (raises so the job is retried)."""
        job = self.daily_jobs.get(str(payload.get("name", "")))
        if job is not None:
            with self.db.session() as session:
                job(session)

    def _run_daily_jobs(self, stop: threading.Event) -> None:
        """Claim each daily job once per day across all app servers, and run claimed ones.

        Any process may run a claimed job (the jobs table leases it), so a run whose server died
        is finished by another one.
        """
        worker = JobWorker(self.db, {DAILY_JOB: self._run_daily_job}, poll_seconds=self.daily_poll_seconds)
        owner = default_owner()
        while not stop.is_set():
            day = schedule_day(local_now())
            for name in self.daily_jobs:
                claim_daily_run(self.db, name, day, owner)
            worker.run_pending()
            stop.wait(self.daily_poll_seconds)


def schedule_day(now: datetime) -> date:
    """The day a daily run belongs to: days change at 03:15 local time, when the city sleeps."""
    return (now - DAILY_RUN_TIME).date()


def get_runtime(app: Flask | None = None) -> Runtime:
    """The runtime of *app* (default: the current app)."""
    runtime: Runtime = (app or current_app).extensions["treffpunkt"]
    return runtime
