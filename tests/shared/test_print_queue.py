"""The print queue with the dummy printer: backoff, leases, interrupted and broken jobs, app and CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from hardware.receipt_content import Footer, RequestSlip
from hardware.transports import PrinterUrlError
from shared import jobs
from shared.cli.main import main
from shared.clock import utcnow
from shared.config import Config
from shared.db import Database
from shared.errors import NotFound
from shared.models import Job
from shared.printing.queue import enqueue, enqueue_here, get_job, job_progress, print_pending
from shared.printing.worker import MAX_BACKOFF_SECONDS, PRINT_JOB, PrintWorker, backoff_seconds, printer_url
from shared.runtime import get_runtime
from shared.seed.demo import seed_all

SLIP = RequestSlip("BZ Hörde", "48271930", "home_visit", "Hörde", "2026-11-24", Footer("Seniorenbüro", "0231 1"))


def receipts(config: Config) -> list[Path]:
    return sorted((config.data_dir / "receipts").glob("*.txt"))


def test_dummy_printer_prints_and_saves_a_preview(db: Database, config: Config) -> None:
    with db.session() as session:
        job_id = enqueue(session, SLIP, 15).id
        assert job_progress(session, job_id).reason == "queued"
    assert print_pending(db, config) == 1
    [preview] = receipts(config)
    assert "Hausbesuch" in preview.read_text(encoding="utf-8")
    assert "4827 1930" in preview.read_text(encoding="utf-8")
    assert preview.with_suffix(".bin").read_bytes().startswith(b"\x1b@\x1bt\x13")
    with db.session() as session:
        job = get_job(session, job_id)
        assert (job.state, job.kind, job.queue, job.attempts, job.last_error) == ("done", "print", "default", 1, None)


def test_backoff_is_short_and_capped() -> None:
    assert [backoff_seconds(attempt) for attempt in range(1, 7)] == [2, 4, 8, 16, 20, 20]
    assert MAX_BACKOFF_SECONDS + 2 * 2 < 60  # backoff plus a poll: a refilled printer prints within a minute


def test_a_printer_prints_one_job_at_a_time_oldest_first(db: Database) -> None:
    with db.session() as session:
        first, second = (enqueue(session, SLIP, 15).id for _ in range(2))
        other_printer = enqueue(session, SLIP, 15, printer="bz-eving").id
    lane = ((PRINT_JOB,), 60, "default")

    def take(owner: str) -> Job | None:
        return jobs.claim(db, owner, lane[0], lane[1], queue=lane[2], serial=True, takeover=False)

    job = take("server-a")
    assert job is not None and job.id == first
    assert take("server-b") is None  # server-a is printing on this printer
    eving = jobs.claim(db, "server-b", (PRINT_JOB,), queue="bz-eving", serial=True)
    assert eving is not None and eving.id == other_printer  # another printer is another lane
    assert jobs.complete(db, job, "server-a")
    job = take("server-b")
    assert job is not None and job.id == second


def test_worker_prints_nothing_while_another_server_prints_on_the_printer(db: Database, config: Config) -> None:
    with db.session() as session:
        enqueue(session, SLIP, 15)
        enqueue(session, SLIP, 15)
    assert jobs.claim(db, "another-server", (PRINT_JOB,), queue="default", serial=True) is not None
    assert print_pending(db, config) == 0
    assert receipts(config) == []


def test_job_interrupted_while_printing_is_not_printed_twice(db: Database, config: Config) -> None:
    with db.session() as session:
        job_id = enqueue(session, SLIP, 15).id
        session.execute(update(Job).values(state="running", lease_owner="gone",
                                           lease_until=utcnow() - timedelta(minutes=1)))
    assert print_pending(db, config) == 1
    with db.session() as session:
        job = get_job(session, job_id)
        assert job.state == "failed"
        assert "Interrupted" in (job.last_error or "")
        assert job_progress(session, job_id).final
    assert receipts(config) == []


def test_unreadable_slip_fails_with_a_note_and_the_queue_goes_on(db: Database, config: Config) -> None:
    with db.session() as session:
        broken = enqueue(session, SLIP, 15)
        broken.payload = {"kind": "schedule", "centre": "x"}
        good_id = enqueue(session, SLIP, 15).id
        broken_id = broken.id
    assert print_pending(db, config) == 2
    with db.session() as session:
        assert get_job(session, broken_id).state == "failed"
        assert "cannot be printed" in (get_job(session, broken_id).last_error or "")
        assert get_job(session, good_id).state == "done"
    assert len(receipts(config)) == 1


def test_unknown_job_and_printer_names(db: Database, config: Config) -> None:
    with db.session() as session, pytest.raises(NotFound):
        job_progress(session, 4711)
    assert printer_url(config, "tcp://10.0.0.9:9100") == "tcp://10.0.0.9:9100"
    with pytest.raises(PrinterUrlError):
        printer_url(config, "kiosk-2")
    with pytest.raises(PrinterUrlError):
        PrintWorker(db, config, "kiosk-2").transport  # noqa: B018 - the property opens the connection


def test_app_starts_the_worker_and_reports_the_printer(app: Flask, client: FlaskClient, db: Database) -> None:
    runtime = get_runtime(app)
    assert "print-queue:default" in runtime.workers
    with db.session() as session:
        enqueue(session, SLIP, 15)
    body = client.get("/healthz").get_json()
    assert body["checks"]["printer"]["queued"] == 1
    assert body["checks"]["printer"]["status"] == "unknown"
    runtime.start_workers()
    try:
        for _ in range(300):  # up to 30 s on a loaded machine; a few hundred ms when quiet
            if client.get("/healthz").get_json()["checks"]["printer"]["queued"] == 0:
                break
            runtime.stop_event.wait(0.1)
        printer = client.get("/healthz").get_json()["checks"]["printer"]
    finally:
        runtime.stop_workers()
    assert (printer["ok"], printer["status"], printer["paper"], printer["queued"]) == (True, "ready", "ok", 0)


def cli_env(config: Config) -> dict[str, str]:
    return {"TREFFPUNKT_DATA_DIR": str(config.data_dir), "TREFFPUNKT_DATABASE_URL": config.database_url,
            "TREFFPUNKT_SECRET_KEY": "test-secret-key-0123456789", "TREFFPUNKT_PRINTER": "dummy:"}


def test_cli_status_test_schedule_and_jobs(db: Database, config: Config) -> None:
    with db.session() as session:
        seed_all(session, "bz-hoerde", "test-kiosk-token")
    runner = CliRunner()
    env = cli_env(config)
    status = runner.invoke(main, ["printer", "status", "--json"], env=env)
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["state"] == "ready"

    test = runner.invoke(main, ["printer", "test"], env=env)
    assert test.exit_code == 0, test.output
    preview = receipts(config)[0].read_text(encoding="utf-8")
    assert "ä ö ü Ä Ö Ü ß €" in preview
    assert "ğ ı İ ş" in preview

    queued = runner.invoke(main, ["printer", "print-schedule", "--days", "7"], env=env)
    assert queued.exit_code == 0, queued.output
    assert "eingereiht" in queued.output
    jobs = json.loads(runner.invoke(main, ["printer", "jobs", "--json"], env=env).output)["jobs"]
    assert [(job["kind"], job["state"]) for job in jobs] == [("schedule", "queued")]
    assert print_pending(db, config) == 1
    schedule = receipts(config)[-1].read_text(encoding="utf-8")
    assert "Hörde" in schedule
    listing = runner.invoke(main, ["printer", "jobs"], env=env)
    assert "done" in listing.output

    unknown = runner.invoke(main, ["printer", "print-schedule", "--district", "atlantis"], env=env)
    assert unknown.exit_code == 1
    assert "Nicht gefunden" in unknown.output


def test_cli_status_of_a_switched_off_printer_fails(config: Config, db: Database) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = cli_env(config) | {"TREFFPUNKT_PRINTER": f"tcp://127.0.0.1:{port}"}
    result = CliRunner().invoke(main, ["printer", "status"], env=env)
    assert result.exit_code == 1
    assert "offline" in result.output


def test_print_pending_does_not_wait_for_a_busy_worker(db: Database, config: Config) -> None:
    with db.session() as session:
        enqueue(session, SLIP, 15)
        enqueue(session, SLIP, 15)
    busy = PrintWorker(db, config)  # this process's worker, in the middle of printing the first slip
    job = jobs.claim(db, busy.owner, (PRINT_JOB,), queue="default", serial=True)
    assert job is not None
    started = utcnow()
    assert print_pending(db, config) == 0
    assert utcnow() - started < timedelta(seconds=2)
    assert jobs.complete(db, job, busy.owner)
    assert print_pending(db, config) == 1


def test_kiosks_sharing_a_database_print_only_their_own_slips(db: Database, config: Config) -> None:
    hoerde = config.replace(printer_name="bz-hoerde", printer=f"file://{config.data_dir / 'hoerde.bin'}")
    eving = config.replace(printer_name="bz-eving", printer=f"file://{config.data_dir / 'eving.bin'}")
    config.data_dir.mkdir(parents=True, exist_ok=True)
    for device in ("hoerde.bin", "eving.bin"):  # like /dev/usb/lp0, the device file exists
        (config.data_dir / device).touch()
    with db.session() as session:
        job_id = enqueue_here(session, SLIP, hoerde).id
    assert print_pending(db, eving) == 0  # Eving's worker does not touch Hörde's slip
    with db.session() as session:
        assert get_job(session, job_id).state == "queued"
    assert print_pending(db, hoerde) == 1
    assert b"48271930" in (config.data_dir / "hoerde.bin").read_bytes().replace(b" ", b"")
    assert (config.data_dir / "eving.bin").read_bytes() == b""
    with pytest.raises(PrinterUrlError):
        printer_url(eving, "bz-hoerde")


def test_a_printer_name_must_be_a_short_slug(tmp_path: Path) -> None:
    from shared.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="PRINTER_NAME"):
        load_config(environ={"TREFFPUNKT_DATA_DIR": str(tmp_path), "TREFFPUNKT_PRINTER_NAME": "Hörde Drucker"})
