"""Recordings fetched from Twilio are deleted there afterwards through the twilio library's REST
client, recordings without consent are deleted there unread, and failed downloads and deletions are
retried durably from the jobs table (issue 12). A real local HTTP server stands in for api.twilio.com."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from sqlalchemy import select, update

from ivr.speech.audio import write_wav
from ivr.speech.recognition import NoRecognizer
from ivr.transports.recordings import FETCH_ATTEMPTS, VOICE_MESSAGE_JOB, FetchJob, RecordingAttacher, RecordingFetcher
from shared.clock import utcnow
from shared.db import Database
from shared.jobs import backoff
from shared.models import Job, VoiceMessage
from shared.services.requests import NewRequest, create_request

ACCOUNT = "AC" + "0" * 32
TOKEN = "test-twilio-auth-token"
RECORDING_PATH = f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE0123456789abcdef0123456789abcdef"
BASIC = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()


class _FakeTwilio(BaseHTTPRequestHandler):
    failures_left: ClassVar[int] = 0
    delete_failures_left: ClassVar[int] = 0
    log: ClassVar[list[tuple[str, str, str]]] = []
    body: ClassVar[bytes] = b""

    def _answer(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        type(self).log.append(("GET", self.path, self.headers.get("Authorization", "")))
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            self._answer(503)
        else:
            self._answer(200, self.body)

    def do_DELETE(self) -> None:
        type(self).log.append(("DELETE", self.path, self.headers.get("Authorization", "")))
        if "RE9999" in self.path:
            self._answer(404, b'{"code": 20404, "message": "not found", "status": 404}')
        elif type(self).delete_failures_left > 0:
            type(self).delete_failures_left -= 1
            self._answer(500, b'{"code": 20500, "message": "Internal Server Error", "status": 500}')
        else:
            self._answer(204)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def twilio() -> Iterator[str]:
    tone = (np.sin(np.arange(8000) * 2 * np.pi * 300 / 8000) * 6000).astype(np.int16)
    _FakeTwilio.body, _FakeTwilio.log, _FakeTwilio.failures_left = write_wav(tone, 8000), [], 0
    _FakeTwilio.delete_failures_left = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeTwilio)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _request_id(db: Database) -> int:
    with db.session() as session:
        request, _ = create_request(session, NewRequest(
            kind="callback", channel="phone", district_slug="hoerde", phone="0231 1234567", caller_name="",
            topic="", consent_data=True, consent_recording=True, idempotency_key="twilio-deletion"), actor="test")
        return request.id


def _queue(db: Database, fetcher: RecordingFetcher, request_id: int, base: str) -> None:
    with db.session() as session:
        fetcher.submit(session, FetchJob(request_id, "message", base + RECORDING_PATH, 1.0, ACCOUNT))


def _make_due(db: Database) -> None:
    with db.session() as session:
        session.execute(update(Job).values(run_after=utcnow() - timedelta(seconds=1)))


def test_a_stored_recording_is_deleted_at_twilio(db: Database, tmp_path: Path, twilio: str) -> None:
    fetcher = RecordingFetcher(db, tmp_path, NoRecognizer(), TOKEN, api_base=twilio)
    _queue(db, fetcher, _request_id(db), twilio)
    assert fetcher.worker.run_pending() == 1
    methods = [(method, path) for method, path, _ in _FakeTwilio.log]
    assert methods == [("GET", RECORDING_PATH + ".wav"), ("DELETE", RECORDING_PATH + ".json")]
    assert all(auth == BASIC for _, _, auth in _FakeTwilio.log)  # the account SID and auth token
    with db.session() as session:
        assert session.scalars(select(VoiceMessage.purpose)).all() == ["message"]
        assert session.scalars(select(Job.state)).all() == ["done"]


def test_a_failed_download_is_retried_from_the_jobs_table(db: Database, tmp_path: Path, twilio: str) -> None:
    fetcher = RecordingFetcher(db, tmp_path, NoRecognizer(), TOKEN, api_base=twilio)
    _queue(db, fetcher, _request_id(db), twilio)
    _FakeTwilio.failures_left = 3  # Twilio answers 503 three times (minutes, not 15 s)
    for _ in range(3):
        fetcher.worker.run_pending()
        with db.session() as session:
            job = session.scalars(select(Job).where(Job.kind == VOICE_MESSAGE_JOB)).one()
            assert job.state == "queued" and job.run_after > utcnow()
        _make_due(db)
    fetcher.worker.run_pending()
    with db.session() as session:
        assert session.scalars(select(Job.state)).all() == ["done"]
        assert session.scalars(select(VoiceMessage.purpose)).all() == ["message"]
    assert [method for method, _, _ in _FakeTwilio.log] == ["GET"] * 4 + ["DELETE"]
    assert _FakeTwilio.log[-1] == ("DELETE", RECORDING_PATH + ".json", BASIC)
    total = sum((backoff(attempt) for attempt in range(1, FETCH_ATTEMPTS)), timedelta())
    assert total > timedelta(hours=1)  # retried for over an hour before giving up


def test_credentials_never_go_to_another_host(db: Database, tmp_path: Path, twilio: str) -> None:
    fetcher = RecordingFetcher(db, tmp_path, NoRecognizer(), TOKEN, api_base=twilio)
    with pytest.raises(ValueError):
        fetcher.delete_at_twilio(FetchJob(1, "message", "http://evil.example" + RECORDING_PATH, 1.0, ACCOUNT))
    assert _FakeTwilio.log == []


def test_a_failed_deletion_at_twilio_is_retried_without_downloading_again(db: Database, tmp_path: Path,
                                                                         twilio: str) -> None:
    fetcher = RecordingFetcher(db, tmp_path, NoRecognizer(), TOKEN, api_base=twilio)
    _queue(db, fetcher, _request_id(db), twilio)
    _FakeTwilio.delete_failures_left = 2
    for _ in range(2):
        fetcher.worker.run_pending()
        with db.session() as session:
            job = session.scalars(select(Job).where(Job.kind == VOICE_MESSAGE_JOB)).one()
            assert job.state == "queued" and job.run_after > utcnow()  # kept for a later attempt
        _make_due(db)
    fetcher.worker.run_pending()
    assert [method for method, _, _ in _FakeTwilio.log] == ["GET", "DELETE", "DELETE", "DELETE"]
    with db.session() as session:
        assert session.scalars(select(Job.state)).all() == ["done"]
        assert session.scalars(select(VoiceMessage.purpose)).all() == ["message"]  # stored once


def test_a_recording_without_consent_is_deleted_at_twilio_unread(db: Database, tmp_path: Path, twilio: str) -> None:
    fetcher = RecordingFetcher(db, tmp_path, NoRecognizer(), TOKEN, api_base=twilio)
    attacher = RecordingAttacher(tmp_path, NoRecognizer(), fetcher)
    _FakeTwilio.delete_failures_left = 1
    with db.session() as session:
        attacher.discard(session, {"purpose": "message", "ref": f"url:{twilio}{RECORDING_PATH}|{ACCOUNT}"})
        session.commit()
    fetcher.worker.run_pending()
    _make_due(db)
    fetcher.worker.run_pending()
    assert _FakeTwilio.log == [("DELETE", RECORDING_PATH + ".json", BASIC)] * 2  # never a GET
    with db.session() as session:
        assert [tuple(row) for row in session.execute(select(Job.kind, Job.state))] == [("recording_delete", "done")]
        assert session.scalars(select(VoiceMessage.id)).all() == []


def test_an_already_deleted_recording_is_fine(db: Database, tmp_path: Path, twilio: str) -> None:
    fetcher = RecordingFetcher(db, tmp_path, NoRecognizer(), TOKEN, api_base=twilio)
    missing = FetchJob(1, "message", twilio + RECORDING_PATH.replace("RE0123", "RE9999"), 1.0, ACCOUNT)
    fetcher.delete_at_twilio(missing)
    assert [method for method, _, _ in _FakeTwilio.log] == ["DELETE"]
