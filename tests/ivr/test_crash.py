"""Nothing lost on a crash: a real ``treffpunkt serve`` killed with SIGKILL mid-call, in both modes.

After the restart the sweep (start-up worker) turns the abandoned call into exactly one
``incomplete`` request holding what the caller gave. The server is assumed to have been down for
ten minutes: the call's last step is moved back in the database, as the clock of a real outage would.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from ivr.speech.audio import mulaw_encode
from shared.clock import utcnow
from shared.db import Database
from shared.models import Call, Request, VoiceMessage
from tests.support.served import free_port, start_serve

AUTH_TOKEN = "crash-test-twilio-token"
CALLER = "+492311234567"
pytestmark = pytest.mark.slow


@contextmanager
def _server(data_dir: Path, database_url: str, mode: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``treffpunkt serve`` in its own process on a free port; killed on exit if still running."""
    port = free_port()
    environment = {**os.environ, "TREFFPUNKT_DATA_DIR": str(data_dir), "TREFFPUNKT_DATABASE_URL": database_url,
                   "TREFFPUNKT_SECRET_KEY": "crash-test-secret-0123456789", "TREFFPUNKT_PRINTER": "dummy:",
                   "TREFFPUNKT_TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TREFFPUNKT_IVR_MODE": mode,
                   "TREFFPUNKT_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    process = start_serve(environment, port)
    base = f"http://127.0.0.1:{port}"
    try:
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()


def _post(url: str, call_sid: str, extra: dict[str, str] | None = None) -> ET.Element:
    """A webhook signed exactly as Twilio signs it; the TwiML answer."""
    params = {"CallSid": call_sid, "AccountSid": "AC" + "0" * 32, "From": CALLER, "To": "+4923150290000",
              "CallStatus": "in-progress", "Direction": "inbound", **(extra or {})}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    request = urllib.request.Request(url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return ET.fromstring(body) if body else ET.Element("Empty")


def _kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL to the server and every worker at once: no process gets to end the call."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


def _server_was_down_ten_minutes(db: Database, call_sid: str) -> None:
    with db.session() as session:
        call = session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
        assert call.ended_at is None and call.request_id is None  # nothing was saved before the kill
        call.state = {**call.state, "touched": (utcnow() - timedelta(minutes=10)).isoformat()}
        session.commit()


def _swept_request(db: Database, call_sid: str) -> Request:
    """The one request the restarted server's sweep makes of the call (waits up to 60 s for the sweep)."""
    deadline = time.monotonic() + 60
    while True:
        with db.session() as session:
            call = session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
            if call.ended_at is not None or time.monotonic() > deadline:
                break
        time.sleep(0.3)
    with db.session() as session:
        requests = list(session.scalars(select(Request)))
    assert len(requests) == 1
    assert call.outcome == "incomplete" and call.ended_at is not None and call.request_id == requests[0].id
    return requests[0]


def _district_slug(db: Database, request: Request) -> str:
    with db.session() as session:
        found = session.get(Request, request.id)
        assert found is not None and found.district is not None
        return found.district.slug


def test_kill_9_mid_call_over_webhooks_leaves_one_incomplete_request(tmp_path: Path, database_url: str,
                                                                     db: Database) -> None:
    call_sid = "CA" + "7" * 32
    with _server(tmp_path / "data", database_url, "gather") as (base, process):
        turn = _post(f"{base}/ivr/twilio/voice", call_sid)
        for digits in ("2", "1", "2", "2", "4"):  # request, home visit, no consent, Osten und Hörde, Hörde
            gather = turn.find("Gather")
            assert gather is not None, ET.tostring(turn)
            turn = _post(gather.attrib["action"], call_sid, {"Digits": digits})
        assert turn.find("Gather") is not None  # the number is read back … and the server dies
        _kill(process)
    _server_was_down_ten_minutes(db, call_sid)
    with _server(tmp_path / "data", database_url, "gather") as (base, _process):
        request = _swept_request(db, call_sid)
        assert (request.status, request.kind, request.phone_e164) == ("incomplete", "home_visit", CALLER)
        assert _district_slug(db, request) == "hoerde"
        _post(f"{base}/ivr/twilio/status", call_sid, {"CallStatus": "completed"})  # Twilio's late callback
        with db.session() as session:
            assert len(list(session.scalars(select(Request)))) == 1


class _Stream:
    """Twilio's side of a Media Stream against the real server: keys, voice, echoed marks."""

    def __init__(self, ws: ClientConnection, call_sid: str) -> None:
        self.ws, self.call_sid, self.stream_sid = ws, call_sid, "MZ" + "c" * 32
        self.voice = False  # what the line carries: a tone while "speaking", else quiet
        self.line = threading.Thread(target=self.media, daemon=True)

    def media(self) -> None:
        """Like Twilio: a media frame every 20 ms for as long as the call lasts."""
        tone = (np.sin(np.arange(160) * 2 * np.pi * 300 / 8000) * 8000).astype(np.int16)
        frames = {True: base64.b64encode(mulaw_encode(tone)).decode(),
                  False: base64.b64encode(mulaw_encode(np.zeros(160, dtype=np.int16))).decode()}
        try:
            while True:
                self.send({"event": "media", "media": {"track": "inbound", "payload": frames[self.voice]}})
                time.sleep(0.02)
        except ConnectionClosed:
            return

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps({**message, "streamSid": self.stream_sid}))

    def start(self, token: str) -> None:
        self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        self.send({"event": "start", "start": {
            "accountSid": "AC" + "0" * 32, "streamSid": self.stream_sid, "callSid": self.call_sid,
            "tracks": ["inbound"], "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"token": token, "callSid": self.call_sid}}})
        self.line.start()

    def key(self, digit: str) -> None:
        self.send({"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": digit}})

    def until_mark(self, timeout: float = 60) -> None:
        """Read until a prompt has been sent in full, echo its mark (as Twilio does once it has played)."""
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message["event"] == "mark":
                self.send({"event": "mark", "mark": message["mark"]})
                return

    def speak(self, seconds: float) -> None:
        self.voice = True
        time.sleep(seconds)
        self.voice = False


def _wait_for_node(db: Database, call_sid: str, node: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with db.session() as session:
            call = session.scalars(select(Call).where(Call.call_sid == call_sid)).one_or_none()  # stored at start
            if call is not None and (call.state.get("flow") or {}).get("node") == node:
                return
        assert time.monotonic() < deadline, f"call never reached {node}"
        time.sleep(0.2)


def test_kill_9_mid_call_over_media_streams_keeps_the_name_recording(tmp_path: Path, database_url: str,
                                                                     db: Database) -> None:
    call_sid = "CA" + "8" * 32
    data_dir = tmp_path / "data"
    with _server(data_dir, database_url, "stream") as (base, process):
        connect_twiml = _post(f"{base}/ivr/twilio/voice", call_sid)
        stream = connect_twiml.find(".//Stream")
        assert stream is not None
        token = {item.attrib["name"]: item.attrib["value"] for item in stream.iter("Parameter")}["token"]
        with connect(f"ws://{base.removeprefix('http://')}/ivr/stream") as ws:
            twilio = _Stream(ws, call_sid)
            twilio.start(token)
            for digit in ("2", "1", "1"):  # request, home visit, consent (keys barge in over the prompts)
                twilio.key(digit)
            _wait_for_node(db, call_sid, "record_name")
            twilio.until_mark()  # the name prompt and the beep have played
            twilio.speak(2.0)
            twilio.key("#")
            _wait_for_node(db, call_sid, "home_district")
            twilio.key("2")  # Osten und Hörde
            twilio.key("4")  # Hörde → the number is read back … and the server dies
            _wait_for_node(db, call_sid, "number_confirm")
            _kill(process)
    _server_was_down_ten_minutes(db, call_sid)
    with _server(data_dir, database_url, "stream"):
        request = _swept_request(db, call_sid)
        assert (request.status, request.kind, request.phone_e164) == ("incomplete", "home_visit", CALLER)
        assert _district_slug(db, request) == "hoerde"
        with db.session() as session:
            messages = list(session.scalars(select(VoiceMessage)))
            assert [message.purpose for message in messages] == ["name"] and messages[0].duration_seconds >= 0.5
            assert (data_dir / "recordings" / messages[0].path).exists()
        assert list((data_dir / "recordings" / "pending").glob("*.wav")) == []  # no orphan file


# --- the stop/recording-callback race --------------------------------------------------------

def test_recording_callback_after_the_hang_up_is_kept_once_without_orphans(
        ivr_app: Any, db: Database, recording_server: str) -> None:
    from ivr.transports.recordings import pending_dir
    from shared.models import Job
    from tests.ivr.conftest import TwilioPhone

    phone = TwilioPhone(ivr_app.test_client(), "CA" + "9" * 32)
    phone.dial_in()
    phone.press("2")
    phone.press("1")                     # home visit
    record = phone.press("1")            # consent → the name is being recorded …
    record_path = record.action_path("Record")
    assert phone.hang_up().status == 204  # … when the status callback overtakes the record callback
    for _ in range(2):                   # the record callback, then Twilio's retry of it
        phone.post(record_path, {"RecordingUrl": recording_server + "-name", "RecordingDuration": "3",
                                 "RecordingSid": "RE9"})
    with db.session() as session:
        request = session.scalars(select(Request)).one()
        assert (request.status, request.kind) == ("incomplete", "home_visit")
        jobs = [job for job in session.scalars(select(Job)) if job.kind == "voice_message"]
        assert len(jobs) == 1 and jobs[0].payload["purpose"] == "name"  # one download, one row to come
    assert list(pending_dir(_data_dir(ivr_app)).glob("*.wav")) == []


def _data_dir(app: Any) -> Path:
    from ivr.hotline import get_hotline

    return Path(get_hotline(app).data_dir)


def test_orphan_pending_recording_is_swept_and_a_claimed_one_kept(ivr_app: Any, db: Database) -> None:
    from ivr.transports.recordings import keep_pending, pending_dir
    from ivr.transports.sweep import LONGEST_STEP, sweep_orphan_recordings

    data_dir = _data_dir(ivr_app)
    orphan = keep_pending(data_dir, "CA" + "1" * 32, "name", b"RIFF-orphan")  # killed before the step committed
    claimed = keep_pending(data_dir, "CA" + "2" * 32, "topic", b"RIFF-claimed")
    with db.session() as session:
        session.add(Call(call_sid="CA" + "2" * 32, transport="stream", started_at=utcnow(), state={"flow": {
            "node": "record_topic", "draft": {"recordings": [{"purpose": "topic", "ref": claimed}]}}}))
        session.commit()
        assert sweep_orphan_recordings(session, data_dir) == 0  # too young: a step may still claim it
        assert sweep_orphan_recordings(session, data_dir, utcnow() + LONGEST_STEP * 2) == 1
    names = sorted(path.name for path in pending_dir(data_dir).glob("*.wav"))
    assert names == [claimed.removeprefix("file:")] and orphan.removeprefix("file:") not in names
