"""A German call over Media Streams answered by voice: another voice speaks, Whisper listens.

The caller's answers are German speech from espeak-ng with the MBROLA ``de6`` voice
(:mod:`tests.support.caller_voice`; the hotline speaks with SVOX Pico), sent as µ-law media frames
every 20 ms in real time, as Twilio does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from werkzeug.serving import make_server

from ivr.hotline import get_hotline
from ivr.speech.audio import FRAME_BYTES, MULAW_SILENCE
from ivr.speech.models import WHISPER_NAME, install_packaged_whisper, packaged_whisper_parts
from ivr.speech.recognition import WhisperRecognizer
from ivr.transports import stream
from ivr.transports.recordings import TRANSCRIBE_JOB
from shared.clock import utcnow
from shared.config import Config
from shared.db import Database
from shared.jobs import claim, complete
from shared.models import Call, Job, Request, VoiceMessage
from shared.runtime import get_runtime
from tests.ivr.conftest import TwilioPhone
from tests.ivr.test_stream import SILENCE, TwilioStream, _connect_stream
from tests.support.caller_voice import caller_frames

pytestmark = [pytest.mark.speech_e2e,
              pytest.mark.skipif(packaged_whisper_parts() is None, reason="Whisper packages not installed")]


@pytest.fixture
def whisper_server(config: Config, db: Database, speech_cache: Path,
                   tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Stream mode with Whisper (no Vosk model), served on a free port."""
    from shared.app import create_app

    monkeypatch.setattr(stream, "PACE", 0.0)  # the hotline's prompts arrive at once; the caller talks in real time
    models = config.data_dir / "models"
    models.mkdir(parents=True)
    (models / WHISPER_NAME).symlink_to(install_packaged_whisper(tmp_path_factory.mktemp("whisper")))
    application = create_app(config.replace(ivr_mode="stream", whisper="auto"), db)
    get_runtime(application).synthesizer.cache_dir = speech_cache
    recognizer = get_hotline(application).recognizer
    assert isinstance(recognizer, WhisperRecognizer)
    monkeypatch.setattr(recognizer.gate, "deadline", 120.0)  # a loaded test machine must not send us to the keys
    http_server = make_server("127.0.0.1", 0, application, threaded=True)
    threading.Thread(target=http_server.serve_forever, daemon=True).start()
    application.config["TEST_HOST"] = f"127.0.0.1:{http_server.server_port}"
    try:
        yield application
    finally:
        http_server.shutdown()


def answer(twilio: TwilioStream, text: str, timeout: float = 120) -> list[dict[str, Any]]:
    """Speak *text* in real-time 20 ms frames, then line silence until the reply has played."""
    speech = b"".join(caller_frames(text))
    started = time.monotonic()
    for index in range(0, len(speech), FRAME_BYTES):
        delay = started + index / 8000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        twilio.media(speech[index:index + FRAME_BYTES].ljust(FRAME_BYTES, bytes([MULAW_SILENCE])))
    return until_reply(twilio, timeout)


def press(twilio: TwilioStream, digits: str, timeout: float = 120) -> list[dict[str, Any]]:
    """Press keys, then line silence until the reply has played (a slow synthesis is no frozen line)."""
    for digit in digits:
        twilio.key(digit)
    return until_reply(twilio, timeout)


