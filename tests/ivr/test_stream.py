"""Whole calls over a real WebSocket, sending exactly what Twilio sends (JSON, base64 µ-law, dtmf)."""

from __future__ import annotations

import base64
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from werkzeug.serving import BaseWSGIServer, make_server

from ivr.flow.nodes import QUESTIONS, Node, question_text
from ivr.speech.audio import FRAME_BYTES, MULAW_SILENCE, mulaw_encode, phone_audio
from ivr.transports import stream
from ivr.transports.twiml import connect_stream
from shared.config import Config
from shared.db import Database
from shared.models import Call, Request, VoiceMessage
from shared.runtime import get_runtime
from tests.ivr.conftest import CALLER, TwilioPhone
from tests.ivr.test_caller_district import earlier_request, saved_districts

SILENCE = bytes([MULAW_SILENCE]) * FRAME_BYTES
TONE = mulaw_encode((np.sin(np.arange(FRAME_BYTES) * 2 * np.pi * 400 / 8000) * 6000).astype(np.int16))


@pytest.fixture
def stream_app(config: Config, db: Database, speech_cache: Any) -> Flask:
    from shared.app import create_app

    application = create_app(config.replace(ivr_mode="stream"), db)
    get_runtime(application).synthesizer.cache_dir = speech_cache
    return application


@pytest.fixture
def server(stream_app: Flask) -> Iterator[str]:
    http_server: BaseWSGIServer = make_server("127.0.0.1", 0, stream_app, threaded=True)
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{http_server.server_port}"
    http_server.shutdown()


@pytest.fixture
def fast_playback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "PACE", 0.0)


