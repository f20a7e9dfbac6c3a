"""The durable job table: leased once across workers, taken over after a lost lease, retried with back-off."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import time_machine

from shared.clock import utcnow
from shared.db import Database
from shared.jobs import JobWorker, backoff, claim, complete, enqueue, fail, lane_has_work
from shared.models import Job


def queued(db: Database, kind: str = "test", max_attempts: int = 3) -> int:
    with db.session() as session:
        job = enqueue(session, kind, {"request_id": 7}, max_attempts=max_attempts)
        session.commit()
        return job.id


def stored(db: Database, job_id: int) -> Job:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


def test_a_job_is_leased_to_one_worker_only(db: Database) -> None:
    job_id = queued(db)
    first = claim(db, "server-1", ("test",))
    assert first is not None and first.id == job_id and first.attempts == 1
    assert claim(db, "server-2", ("test",)) is None  # leased: nobody else gets it
    assert claim(db, "server-1", ("other",)) is None
    assert complete(db, first, "server-1")
    assert stored(db, job_id).state == "done"
    assert claim(db, "server-2", ("test",)) is None


def test_concurrent_workers_run_each_job_exactly_once(db: Database) -> None:
    ids = [queued(db) for _ in range(6)]
    ran: list[int] = []
    lock = threading.Lock()

    def handler(payload: dict[str, Any]) -> None:
        with lock:
            ran.append(int(payload["request_id"]))

    workers = [JobWorker(db, {"test": handler}, owner=f"server-{n}") for n in range(3)]
    threads = [threading.Thread(target=worker.run_pending) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ran) == 6
    assert {stored(db, job_id).state for job_id in ids} == {"done"}


def test_an_expired_lease_is_taken_over_and_the_old_owner_cannot_finish(db: Database) -> None:
    job_id = queued(db)
    dead = claim(db, "server-1", ("test",), lease_seconds=60)
    assert dead is not None
    assert claim(db, "server-2", ("test",)) is None
    with time_machine.travel(utcnow() + timedelta(seconds=61), tick=False):
        again = claim(db, "server-2", ("test",))
    assert again is not None and again.id == job_id and again.attempts == 2
    assert not complete(db, dead, "server-1")  # its lease is gone
    assert complete(db, again, "server-2")
    assert stored(db, job_id).state == "done"


def test_failures_back_off_exponentially_then_give_up(db: Database) -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [10, 20, 40]
    job_id = queued(db, max_attempts=2)

    def broken(_payload: dict[str, Any]) -> None:
        raise OSError("download failed")

    worker = JobWorker(db, {"test": broken}, owner="server-1")
    assert worker.run_one() is not None
    job = stored(db, job_id)
    assert job.state == "queued" and job.attempts == 1 and job.last_error == "OSError: download failed"
    assert job.run_after >= utcnow() + timedelta(seconds=9)
    assert worker.run_one() is None  # not due yet
    with time_machine.travel(utcnow() + timedelta(seconds=11), tick=False):
        assert worker.run_one() is not None
    assert stored(db, job_id).state == "failed"


def test_a_failure_by_a_worker_that_lost_its_lease_changes_nothing(db: Database) -> None:
    queued(db)
    job = claim(db, "server-1", ("test",))
    assert job is not None
    assert not fail(db, job, "server-2", "not mine")
    assert stored(db, job.id).state == "running"


def test_an_idle_lane_is_seen_in_one_lookup_and_only_its_own_jobs_count(db: Database) -> None:
    assert not lane_has_work(db, ("print",), "kiosk-a")
    with db.session() as session:
        job_id = enqueue(session, "print", {"slip": 1}, queue="kiosk-b").id
        session.commit()
    assert not lane_has_work(db, ("print",), "kiosk-a")  # another printer's lane
    assert lane_has_work(db, ("print",), "kiosk-b")
    job = claim(db, "server-1", ("print",), queue="kiosk-b")
    assert job is not None and job.id == job_id
    assert lane_has_work(db, ("print",), "kiosk-b")  # running: a dead worker's job must still be found
    assert complete(db, job, "server-1")
    assert not lane_has_work(db, ("print",), "kiosk-b")
