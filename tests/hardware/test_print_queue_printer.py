"""The durable print queue against a real TCP printer: faults, backoff, recovery, exactly once, expiry."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import time_machine
from sqlalchemy import select, update

from hardware.receipt_content import Footer, ScheduleSlip, SlipEvent
from shared.clock import utcnow
from shared.config import Config
from shared.db import Database
from shared.models import Job, PrinterState
from shared.printing.queue import enqueue, job_progress, print_pending, printer_health
from shared.printing.worker import PRINT_JOB, PrintWorker
from tests.hardware.printer_emulator import Emulator


def slip(title: str) -> ScheduleSlip:
    event = SlipEvent("2026-11-23T14:00:00+01:00", "2026-11-23T16:00:00+01:00", title, "BZ Hörde", "Hörde")
    return ScheduleSlip("Begegnungszentrum Hörde", "Heute in Hörde", [event], Footer("Seniorenbüro Hörde", "0231 1"))


def queue(db: Database, *titles: str, ttl: int = 15) -> list[int]:
    with db.session() as session:
        return [enqueue(session, slip(title), ttl).id for title in titles]


def states(db: Database) -> dict[int, str]:
    with db.session() as session:
        return dict(session.execute(select(Job.id, Job.state).where(Job.kind == PRINT_JOB)).all())


def make_due(db: Database) -> None:
    """Skip the backoff wait (the backoff itself is tested in test_print_queue)."""
    with db.session() as session:
        session.execute(update(Job).where(Job.state == "queued").values(run_after=utcnow()))


def printer_config(config: Config, url: str) -> Config:
    return config.replace(printer=url, printer_profile="TM-T20II")


def test_a_job_prints_once(db: Database, config: Config, emulator: Emulator) -> None:
    config = printer_config(config, emulator.url)
    [job_id] = queue(db, "Grüße aus Hörde")
    assert print_pending(db, config) == 1
    assert print_pending(db, config) == 0
    [text] = emulator.wait_for_receipts(1)
    assert "Grüße aus Hörde" in text
    with db.session() as session:
        progress = job_progress(session, job_id)
    assert (progress.state, progress.reason, progress.final) == ("done", "done", True)
    assert emulator.wait_for_receipts(2, timeout=1.0) == [text]


def test_paper_out_keeps_jobs_queued_and_recovery_prints_each_once(db: Database, config: Config,
                                                                   emulator: Emulator) -> None:
    config = printer_config(config, emulator.url)
    emulator.fault("paper-out")
    first, second = queue(db, "Erster Zettel", "Zweiter Zettel")
    assert print_pending(db, config) == 0
    assert states(db) == {first: "queued", second: "queued"}
    with db.session() as session:
        progress = job_progress(session, first)
        job = session.get(Job, first)
        assert job is not None
        assert job.attempts == 1
        assert job.last_error is not None and "paper_out" in job.last_error
        assert job.run_after > utcnow()
        held = session.get(Job, second)
        assert held is not None and held.run_after > utcnow()  # the printer's other jobs wait as well
        assert job_progress(session, second).reason == "paper_out"
    assert (progress.state, progress.reason, progress.final) == ("queued", "paper_out", False)
    health = printer_health(db)
    assert (health["ok"], health["status"], health["paper"], health["queued"]) == (False, "paper_out", "out", 2)

    make_due(db)
    assert print_pending(db, config) == 0  # still out of paper: retried, not printed
    emulator.fault("paper-out", active=False)
    make_due(db)
    assert print_pending(db, config) == 2
    assert states(db) == {first: "done", second: "done"}
    receipts = emulator.wait_for_receipts(2)
    assert ["Erster Zettel" in receipts[0], "Zweiter Zettel" in receipts[1]] == [True, True]
    make_due(db)
    assert print_pending(db, config) == 0
    assert len(emulator.wait_for_receipts(3, timeout=1.5)) == 2
    assert printer_health(db)["status"] == "ready"


def test_offline_printer_and_switched_off_printer_recover(db: Database, config: Config, emulator: Emulator,
                                                          closed_port_url: str) -> None:
    [job_id] = queue(db, "Nach dem Ausfall")
    emulator.fault("offline")
    assert print_pending(db, printer_config(config, emulator.url)) == 0
    with db.session() as session:
        assert job_progress(session, job_id).reason == "offline"
    make_due(db)
    assert print_pending(db, printer_config(config, closed_port_url)) == 0
    assert printer_health(db)["status"] == "offline"
    emulator.fault("offline", active=False)
    make_due(db)
    assert print_pending(db, printer_config(config, emulator.url)) == 1
    assert len(emulator.wait_for_receipts(1)) == 1
    assert emulator.wait_for_receipts(2, timeout=1.0)[0].count("Nach dem Ausfall") == 1


def test_refilled_printer_prints_within_a_minute_from_the_worker_loop(db: Database, config: Config,
                                                                       emulator: Emulator) -> None:
    config = printer_config(config, emulator.url)
    emulator.fault("paper-out")
    queue(db, "Nachgefüllt")
    stop = threading.Event()
    worker = threading.Thread(target=PrintWorker(db, config).loop, args=(stop,))
    worker.start()
    try:
        time.sleep(3)
        assert emulator.receipts() == []
        emulator.fault("paper-out", active=False)
        refilled = time.monotonic()
        assert len(emulator.wait_for_receipts(1, timeout=60)) == 1
        assert time.monotonic() - refilled < 60
    finally:
        stop.set()
        worker.join(10)
    with db.session() as session:
        state = session.get(PrinterState, "default")
        assert state is not None
        assert state.status == "ready"


def test_a_job_expires_with_a_note_instead_of_printing_late(db: Database, config: Config,
                                                             emulator: Emulator) -> None:
    config = printer_config(config, emulator.url)
    emulator.fault("paper-out")
    [job_id] = queue(db, "Veraltet", ttl=1)
    assert print_pending(db, config) == 0
    emulator.fault("paper-out", active=False)
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        with db.session() as session:
            assert job_progress(session, job_id).reason == "expired"
        assert print_pending(db, config) == 1
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.last_error is not None
        assert job.state == "expired"
        assert job.last_error.startswith("Expired: not printed within 15 minutes.")
        assert "paper_out" in job.last_error
        progress = job_progress(session, job_id)
    assert (progress.state, progress.reason, progress.final) == ("expired", "expired", True)
    assert emulator.wait_for_receipts(1, timeout=1.5) == []


def test_two_workers_on_one_printer_print_each_job_once(db: Database, config: Config, emulator: Emulator) -> None:
    config = printer_config(config, emulator.url)
    job_ids = queue(db, *(f"Zettel {number}" for number in range(6)))
    databases = [Database(db.url), Database(db.url)]
    workers = [PrintWorker(database, config, owner=f"server-{index}") for index, database in enumerate(databases)]
    results: dict[str, int] = {}
    start = threading.Barrier(2)

    def run(worker: PrintWorker) -> None:
        start.wait()
        results[worker.owner] = sum(worker.run_cycle() for _ in range(3))

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for database in databases:
        database.dispose()
    assert sum(results.values()) == 6  # a printer prints one job at a time, whichever server claims it
    assert set(states(db).values()) == {"done"}
    receipts = emulator.wait_for_receipts(6)
    assert len(emulator.wait_for_receipts(7, timeout=1.5)) == 6
    for number in range(6):
        assert sum(f"Zettel {number}" in text for text in receipts) == 1
    assert [next(n for n in range(6) if f"Zettel {n}" in text) for text in receipts] == list(range(6))  # in order
    assert len(job_ids) == 6
