"""Daily jobs (the retention purge among them) run once per day across several app servers on one
database, as leased durable jobs (issue 12), not once per process."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.app import create_app
from shared.clock import local_now
from shared.config import Config
from shared.db import Database
from shared.jobs import DAILY_JOB, claim, claim_daily_run
from shared.models import DailyRun, Job
from shared.runtime import Runtime, get_runtime, schedule_day


def _server(config: Config, runs: Counter[str], name: str) -> Runtime:
    """One app server: its own app and its own engine (connection pool) on the shared database."""
    runtime = get_runtime(create_app(config, Database(config.database_url)))
    runtime.workers.clear()  # only the daily scheduler runs in this test

    def probe(session: Session) -> None:
        runs[name] += 1
        time.sleep(0.3)  # long enough for the other server to look at the same day

    runtime.daily_jobs.clear()
    runtime.daily_jobs["probe"] = probe
    runtime.daily_poll_seconds = 0.1
    return runtime


def _wait_for_done(db: Database, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with db.session() as session:
            if session.scalar(select(func.count()).select_from(Job).where(Job.state == "done")):
                return
        time.sleep(0.1)
    raise AssertionError("the daily run did not finish")


def test_two_app_servers_run_a_daily_job_once(config: Config, db: Database) -> None:
    runs: Counter[str] = Counter()
    servers = [_server(config, runs, "a"), _server(config, runs, "b")]
    for server in servers:
        server.start_workers()
    try:
        _wait_for_done(db)
        time.sleep(0.5)  # both schedulers polled again meanwhile
    finally:
        for server in servers:
            server.stop_workers()
            server.db.dispose()
    assert sum(runs.values()) == 1, runs
    with db.session() as session:
        claims = list(session.scalars(select(DailyRun)))
        assert [(claim.name, claim.day) for claim in claims] == [("probe", schedule_day(local_now()))]
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == DAILY_JOB)) == 1


def test_a_run_whose_server_died_is_finished_by_another(config: Config, db: Database) -> None:
    day = schedule_day(local_now())
    assert claim_daily_run(db, "probe", day, "dead-server")
    assert not claim_daily_run(db, "probe", day, "other-server")  # one claim per day
    leased = claim(db, "dead-server", (DAILY_JOB,), lease_seconds=0.01)  # then it dies
    assert leased is not None
    runs: Counter[str] = Counter()
    survivor = _server(config, runs, "survivor")
    survivor.start_workers()
    try:
        _wait_for_done(db)
    finally:
        survivor.stop_workers()
        survivor.db.dispose()
    assert runs == Counter({"survivor": 1})


def test_the_day_changes_at_quarter_past_three() -> None:
    assert schedule_day(datetime(2026, 12, 7, 3, 14)) == date(2026, 12, 6)
    assert schedule_day(datetime(2026, 12, 7, 3, 15)) == date(2026, 12, 7)


def test_claims_from_many_threads_admit_one(db: Database) -> None:
    day = date(2026, 12, 7)
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(claim_daily_run(db, "race", day, "t")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