def until_reply(twilio: TwilioStream, timeout: float) -> list[dict[str, Any]]:
    """Media every 20 ms, as Twilio sends it, until the next prompt's mark (echoed)."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        twilio.media(SILENCE)
        time.sleep(0.02)
        while True:
            try:
                message = json.loads(twilio.ws.recv(timeout=0))
            except TimeoutError:
                break
            got.append(message)
            if message["event"] == "mark":
                twilio.send({"event": "mark", "streamSid": twilio.stream_sid, "mark": message["mark"]})
                return got
    raise AssertionError("no reply")


def node(db: Database) -> str:
    with db.session() as session:
        return str(session.scalars(select(Call)).one().state["flow"]["node"])


def test_a_german_caller_asks_for_a_home_visit_by_voice(whisper_server: Flask, db: Database) -> None:
    phone = TwilioPhone(whisper_server.test_client(), "CA" + "7" * 32)
    host = str(whisper_server.config["TEST_HOST"])
    assert get_hotline(whisper_server).health()["input"] == "speech"
    token, call_sid = _connect_stream(phone, host)
    with connect(f"ws://{host}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        twilio.until_prompt_played()
        answer(twilio, "Hausbesuch")
        assert node(db) == "kind"
        answer(twilio, "Hausbesuch")
        assert node(db) == "consent"
        answer(twilio, "Nein")          # no recordings: the district comes next
        assert node(db) == "home_district"
        answer(twilio, "Hörde")
        assert node(db) == "number_confirm"
        answer(twilio, "Ja")
        assert node(db) == "callback_time"
        answer(twilio, "Morgens")
        assert node(db) == "confirm"
        answer(twilio, "Ja, richtig")   # the summary is right: the reference, goodbye, then we close
        closes_by = time.monotonic() + 60  # the reference and goodbye are played in real time first
        with pytest.raises(ConnectionClosed):
            while time.monotonic() < closes_by:
                ws.recv(timeout=10)
    with db.session() as session:
        request = session.scalars(select(Request)).one()
        assert (request.kind, request.channel, request.status) == ("home_visit", "phone", "new")
        assert request.district is not None and request.district.slug == "hoerde"
        assert request.preferred_time == "morning"
        flow = session.scalars(select(Call)).one().state["flow"]
        assert flow["speech"] is True and flow["failures"] == 0


def speak_recording(twilio: TwilioStream, text: str) -> None:
    """Speak *text* in real time after the beep, then end the recording with "#"."""
    for frame in caller_frames(text):
        twilio.media(frame)
        time.sleep(0.02)
    for _ in range(25):
        twilio.media(SILENCE)
        time.sleep(0.02)
    press(twilio, "#")


def test_stream_voice_messages_are_transcribed_by_a_job_that_survives_a_restart(
        whisper_server: Flask, db: Database, config: Config) -> None:
    from shared.app import create_app

    phone = TwilioPhone(whisper_server.test_client(), "CA" + "8" * 32)
    host = str(whisper_server.config["TEST_HOST"])
    token, call_sid = _connect_stream(phone, host)
    with connect(f"ws://{host}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        twilio.until_prompt_played()
        press(twilio, "2")          # request
        press(twilio, "2")          # callback
        press(twilio, "1")          # consent → the name is recorded after the beep
        speak_recording(twilio, "Erika Mustermann")
        press(twilio, "4")          # a postcode …
        press(twilio, "4263")       # … 44263: Hörde
        press(twilio, "1")          # the number is right
        press(twilio, "4")          # any time → the topic is recorded
        speak_recording(twilio, "Ich brauche Hilfe beim Einkaufen.")
        press(twilio, "1")          # confirmed: the reference comes at once, before any transcription
        closes_by = time.monotonic() + 60  # the reference and goodbye are played in real time first
        with pytest.raises(ConnectionClosed):
            while time.monotonic() < closes_by:
                ws.recv(timeout=10)
    with db.session() as session:
        assert [m.transcript for m in session.scalars(select(VoiceMessage))] == [None, None]
        assert sorted(job.kind for job in session.scalars(select(Job))) == [TRANSCRIBE_JOB, TRANSCRIBE_JOB]
    dead = claim(db, "server-1", (TRANSCRIBE_JOB,), lease_seconds=600)  # this server dies mid-job
    assert dead is not None
    restarted = create_app(config.replace(ivr_mode="stream", whisper="auto"), db)  # a new process, same database
    worker = get_hotline(restarted).fetcher.worker
    assert worker.run_pending() == 1      # the other job; the dead server's lease still holds
    with time_machine.travel(utcnow() + timedelta(seconds=601), tick=False):
        assert worker.run_pending() == 1  # the lease expired: taken over
    assert not complete(db, dead, "server-1")  # the old worker cannot finish it any more
    with db.session() as session:
        messages = {m.purpose: m for m in session.scalars(select(VoiceMessage))}
        name = messages["name"].transcript or ""  # a synthetic "Erika Mustermann" is heard as e.g. "Karamustaman"
        assert "einkaufen" in (messages["topic"].transcript or "").lower()
        request = session.scalars(select(Request)).one()
        assert name and request.caller_name == name[:160]  # machine-made, shown to staff as such
        assert "einkaufen" in (request.topic or "").lower()
        jobs = list(session.scalars(select(Job)))
        assert sorted((job.state, job.attempts) for job in jobs) == [("done", 1), ("done", 2)]
