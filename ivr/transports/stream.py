"""Twilio Media Streams: the call's audio over a WebSocket, recognised and answered live.

Inbound: ``connected``, ``start`` (with our signed one-time token as a custom parameter),
``media`` (base64 µ-law 8 kHz, 20 ms), ``dtmf``, ``mark``, ``stop``. Outbound: ``media`` frames
paced in real time, a ``mark`` after each prompt (Twilio echoes it once the prompt has played),
and ``clear`` when the caller talks or presses a key over a prompt (barge-in).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np
from simple_websocket import ConnectionClosed
from sqlalchemy.orm import Session

from ivr.flow import prompts
from ivr.flow.call_record import CallRecord
from ivr.flow.engine import (
    CallEvent,
    CallStarted,
    Digits,
    HangUp,
    HungUp,
    Listen,
    NoInput,
    Record,
    RecordingDone,
    Say,
    Speech,
    Transfer,
)
from ivr.flow.runner import OutputAction
from ivr.hotline import Hotline, caller_id, find_call, insert_call
from ivr.speech.audio import PHONE_RATE, Samples, level, mulaw_decode, mulaw_encode, write_wav
from ivr.speech.listening import Listener
from ivr.speech.player import Player, ready
from ivr.transports.recordings import keep_pending
from ivr.transports.signatures import StreamClaim, read_stream_token

log = logging.getLogger(__name__)

PACE = 1.0  # 1.0 = real time; tests may send faster than the phone line plays
VOICE_LEVEL = 600.0  # RMS above which a recording counts as speech
RECORD_TRAILING_SILENCE = 8.0  # a pause to think must not end a one-minute recording
RECORD_NOTHING_SAID = 8.0
SPEECH_MAX_SECONDS = 12.0
MOMENT_SECONDS = 1.0  # a reply not begun by then starts with "Einen Moment bitte"
START_TIMEOUT_SECONDS = 5.0  # a socket without a valid ``start`` by then is closed
SILENT_STREAM_SECONDS = 10.0  # Twilio sends media every 20 ms: this long without a message is a frozen line
MAX_STREAMS = 40  # below gunicorn's 64 threads, so kiosk and staff pages stay served
MAX_STREAMS_PER_ADDRESS = 4  # before ``start``: unauthenticated sockets one address may hold



def claim_call(session: Session, claim: StreamClaim) -> CallRecord | None:
    """The call a stream's ``start`` opens: stored now from the token (a Twilio call's first webhook
    writes nothing), or a softphone call stored beforehand taken over; None when the token was used."""
    record = CallRecord(caller=caller_id(claim.caller), stream_nonce=claim.nonce, stream_used=True)
    if insert_call(session, claim.call_sid, "stream", record.as_json()):
        return record
    call = find_call(session, claim.call_sid)
    record = CallRecord.of(call) if call is not None else CallRecord(stream_used=True)
    if call is None or record.stream_used or record.stream_nonce != claim.nonce:
        return None
    record.stream_used = True
    record.store(call)
    return record

class StreamSlots:
    """Bounds open streams in total and, while unauthenticated, per address."""

    def __init__(self, total: int, per_address: int) -> None:
        self.total, self.per_address = total, per_address
        self._lock = threading.Lock()
        self._open = 0
        self._pending: dict[str, int] = {}

    def acquire(self, address: str) -> bool:
        """Take a slot for a new, not yet started stream from *address*; False when full."""
        with self._lock:
            if self._open >= self.total or self._pending.get(address, 0) >= self.per_address:
                return False
            self._open += 1
            self._pending[address] = self._pending.get(address, 0) + 1
            return True

    def started(self, address: str) -> None:
        """The stream presented a valid ``start``: it no longer counts against its address."""
        with self._lock:
            self._release_pending(address)

    def release(self, address: str, pending: bool) -> None:
        with self._lock:
            self._open -= 1
            if pending:
                self._release_pending(address)

    def _release_pending(self, address: str) -> None:
        left = self._pending.get(address, 0) - 1
        if left > 0:
            self._pending[address] = left
        else:
            self._pending.pop(address, None)


SLOTS = StreamSlots(MAX_STREAMS, MAX_STREAMS_PER_ADDRESS)


def _beep() -> bytes:
    """A short 440 Hz tone before a recording starts."""
    t = np.arange(int(PHONE_RATE * 0.25)) / PHONE_RATE
    tone: Samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
    return mulaw_encode(tone)


BEEP = _beep()


@dataclass
class _Recording:
    action: Record
    samples: list[Samples]
    voiced_at: float | None = None
    started_at: float = 0.0


class StreamCall:
    """One call on one WebSocket; runs in the WebSocket's thread."""

    def __init__(self, hotline: Hotline, ws: Any, on_started: Callable[[], None] | None = None) -> None:
        self.hotline = hotline
        self.ws = ws
        self.on_started = on_started
        self._send_lock = threading.Lock()
        self.stream_sid = ""
        self.call_sid = ""
        self.player = Player(self._send, pace=lambda: PACE)
        self.prompt_mark = ""
        self.prompt_done_at: float | None = None
        self.listen: Listen | None = None
        self.listener: Listener | None = None
        self.digits = ""
        self.last_key_at = 0.0
        self.recording: _Recording | None = None
        self.close_after_prompt = False
        self.closed = False
        self.hung_up = False
        self.speech = False
        self.language = "de"
        self.marks = 0
        self.speech_started_at: float | None = None
        self.frames_in = 0

    # plumbing

    def _send(self, message: dict[str, Any]) -> None:
        message["streamSid"] = self.stream_sid
        with self._send_lock:
            if self.closed:
                return
            try:
                self.ws.send(json.dumps(message))
            except (ConnectionClosed, OSError):
                self.closed = True  # the caller hung up; the receive loop reports it

    def run(self) -> None:
        """Serve the WebSocket until the call ends, a handshake times out or the line goes silent."""
        opened = last_message = time.monotonic()
        try:
            while not self.closed:
                raw = self.ws.receive(timeout=0.05)
                now = time.monotonic()
                if raw is None:
                    if not self.call_sid and now - opened > START_TIMEOUT_SECONDS:
                        log.warning("stream closed: no valid start within %.0f s", START_TIMEOUT_SECONDS)
                        self.close()
                    elif self.call_sid and now - last_message > SILENT_STREAM_SECONDS:
                        log.warning("stream of call %s closed: silent for %.0f s", self.call_sid,
                                    SILENT_STREAM_SECONDS)
                        self.close()
                    else:
                        self.tick()
                    continue
                last_message = now
                message = _parse(raw)
                if message is not None:
                    self.dispatch(message)
                self.tick()
        except (ConnectionClosed, ConnectionError, OSError) as exc:
            log.info("stream of call %s closed: %s", self.call_sid or "?", type(exc).__name__)
        finally:
            if self.call_sid and not self.hung_up:
                if self.recording is not None:
                    self.finish_recording()
                self.apply(HungUp())  # the line dropped without a stop: keep what was given
            self.closed = True
            self.player.close()

    def dispatch(self, message: dict[str, Any]) -> None:
        """Act on one message; malformed ones (missing fields, wrong types) are ignored."""
        try:
            self._dispatch(message)
        except (KeyError, TypeError, ValueError, AttributeError):
            log.info("stream message of type %r ignored: malformed", str(message.get("event"))[:20])

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("event")
        if kind == "start":
            self.on_start(message)
        elif not self.call_sid:
            return  # nothing counts before a valid start
        elif kind == "media":
            self.frames_in += 1
            self.on_media(base64.b64decode(message["media"]["payload"]))
        elif kind == "dtmf":
            self.on_key(str(message["dtmf"]["digit"]))
        elif kind == "mark":
            self.on_mark(str(message["mark"]["name"]))
        elif kind == "stop":
            if self.recording is not None:
                self.finish_recording()  # what was said before the hang-up is kept, in one file
            self.apply(HungUp())
            self.close()

    def close(self) -> None:
        self.player.close()
        with self._send_lock:
            self.closed = True
        raw_socket = getattr(self.ws, "sock", None)
        if raw_socket is not None:
            # Wake the WebSocket's reader thread first; otherwise closing the socket under it
            # sends no FIN and the other side only notices after its close timeout.
            with contextlib.suppress(OSError):
                raw_socket.shutdown(socket.SHUT_RD)
        with contextlib.suppress(ConnectionClosed):
            self.ws.close()

    # call events

    def on_start(self, message: dict[str, Any]) -> None:
        start = message.get("start", {})
        parameters = start.get("customParameters", {})
        claim = read_stream_token(str(parameters.get("token", "")))
        call_sid = str(start.get("callSid", ""))
        if claim is None or claim.call_sid != call_sid:
            log.warning("stream rejected: missing, forged or expired token")
            self.close()
            return
        with self.hotline.db.session() as session:
            record = claim_call(session, claim)
            if record is None:
                log.warning("stream rejected: token already used")
                self.close()
                return
            caller = record.caller
        self.call_sid = call_sid
        if self.on_started is not None:
            self.on_started()
        self.stream_sid = str(message.get("streamSid") or start.get("streamSid", ""))
        self.apply(CallStarted(caller=caller, speech=self.hotline.speech_input()))

    def apply(self, event: CallEvent) -> None:
        """Run *event* through the flow; the reply starts playing as soon as the engine said it."""
        hanging_up = isinstance(event, HungUp)
        if hanging_up:
            self.hung_up = True
        started: list[Say] = []
        sounding = threading.Lock()  # "Einen Moment bitte" is never queued after the reply itself

        def reply_at_once(say: Say) -> None:
            started.append(say)
            self.player.play(self.prompt(say))

        def moment() -> None:  # the step (a lookup, saving) is still running after a second
            with sounding:
                if not self.closed and not answered:
                    self.player.play(self.prompt(Say(prompts.text(self.language, "moment"), self.language)))

        answered: list[bool] = []
        timer = threading.Timer(MOMENT_SECONDS, moment)
        timer.daemon = True
        if not hanging_up:
            timer.start()
        try:
            with self.hotline.db.session() as session:
                call = find_call(session, self.call_sid)
                if call is None:
                    return
                outputs = self.hotline.apply(session, call, event, None if hanging_up else reply_at_once)
                record = CallRecord.of(call)
                for action in outputs:
                    if isinstance(action, Transfer):
                        record.transfer = action.number
                        record.store(call)
                self.speech = record.flow.speech and self.hotline.recognizer.available
                self.language = record.flow.language
        finally:
            with sounding:
                timer.cancel()
                answered.append(True)
        if not hanging_up:
            self.perform(outputs, len(started))

    def perform(self, outputs: list[OutputAction], already_playing: int = 0) -> None:
        """Play the rest of the reply, then listen, record, transfer or hang up as the flow says."""
        self.listen, self.listener, self.recording, self.digits = None, None, None, ""
        self.speech_started_at = None
        for say in [action for action in outputs if isinstance(action, Say)][already_playing:]:
            self.player.play(self.prompt(say))
        for action in outputs:
            if isinstance(action, Listen):
                self.listen = action
                if self.speech:
                    self.listener = Listener(self.hotline.recognizer, action.grammar)
            elif isinstance(action, Record):
                self.player.play(ready(BEEP))
                self.recording = _Recording(action, [])
            elif isinstance(action, Transfer | HangUp):
                self.close_after_prompt = True
                # The call goes on (a <Dial> after the stream) or ends by our choice; the status
                # callback reports the real hang-up, so closing the stream is not one.
                self.hung_up = True
        self.marks += 1
        self.prompt_mark = f"prompt-{self.marks}"
        self.prompt_done_at = None
        self.player.mark(self.prompt_mark)

    def prompt(self, say: Say) -> Future[bytes]:
        return self.hotline.prompt_audio.audio(say.text, say.language)

    def on_mark(self, name: str) -> None:
        if name != self.prompt_mark:
            return
        self.prompt_done_at = time.monotonic()
        if self.recording is not None:
            self.recording.started_at = self.prompt_done_at
        if self.close_after_prompt:
            self.close()

    def barge_in(self) -> None:
        if self.prompt_done_at is None and self.player.stop():
            self.prompt_done_at = time.monotonic()

    def on_media(self, payload: bytes) -> None:
        samples = mulaw_decode(payload)
        if self.recording is not None:
            self.capture(samples)
            return
        if self.listener is None:
            return
        heard = self.listener.push(samples)
        if heard.speaking:
            if self.speech_started_at is None:
                self.speech_started_at = time.monotonic()
            self.barge_in()
        if heard.text is not None:
            log.debug("call %s: endpoint at inbound frame %d", self.call_sid, self.frames_in,
                      extra={"call_sid": self.call_sid, "endpoint_frame": self.frames_in})
            self.answer(Speech(heard.text))

    def capture(self, samples: Samples) -> None:
        recording = self.recording
        if recording is None or self.prompt_done_at is None:
            return
        recording.samples.append(samples)
        now = time.monotonic()
        if level(samples) >= VOICE_LEVEL:
            recording.voiced_at = now
        heard = recording.voiced_at is not None
        elapsed = now - recording.started_at
        if (elapsed >= recording.action.max_seconds
                or (heard and now - (recording.voiced_at or now) >= RECORD_TRAILING_SILENCE)
                or (not heard and elapsed >= RECORD_NOTHING_SAID)):
            self.finish_recording()

    def finish_recording(self) -> None:
        recording = self.recording
        if recording is None:
            return
        self.recording = None
        purpose = recording.action.purpose
        if recording.voiced_at is None or not recording.samples:
            self.apply(RecordingDone(purpose, ""))
            return
        samples = np.concatenate(recording.samples)
        ref = keep_pending(self.hotline.data_dir, self.call_sid, purpose, write_wav(samples, PHONE_RATE))
        self.apply(RecordingDone(purpose, ref, round(samples.size / PHONE_RATE, 1)))

    def on_key(self, key: str) -> None:
        if self.recording is not None:
            self.barge_in()
            if key == "#" and self.prompt_done_at is not None:
                self.finish_recording()
            return
        listen = self.listen
        if listen is None:
            return  # a stray key (e.g. "#" after a complete entry) must not cut the next prompt
        self.barge_in()
        self.last_key_at = time.monotonic()
        if key == "*":
            self.answer(Digits("*"))
        elif listen.finish_on_key:
            if key == listen.finish_on_key:
                self.answer(Digits(self.digits))
            else:
                self.digits += key
                if len(self.digits) >= listen.max_digits:
                    self.answer(Digits(self.digits))
        else:
            self.digits += key
            if len(self.digits) >= listen.max_digits:
                self.answer(Digits(self.digits))

    def answer(self, event: CallEvent) -> None:
        self.listen, self.listener = None, None
        self.player.stop()
        self.apply(event)

    def tick(self) -> None:
        """Timeouts: no answer, digits without ``#``, speech that never ended."""
        now = time.monotonic()
        if self.listen is not None and self.prompt_done_at is not None:
            waited = now - max(self.prompt_done_at, self.last_key_at)
            if self.speech_started_at is not None and now - self.speech_started_at > SPEECH_MAX_SECONDS:
                self.answer(Speech(self.listener.finish() if self.listener else ""))
            elif waited > self.listen.timeout_seconds and self.speech_started_at is None:
                self.answer(Digits(self.digits) if self.digits else NoInput())
        elif self.recording is not None and self.prompt_done_at is not None:
            elapsed = now - self.recording.started_at
            if elapsed > self.recording.action.max_seconds or (
                    self.recording.voiced_at is None and elapsed > RECORD_NOTHING_SAID):
                self.finish_recording()


def _parse(raw: object) -> dict[str, Any] | None:
    """A JSON object from a text frame, or None for binary, non-JSON or non-object frames."""
    if not isinstance(raw, str):
        return None
    try:
        message = json.loads(raw)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def serve(hotline: Hotline, ws: Any, address: str = "") -> None:
    """The WebSocket handler body: refused at once when the stream slots are full."""
    pending = True

    def started() -> None:
        nonlocal pending
        if pending:
            pending = False
            SLOTS.started(address)

    call = StreamCall(hotline, ws, on_started=started)
    if not SLOTS.acquire(address):
        log.warning("stream refused: too many open streams")
        call.close()
        return
    try:
        call.run()
    finally:
        SLOTS.release(address, pending)