class TwilioStream:
    """Plays Twilio's side of a Media Stream: start, continuous media, dtmf, echoing marks."""

    def __init__(self, ws: ClientConnection, call_sid: str, token: str) -> None:
        self.ws = ws
        self.call_sid = call_sid
        self.stream_sid = "MZ" + "a" * 32
        self.sequence = 0
        self.chunk = 0
        self.received: list[dict[str, Any]] = []
        self.token = token

    def send(self, message: dict[str, Any]) -> None:
        self.sequence += 1
        self.ws.send(json.dumps({**message, "sequenceNumber": str(self.sequence)}))

    def start(self) -> None:
        self.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        self.send({"event": "start", "streamSid": self.stream_sid, "start": {
            "accountSid": "AC" + "0" * 32, "streamSid": self.stream_sid, "callSid": self.call_sid,
            "tracks": ["inbound"], "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"token": self.token, "callSid": self.call_sid}}})

    def media(self, payload: bytes) -> None:
        self.chunk += 1
        self.send({"event": "media", "streamSid": self.stream_sid, "media": {
            "track": "inbound", "chunk": str(self.chunk), "timestamp": str(self.chunk * 20),
            "payload": base64.b64encode(payload).decode()}})

    def key(self, digit: str) -> None:
        self.send({"event": "dtmf", "streamSid": self.stream_sid, "dtmf": {"track": "inbound_track", "digit": digit}})

    def stop(self) -> None:
        self.send({"event": "stop", "streamSid": self.stream_sid,
                   "stop": {"accountSid": "AC" + "0" * 32, "callSid": self.call_sid}})

    def until_prompt_played(self, timeout: float = 60) -> list[dict[str, Any]]:
        """Read until the next mark, echo it (as Twilio does once the audio has played)."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv(timeout=deadline - time.monotonic()))
            assert message["streamSid"] == self.stream_sid
            got.append(message)
            self.received.append(message)
            if message["event"] == "mark":
                self.send({"event": "mark", "streamSid": self.stream_sid, "mark": message["mark"]})
                return got
        raise AssertionError("no mark received")

    def speak(self, seconds: float) -> None:
        for _ in range(int(seconds * 50)):
            self.media(TONE)

    def keys(self, digits: str) -> list[dict[str, Any]]:
        for digit in digits:
            self.key(digit)
        return self.until_prompt_played()


def _connect_stream(phone: TwilioPhone, server: str) -> tuple[str, str]:
    turn = phone.dial_in()
    stream_element = turn.find("Stream")
    assert turn.verbs() == ["Connect"]
    assert turn.find("Connect").attrib["action"].endswith("/ivr/twilio/stream-end")
    assert stream_element.attrib["url"] == "ws://localhost/ivr/stream"
    parameters = {p.attrib["name"]: p.attrib["value"] for p in stream_element.iter("Parameter")}
    return parameters["token"], parameters["callSid"]


@pytest.fixture
def stream_phone(stream_app: Flask) -> TwilioPhone:
    return TwilioPhone(stream_app.test_client(), "CA" + "2" * 32)


def _media_payloads(messages: list[dict[str, Any]]) -> list[bytes]:
    return [base64.b64decode(m["media"]["payload"]) for m in messages if m["event"] == "media"]


@pytest.mark.usefixtures("fast_playback")
def test_whole_call_over_the_stream_with_keys_and_recordings(stream_phone: TwilioPhone, server: str,
                                                             db: Database) -> None:
    token, call_sid = _connect_stream(stream_phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        greeting = twilio.until_prompt_played()
        frames = _media_payloads(greeting)
        assert len(frames) > 100 and all(len(frame) == FRAME_BYTES for frame in frames)
        twilio.keys("2")       # request
        twilio.keys("2")       # callback
        twilio.keys("1")       # consent → name recording (after the beep)
        twilio.speak(1.0)
        twilio.keys("#")       # name recorded → district
        twilio.keys("3")       # Hombruch und Westen
        twilio.keys("4")       # Mengede → number read back
        twilio.keys("1")       # right → callback time
        twilio.keys("3")       # afternoon → topic recording
        twilio.speak(1.5)
        twilio.keys("#")       # → summary
        twilio.keys("1")       # confirmed → reference, goodbye, then we close
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    with db.session() as session:
        request = session.scalars(select(Request)).one()
        assert (request.status, request.kind, request.channel) == ("new", "callback", "phone")
        assert request.phone_e164 == CALLER and request.district is not None and request.district.slug == "mengede"
        assert request.preferred_time == "afternoon"
        messages = list(session.scalars(select(VoiceMessage).order_by(VoiceMessage.id)))
        assert [m.purpose for m in messages] == ["name", "topic"]
        assert all(m.duration_seconds >= 1.0 for m in messages)
        call = session.scalars(select(Call)).one()
        assert call.transport == "stream" and call.outcome == "request"
    after = stream_phone.post("/ivr/twilio/stream-end")
    assert after.verbs() == ["Hangup"]


@pytest.mark.usefixtures("fast_playback")
def test_stream_stop_half_way_leaves_an_incomplete_request(stream_phone: TwilioPhone, server: str,
                                                           db: Database) -> None:
    token, call_sid = _connect_stream(stream_phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        twilio.until_prompt_played()
        twilio.keys("2")
        twilio.keys("1")       # home visit
        twilio.keys("1")       # consent → recording
        twilio.speak(0.5)
        twilio.stop()
        time.sleep(0.5)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with db.session() as session:
            request = session.scalars(select(Request)).first()
            if request is not None:
                break
        time.sleep(0.1)
    assert request is not None
    assert request.status == "incomplete" and request.kind == "home_visit"


def test_prompts_are_paced_in_real_time_and_cleared_on_barge_in(stream_phone: TwilioPhone, server: str) -> None:
    token, call_sid = _connect_stream(stream_phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        arrivals: list[float] = []
        while len(arrivals) < 26:
            message = json.loads(ws.recv(timeout=10))
            if message["event"] == "media":
                arrivals.append(time.monotonic())
        span = arrivals[-1] - arrivals[1]
        assert 0.4 <= span <= 0.75, span  # 24 frames of 20 ms
        twilio.key("1")                    # talk over the greeting: events
        events: list[dict[str, Any]] = []
        while not any(m["event"] == "clear" for m in events):
            events.append(json.loads(ws.recv(timeout=10)))
        assert events[-1]["event"] == "clear"


@pytest.mark.usefixtures("fast_playback")
def test_the_first_webhook_writes_nothing_and_the_first_stream_of_a_retried_webhook_is_taken(
        stream_phone: TwilioPhone, server: str, db: Database) -> None:
    first_token, call_sid = _connect_stream(stream_phone, server)
    retried_token, _ = _connect_stream(stream_phone, server)  # Twilio retried the webhook: a second token
    assert retried_token != first_token
    with db.session() as session:
        assert session.scalars(select(Call)).all() == []  # the token carries the call until its stream starts
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, retried_token)
        twilio.start()
        assert twilio.until_prompt_played()
        twilio.stop()
    with db.session() as session:
        calls = session.scalars(select(Call)).all()
        assert [(call.call_sid, call.transport) for call in calls] == [(call_sid, "stream")]
        assert calls[0].state["caller"] == CALLER and calls[0].state["stream_used"] is True
    with connect(f"ws://{server}/ivr/stream") as ws:  # the other token of the same call: refused
        TwilioStream(ws, call_sid, first_token).start()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    with db.session() as session:
        assert len(session.scalars(select(Call)).all()) == 1


def test_a_stream_that_never_started_ends_with_a_hang_up_and_leaves_nothing(stream_phone: TwilioPhone,
                                                                           db: Database) -> None:
    _token, _call_sid = _connect_stream(stream_phone, "localhost")
    after = stream_phone.post("/ivr/twilio/stream-end")
    assert after.status == 200 and after.verbs() == ["Hangup"]  # not Twilio's English error message
    assert stream_phone.hang_up().status == 204
    with db.session() as session:
        assert session.scalars(select(Call)).all() == []


@pytest.mark.usefixtures("fast_playback")
def test_forged_replayed_or_missing_stream_token_is_refused(stream_phone: TwilioPhone, server: str,
                                                            db: Database) -> None:
    token, call_sid = _connect_stream(stream_phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        TwilioStream(ws, call_sid, token[:-4] + "AAAA").start()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    with connect(f"ws://{server}/ivr/stream") as ws:
        TwilioStream(ws, "CA" + "9" * 32, token).start()   # token of another call
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        assert twilio.until_prompt_played()
        twilio.stop()
    with connect(f"ws://{server}/ivr/stream") as ws:          # the same token a second time
        TwilioStream(ws, call_sid, token).start()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)


@pytest.mark.slow
@pytest.mark.usefixtures("fast_playback")
def test_silence_on_the_stream_is_answered_after_the_timeout(stream_phone: TwilioPhone, server: str) -> None:
    token, call_sid = _connect_stream(stream_phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        twilio.until_prompt_played()
        started = time.monotonic()
        sender_stop = threading.Event()

        def line_noise() -> None:
            while not sender_stop.is_set():
                twilio.media(SILENCE)
                time.sleep(0.02)

        sender = threading.Thread(target=line_noise, daemon=True)
        sender.start()
        try:
            reprompt = twilio.until_prompt_played(timeout=20)
        finally:
            sender_stop.set()
            sender.join()
        assert time.monotonic() - started >= 8
        assert len(_media_payloads(reprompt)) > 50


def test_stream_mode_twiml_is_parsed(stream_phone: TwilioPhone) -> None:
    turn = stream_phone.dial_in()
    assert isinstance(turn.root, ET.Element) and turn.root.tag == "Response"


@pytest.mark.usefixtures("fast_playback")
def test_transfer_from_the_stream_dials_after_the_stream_ends(stream_phone: TwilioPhone, server: str) -> None:
    import time_machine

    from tests.ivr.test_webhooks import OFFICE_OPEN

    with time_machine.travel(OFFICE_OPEN, tick=True), connect(f"ws://{server}/ivr/stream") as ws:
        token, call_sid = _connect_stream(stream_phone, server)
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        twilio.until_prompt_played()
        twilio.keys("0")                      # a person
        twilio.keys("2")                      # Osten und Hörde
        twilio.keys("4")                      # Hörde, open → "Ich verbinde Sie …", then we close
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    after = stream_phone.post("/ivr/twilio/stream-end")
    dial = after.find("Dial")
    assert (dial.text or "").startswith("+49231")
    busy = stream_phone.post(after.action_path("Dial"), {"DialCallStatus": "no-answer"})
    assert busy.find("Gather").attrib["input"] == "dtmf"   # consent for a voice message


@pytest.mark.usefixtures("fast_playback")
def test_line_dropping_without_stop_also_keeps_an_incomplete_request(stream_phone: TwilioPhone, server: str,
                                                                     db: Database) -> None:
    token, call_sid = _connect_stream(stream_phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        twilio.until_prompt_played()
        twilio.keys("2")
        twilio.keys("2")       # callback, then the connection just drops
    deadline = time.monotonic() + 5
    request = None
    while request is None and time.monotonic() < deadline:
        with db.session() as session:
            request = session.scalars(select(Request)).first()
            if request is not None:
                assert request.status == "incomplete" and request.kind == "callback"
                assert session.scalars(select(Call)).one().outcome == "incomplete"
        time.sleep(0.1)
    assert request is not None


@pytest.fixture
def korean_stream_app(config: Config, db: Database, speech_cache: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """Stream mode with the real Korean Vosk model; every question listens for Korean words."""
    from ivr.flow import understanding
    from shared.app import create_app
    from tests.ivr.test_recognition import GRAMMAR, MODEL

    monkeypatch.setattr(understanding, "grammar", lambda question: tuple(GRAMMAR))
    application = create_app(config.replace(ivr_mode="stream", vosk_model=str(MODEL)), db)
    get_runtime(application).synthesizer.cache_dir = speech_cache
    return application


def test_speech_over_the_stream_barges_in_is_recognised_and_answered(korean_stream_app: Flask,
                                                                     db: Database) -> None:
    from ivr.hotline import get_hotline
    from ivr.speech.audio import phone_audio
    from tests.ivr.test_recognition import speak_korean

    phone = TwilioPhone(korean_stream_app.test_client(), "CA" + "3" * 32)
    http_server = make_server("127.0.0.1", 0, korean_stream_app, threaded=True)
    threading.Thread(target=http_server.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{http_server.server_port}"
    assert get_hotline(korean_stream_app).health()["speech_input"] is True
    speech = mulaw_encode(speak_korean("넷"))
    try:
        token, call_sid = _connect_stream(phone, host)
        with connect(f"ws://{host}/ivr/stream") as ws:
            twilio = TwilioStream(ws, call_sid, token)
            twilio.start()
            first = json.loads(ws.recv(timeout=10))
            assert first["event"] == "media"      # the greeting is playing (in real time) …
            started = time.monotonic()
            for index in range(0, len(speech), FRAME_BYTES):  # … and the caller talks over it
                delay = started + index / 8000 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                twilio.media(speech[index:index + FRAME_BYTES].ljust(FRAME_BYTES, bytes([MULAW_SILENCE])))
            seen: list[dict[str, Any]] = []
            reply: list[bytes] = []
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and len(reply) < 60:
                twilio.media(SILENCE)
                time.sleep(0.02)
                while True:
                    try:
                        message = json.loads(ws.recv(timeout=0))
                    except TimeoutError:
                        break
                    seen.append(message)
                    if message["event"] == "media" and any(m["event"] == "clear" for m in seen):
                        reply.append(base64.b64decode(message["media"]["payload"]))
            assert any(m["event"] == "clear" for m in seen), "no barge-in"
            synthesizer = get_runtime(korean_stream_app).synthesizer
            expected = phone_audio(synthesizer.synthesize("Das habe ich leider nicht verstanden."))
            # A frame of the greeting may still be in flight when the clear goes out.
            assert expected[:5 * FRAME_BYTES] in b"".join(reply)
            twilio.stop()
    finally:
        http_server.shutdown()
    with db.session() as session:
        flow = session.scalars(select(Call)).one().state["flow"]
        assert flow["speech"] is True and flow["failures"] == 1 and flow["node"] == "main"


@pytest.mark.usefixtures("fast_playback")
def test_stream_district_without_hash_and_a_pause_that_does_not_end_the_topic(
        stream_phone: TwilioPhone, server: str, db: Database) -> None:
    token, call_sid = _connect_stream(stream_phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = _asking_for_a_callback(TwilioStream(ws, call_sid, token))
        twilio.keys("2")       # no consent … → district question
        twilio.keys("4")       # a postcode begins: the flow waits for four more keys
        began = time.monotonic()
        twilio.keys("4263")    # 44263 (Hörde), no "#": the number is read back at once
        assert time.monotonic() - began < 3
        twilio.keys("1")       # number right → callback time
        twilio.keys("4")       # any time → summary
        twilio.keys("1")       # confirmed
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    with db.session() as session:
        request = session.scalars(select(Request)).one()
        assert request.district is not None and request.district.slug == "hoerde"

    # Another caller: the first one's district would now be taken from the number, not asked.
    phone = TwilioPhone(stream_phone.client, "CA" + "3" * 32, caller="+492317654321")
    token, call_sid = _connect_stream(phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = _asking_for_a_callback(TwilioStream(ws, call_sid, token))
        twilio.keys("1")       # consent → name
        twilio.speak(1.0)
        twilio.keys("#")       # → district
        twilio.keys("2")       # Osten und Hörde
        twilio.keys("4")       # → number read back
        twilio.keys("1")       # → callback time
        twilio.keys("1")       # → topic recording
        twilio.speak(1.0)
        for _ in range(int(4.5 * 50)):  # a 4.5 s pause to think, in real time
            twilio.media(SILENCE)
            time.sleep(0.02)
        twilio.speak(1.0)
        twilio.keys("#")       # → summary
        twilio.keys("1")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    with db.session() as session:
        topic = session.scalars(select(VoiceMessage).where(VoiceMessage.purpose == "topic")).one()
        assert topic.duration_seconds >= 5.5


def test_a_key_during_the_first_prompt_stops_it_and_is_acted_on(stream_phone: TwilioPhone, server: str,
                                                                 stream_app: Flask, db: Database) -> None:
    token, call_sid = _connect_stream(stream_phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        assert json.loads(ws.recv(timeout=10))["event"] == "media"  # the greeting is playing (in real time)
        twilio.key("1")                                              # the flyer says: 1 for events
        seen: list[dict[str, Any]] = []
        while not any(m["event"] == "clear" for m in seen):
            seen.append(json.loads(ws.recv(timeout=10)))
        after: list[dict[str, Any]] = []
        while sum(m["event"] == "media" for m in after) < 10:
            after.append(json.loads(ws.recv(timeout=10)))
        day = question_text(QUESTIONS[Node.DAY], QUESTIONS[Node.DAY].options, "de", False)
        expected = phone_audio(get_runtime(stream_app).synthesizer.synthesize(day, "de"))
        assert expected[FRAME_BYTES:6 * FRAME_BYTES] in b"".join(_media_payloads(after))  # the reply, not the menu
        twilio.stop()
    deadline = time.monotonic() + 10
    while True:
        with db.session() as session:
            call = session.scalars(select(Call)).one()
            if call.state["flow"]["node"] == "day" or time.monotonic() > deadline:
                break
        time.sleep(0.1)
    assert call.state["flow"]["node"] == "day"


def test_a_frozen_stream_is_ended_after_the_silence_timeout(stream_phone: TwilioPhone, server: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Open, started, then not one message more: the server hangs up instead of holding a thread."""
    monkeypatch.setattr(stream, "SILENT_STREAM_SECONDS", 1.0)
    token, call_sid = _connect_stream(stream_phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        TwilioStream(ws, call_sid, token).start()
        started = time.monotonic()
        with pytest.raises(ConnectionClosed):
            while time.monotonic() - started < 5:
                ws.recv(timeout=5)
        assert time.monotonic() - started < 4


def _asking_for_a_callback(twilio: TwilioStream) -> TwilioStream:
    """Start the call, let the opening play, and choose request (2) and callback (2)."""
    twilio.start()
    twilio.until_prompt_played()
    twilio.keys("2")
    twilio.keys("2")
    return twilio


@pytest.mark.usefixtures("fast_playback")
def test_a_step_over_one_second_says_einen_moment_bitte(stream_phone: TwilioPhone, server: str,
                                                        stream_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from ivr.flow.engine import EventsFound, LookupEvents
    from ivr.flow.services import DatabaseCallServices

    def slow_lookup(self: DatabaseCallServices, query: LookupEvents) -> EventsFound:
        time.sleep(1.6)  # a busy database
        return EventsFound(())

    monkeypatch.setattr(DatabaseCallServices, "find_events", slow_lookup)
    synthesizer = get_runtime(stream_app).synthesizer
    moment = phone_audio(synthesizer.synthesize("Einen Moment bitte.", "de"))
    token, call_sid = _connect_stream(stream_phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        twilio.until_prompt_played()
        twilio.keys("1")                  # events
        quick = twilio.keys("1")          # today: no lookup, no "moment"
        assert moment[FRAME_BYTES:6 * FRAME_BYTES] not in b"".join(_media_payloads(quick))
        slow = twilio.keys("0")           # all of Dortmund: the lookup takes 1.6 s
        assert moment[FRAME_BYTES:6 * FRAME_BYTES] in b"".join(_media_payloads(slow))
        twilio.stop()


@pytest.mark.usefixtures("fast_playback")
@pytest.mark.parametrize("change", [False, True])
def test_stream_takes_the_district_from_the_number(stream_phone: TwilioPhone, server: str, db: Database,
                                                   change: bool) -> None:
    with db.session() as session:
        earlier_request(session, CALLER, "hoerde")
    token, call_sid = _connect_stream(stream_phone, server)
    with connect(f"ws://{server}/ivr/stream") as ws:
        twilio = TwilioStream(ws, call_sid, token)
        twilio.start()
        twilio.until_prompt_played()
        for key in ("2", "2", "2"):
            twilio.keys(key)
        if change:
            twilio.keys("9")
            twilio.keys("1")  # Innenstadt und Eving
            twilio.keys("1")  # Innenstadt-West
        for key in ("1", "4", "1"):
            twilio.keys(key)
    assert saved_districts(db) == ["hoerde", "innenstadt-west" if change else "hoerde"]


def test_the_stream_twiml_is_well_formed_whatever_the_values() -> None:
    awkward = "a&b<c>\"d'e ü"
    root = ET.fromstring(connect_stream(f"wss://x.example/{awkward}", {"token": awkward, awkward: "v"},
                                        f"https://x.example/end?n={awkward}"))
    connect = root.find("Connect")
    assert root.tag == "Response" and connect is not None and connect.attrib["method"] == "POST"
    assert connect.attrib["action"] == f"https://x.example/end?n={awkward}"
    stream = connect.find("Stream")
    assert stream is not None and stream.attrib["url"] == f"wss://x.example/{awkward}"
    assert {p.attrib["name"]: p.attrib["value"] for p in stream.iter("Parameter")} == {"token": awkward, awkward: "v"}
