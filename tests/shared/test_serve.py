"""``treffpunkt serve`` as a user starts it: a real process on a port, pages, a hotline call over
the media-stream WebSocket, background workers, and a clean stop on SIGTERM."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator
from websockets.sync.client import connect

from shared.db import Database
from tests.support.served import free_port, start_serve

AUTH_TOKEN = "serve-test-twilio-token"
CALL_SID = "CA" + "5" * 32


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


@pytest.fixture
def served(tmp_path: Path, database_url: str, db: Database) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The server in its own process on a free port, with a dummy printer and the stream hotline."""
    port = free_port()
    environment = {**os.environ, "TREFFPUNKT_DATA_DIR": str(tmp_path / "data"),
                   "TREFFPUNKT_DATABASE_URL": database_url, "TREFFPUNKT_SECRET_KEY": "serve-test-secret-0123456789",
                   "TREFFPUNKT_PRINTER": "dummy:", "TREFFPUNKT_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                   "TREFFPUNKT_IVR_MODE": "stream"}
    process = start_serve(environment, port, timeout=60)
    base = f"http://127.0.0.1:{port}"
    yield base, process
    if process.poll() is None:
        process.kill()
        process.communicate()


def _dial_in(base: str) -> tuple[str, str]:
    """Twilio's signed first webhook; returns the stream URL and the call's one-time token."""
    url = f"{base}/ivr/twilio/voice"
    params = {"CallSid": CALL_SID, "AccountSid": "AC" + "0" * 32, "From": "+4923112345678",
              "To": "+4923150290000", "CallStatus": "ringing", "Direction": "inbound"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    request = urllib.request.Request(url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=10) as response:
        twiml = ET.fromstring(response.read())
    stream = twiml.find(".//Stream")
    assert stream is not None
    parameters = {item.attrib["name"]: item.attrib["value"] for item in stream.iter("Parameter")}
    return stream.attrib["url"], parameters["token"]


@pytest.mark.slow
def test_serve_answers_pages_a_streamed_call_and_stops_cleanly(
        served: tuple[str, subprocess.Popen[str]]) -> None:
    base, process = served
    status, body = _get(f"{base}/kiosk/")
    assert status == 200 and b"Heute" in body
    deadline = time.monotonic() + 30
    while True:  # the print worker runs in the server process and reports the printer it checked
        health = json.loads(_get(f"{base}/healthz")[1])
        if health["checks"]["printer"]["status"] == "ready" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert health["checks"]["database"]["ok"] and health["checks"]["printer"]["status"] == "ready"

    stream_url, token = _dial_in(base)
    assert stream_url.endswith("/ivr/stream")
    stream_sid = "MZ" + "b" * 32
    with connect(f"ws://{base.removeprefix('http://')}/ivr/stream") as ws:
        ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        ws.send(json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": stream_sid, "start": {
            "accountSid": "AC" + "0" * 32, "streamSid": stream_sid, "callSid": CALL_SID, "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"token": token, "callSid": CALL_SID}}}))
        greeting = json.loads(ws.recv(timeout=30))
        assert greeting["event"] == "media" and greeting["streamSid"] == stream_sid
        assert len(base64.b64decode(greeting["media"]["payload"])) == 160  # one 20 ms µ-law frame
        ws.send(json.dumps({"event": "stop", "sequenceNumber": "2", "streamSid": stream_sid,
                            "stop": {"accountSid": "AC" + "0" * 32, "callSid": CALL_SID}}))

    process.send_signal(signal.SIGTERM)
    _out, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors[-2000:]
    assert "Traceback" not in errors
