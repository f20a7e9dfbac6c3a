"""Retention purge (time frozen), per-person export and erasure, the audit log page."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shared.cli.main import main
from shared.clock import utcnow
from shared.config import Config
from shared.db import Database
from shared.jobs import enqueue
from shared.models import AuditEntry, Job, Note, Request, StatusChange, VoiceMessage
from shared.runtime import get_runtime
from shared.services.recordings import voice_message_path
from shared.services.requests import change_status
from shared.services.retention import PurgeReport, purge
from tests.staff.conftest import RequestFactory, voice_of, wav_bytes
from tests.support.staff_login import csrf_token


def _close(db: Database, request_id: int) -> None:
    with db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        change_status(session, request, "done", "test", reason="erledigt")


def _count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_purge_removes_old_recordings_then_old_requests(db: Database, config: Config,
                                                        make_request: RequestFactory) -> None:
    start = utcnow()
    with time_machine.travel(start, tick=False) as traveller:
        closed = make_request(voice=wav_bytes())
        still_open = make_request(voice=wav_bytes(), phone="0231 7654321")
        _close(db, closed.id)
        with db.session() as session:
            closed_file = voice_message_path(config.data_dir, voice_of(session, closed.id))
            open_file = voice_message_path(config.data_dir, voice_of(session, still_open.id))
        assert closed_file.is_file() and open_file.is_file()

        traveller.shift(timedelta(days=89))
        with db.session() as session:
            report = purge(session, config.data_dir, 90, 365)
        assert report.voice_messages == 0 and closed_file.is_file()

        traveller.shift(timedelta(days=2))
        with db.session() as session:
            report = purge(session, config.data_dir, 90, 365)
        assert report.voice_messages == 1 and report.requests == 0
        assert not closed_file.exists() and open_file.is_file()
        with db.session() as session:
            assert session.get(Request, closed.id) is not None
            assert session.scalars(select(VoiceMessage).where(VoiceMessage.request_id == closed.id)).first() is None

        traveller.shift(timedelta(days=365 - 91 + 1))
        with db.session() as session:
            report = purge(session, config.data_dir, 90, 365)
        assert report.requests == 1
        with db.session() as session:
            assert session.get(Request, closed.id) is None
            assert session.get(Request, still_open.id) is not None
            assert session.scalar(select(func.count()).select_from(StatusChange)
                                  .where(StatusChange.request_id == closed.id)) == 0
        assert open_file.is_file()
    with db.session() as session:
        details = list(session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "purge")))
    assert details[-1] == "voice=0 requests=1 sessions=0 calls=0 jobs=0"


def test_purge_deletes_finished_jobs_after_the_voice_retention_only(db: Database, config: Config) -> None:
    now = utcnow()
    with db.session() as session:
        jobs = {name: enqueue(session, "print", {"slip": name}, queue="kiosk") for name in
                ("old_done", "old_failed", "old_expired", "recent_done", "queued", "running")}
        session.flush()
        for name, state in (("old_done", "done"), ("old_failed", "failed"), ("old_expired", "expired"),
                            ("recent_done", "done"), ("running", "running")):
            jobs[name].state = state
            jobs[name].finished_at = now - timedelta(days=1 if name.startswith("recent") else 91)
        session.commit()
        ids = {name: job.id for name, job in jobs.items()}
    with db.session() as session:
        report = purge(session, config.data_dir, 90, 365)
        session.commit()
    assert report.jobs == 3
    with db.session() as session:
        left = set(session.scalars(select(Job.id)))
    assert left == {ids["recent_done"], ids["queued"], ids["running"]}


def test_purge_command_and_daily_job(db: Database, config: Config, make_request: RequestFactory, app: Flask,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with time_machine.travel(utcnow() - timedelta(days=400), tick=False):
        old = make_request(voice=wav_bytes())
        _close(db, old.id)
    monkeypatch.setenv("TREFFPUNKT_DATABASE_URL", config.database_url)
    monkeypatch.setenv("TREFFPUNKT_DATA_DIR", str(config.data_dir))
    result = CliRunner().invoke(main, ["purge"])
    assert result.exit_code == 0, result.output
    assert "1 Anfragen" in result.output
    assert _count(db, Request) == 0
    assert "retention-purge" in get_runtime(app).daily_jobs
    report = get_runtime(app).run_daily_jobs_once()["retention-purge"]
    assert isinstance(report, PurgeReport) and report.requests == 0


def test_person_export_contains_everything_and_is_audited(admin_client: FlaskClient, make_request: RequestFactory,
                                                          db: Database) -> None:
    first = make_request(voice=wav_bytes(), phone="0231 1234567")
    make_request(phone="+49 231 1234567", channel="kiosk", district="eving", topic="Mittagstisch")
    make_request(phone="0231 9999999", name="Jemand anders")
    with db.session() as session:
        session.add(Note(request_id=first.id, text="Tochter ruft zurück", created_at=utcnow()))
    response = admin_client.post("/staff/privacy/export", data={
        "phone": "0231-1234567", "csrf_token": csrf_token(admin_client, "/staff/privacy")})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    document = json.loads(archive.read("data.json"))
    assert [item["topic"] for item in document["requests"]] == ["Hilfe im Haushalt", "Mittagstisch"]
    assert document["requests"][0]["notes"][0]["text"] == "Tochter ruft zurück"
    recording = document["requests"][0]["voice_messages"][0]
    assert recording["transcript"] == "Bitte rufen Sie mich an."
    assert archive.read(recording["file"])[:4] == b"RIFF"
    assert "Jemand anders" not in json.dumps(document)
    with db.session() as session:
        exports = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "export")))
        assert len(exports) == 3
        assert all("1234567" not in entry.detail for entry in exports)


def test_person_erasure_removes_rows_and_files(admin_client: FlaskClient, make_request: RequestFactory,
                                               db: Database, config: Config) -> None:
    target = make_request(voice=wav_bytes(), phone="0231 1234567")
    other = make_request(voice=wav_bytes(), phone="0231 9999999")
    with db.session() as session:
        target_file = voice_message_path(config.data_dir, voice_of(session, target.id))
        other_file = voice_message_path(config.data_dir, voice_of(session, other.id))
    token = csrf_token(admin_client, "/staff/privacy")
    mismatch = admin_client.post("/staff/privacy/erase", data={"phone": "0231 1234567", "confirm": "0231 1234568",
                                                               "csrf_token": token}, follow_redirects=True)
    assert "noch einmal eingeben" in mismatch.get_data(as_text=True)
    assert target_file.is_file()
    response = admin_client.post("/staff/privacy/erase", data={"phone": "0231 1234567", "confirm": "02311234567",
                                                               "csrf_token": token}, follow_redirects=True)
    assert "1 Anfragen" in response.get_data(as_text=True)
    assert not target_file.exists() and other_file.is_file()
    with db.session() as session:
        assert session.get(Request, target.id) is None and session.get(Request, other.id) is not None
        erased = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")))
        assert [entry.record_id for entry in erased] == [str(target.id)]


def test_privacy_and_audit_pages_are_for_admins_only(hoerde_client: FlaskClient, admin_client: FlaskClient,
                                                      make_request: RequestFactory) -> None:
    item = make_request()
    assert hoerde_client.get("/staff/privacy").status_code == 403
    assert hoerde_client.get("/staff/audit").status_code == 403
    hoerde_client.get(f"/staff/requests/{item.id}")
    page = admin_client.get(f"/staff/audit?record_type=request&record_id={item.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "staff:hoerde1" in body and "view" in body
    assert "Erika Muster" not in body


def test_erasure_needs_admin(hoerde_client: FlaskClient, make_request: RequestFactory, db: Database,
                             tmp_path: Path) -> None:
    make_request(phone="0231 1234567")
    response = hoerde_client.post("/staff/privacy/erase", data={
        "phone": "0231 1234567", "confirm": "0231 1234567", "csrf_token": csrf_token(hoerde_client, "/staff/")})
    assert response.status_code == 403
    assert _count(db, Request) == 1
