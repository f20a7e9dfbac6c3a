"""Twilio webhooks: every step of a call under ``/ivr/twilio/...``, all signature-checked.

Each TwiML answer points back to ``/ivr/twilio/<kind>?n=<step>``. A step number that is not the
call's current one is a replay (Twilio retried, or someone resent a captured request): it gets
the answer already given, and nothing is done twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Response, abort, request, send_file, url_for
from twilio.twiml.voice_response import VoiceResponse

from ivr.flow.call_record import CallRecord
from ivr.flow.engine import (
    CallEvent,
    CallStarted,
    Digits,
    HungUp,
    NoInput,
    RecordingDone,
    TransferAnswered,
    TransferFailed,
)
from ivr.hotline import caller_id, find_call, get_hotline, open_call
from ivr.transports import personal_audio
from ivr.transports.signatures import issue_stream_token, public_base, require_twilio_signature
from ivr.transports.twiml import connect_stream, render
from shared.models import Call
from shared.web.request_session import db_session

ENDED_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
_AUDIO_NAME = re.compile(r"^[0-9a-f]{40}$")
_VOICE_NAME = re.compile(r"^[a-z0-9-]{2,24}$")  # engine-voice, e.g. mbrola-de6


MAX_DIGITS = 32  # the longest entry the flow asks for is a phone number (20)
MAX_RECORDING_SECONDS = 3600.0
MAX_CALLER_CHARS = 32  # Twilio's From: E.164, a SIP user or "anonymous"; read as a number when the stream starts


def keypad_digits(value: str) -> str:
    """Digits as a phone's keypad sends them: ASCII 0-9, * and # only (else none), at most 32."""
    value = value.removesuffix("#")
    if len(value) > MAX_DIGITS or not re.fullmatch(r"[0-9*#]*", value):
        return ""
    return value


def recording_seconds(value: str) -> float:
    """A recording's duration in seconds: a finite number within an hour, else 0 (no recording)."""
    try:
        seconds = float(value)
    except ValueError:
        return 0.0
    return seconds if math.isfinite(seconds) and 0 <= seconds <= MAX_RECORDING_SECONDS else 0.0


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _step_url(call: Call) -> Callable[[str], str]:
    number = CallRecord.of(call).step

    def url(kind: str) -> str:
        return f"{public_base()}/ivr/twilio/{kind}?n={number}"

    return url


def _audio_url(voice: str, key: str) -> str:
    return f"{public_base()}{url_for('ivr.audio', voice=voice, key=key)}"


def _personal_url(call: Call) -> Callable[[Path], str]:
    def url(path: Path) -> str:
        token = personal_audio.publish(get_hotline().data_dir, call, path)
        return f"{public_base()}{url_for('ivr.personal_audio', call_sid=call.call_sid, token=token)}"

    return url


def _respond(call: Call, event: CallEvent) -> Response:
    """Apply *event*, render the next TwiML, remember it for replays."""
    hotline = get_hotline()
    session = db_session()
    outputs = hotline.apply(session, call, event)
    record = CallRecord.of(call)
    record.step += 1
    record.store(call)
    body = render(outputs, hotline.synthesizer, _step_url(call), _audio_url, _personal_url(call))
    record = CallRecord.of(call)  # publishing personal audio added its tokens
    record.last = body
    record.store(call)
    session.commit()
    return _xml(record.last)


def _current_call() -> Call:
    call = find_call(db_session(), request.form.get("CallSid", ""))
    if call is None:
        abort(404)
    return call


def voice() -> Response:
    """A call comes in: greet (gather mode) or hand the audio to our WebSocket (stream mode)."""
    call_sid = request.form.get("CallSid", "")
    if not call_sid:
        abort(400)
    mode = get_hotline().config.ivr_mode
    if mode == "stream":
        return _xml(_open_stream(call_sid))
    call, created = open_call(db_session(), call_sid, mode)
    if not created:
        return _xml(CallRecord.of(call).last)
    return _respond(call, CallStarted(caller=caller_id(request.form.get("From", "")), speech=False))


def _open_stream(call_sid: str) -> str:
    """Stream mode's first answer. It writes nothing: the signed token carries the call and its caller,
    and the stream's ``start`` stores the call (this webhook comes once per call, and under load); a
    retried webhook gets a new token, and only the first stream to start with either is taken."""
    token, _nonce = issue_stream_token(call_sid, request.form.get("From", "")[:MAX_CALLER_CHARS])
    base = public_base()
    stream_url = re.sub(r"^http", "ws", base) + "/ivr/stream"
    return connect_stream(stream_url, {"token": token, "callSid": call_sid}, f"{base}/ivr/twilio/stream-end")


def _is_replay(call: Call) -> bool:
    return request.args.get("n", type=int) != CallRecord.of(call).step


def step(kind: str) -> Response:
    """The answer to a ``<Gather>``, a ``<Record>`` or a ``<Dial>`` of the previous turn."""
    call = _current_call()
    if _is_replay(call):
        return _xml(CallRecord.of(call).last)
    event: CallEvent
    if kind == "step":
        digits = keypad_digits(request.form.get("Digits", ""))
        event = Digits(digits) if digits else NoInput()
    elif kind == "noinput":
        event = NoInput()
    elif kind.startswith("record-"):
        url = request.form.get("RecordingUrl", "")
        duration = recording_seconds(request.form.get("RecordingDuration", ""))
        ref = f"url:{url}|{request.form.get('AccountSid', '')}" if url and duration > 0 else ""
        event = RecordingDone(kind.removeprefix("record-"), ref, duration)
    elif kind == "dial":
        answered = request.form.get("DialCallStatus", "") == "completed"
        event = TransferAnswered() if answered else TransferFailed()
    else:
        abort(404)
    return _respond(call, event)


def status() -> Response:
    """Call status callback: a call that ended half way keeps what was given."""
    call = find_call(db_session(), request.form.get("CallSid", ""))
    if call is not None and request.form.get("CallStatus", "") in ENDED_STATUSES:
        hotline = get_hotline()
        hotline.apply(db_session(), call, HungUp())
        db_session().commit()
    return Response(status=204)


def stream_end() -> Response:
    """The stream closed: transfer if the flow asked for it, else hang up (also when it never started)."""
    call = find_call(db_session(), request.form.get("CallSid", ""))
    number = CallRecord.of(call).transfer if call is not None else ""
    response = VoiceResponse()
    if call is not None and number:
        # Not answered: the call continues with webhooks (a voice message) after the stream.
        response.dial(number, timeout=30, action=_step_url(call)("dial"), method="POST")
    else:
        response.hangup()
    return _xml(str(response))


def audio(voice: str, key: str) -> Response:
    """A synthesised prompt as WAV (cacheable: the name is a hash of text, voice and rate)."""
    if not _AUDIO_NAME.match(key) or not _VOICE_NAME.match(voice):
        abort(404)
    path = Path(get_hotline().synthesizer.cache_dir) / voice / f"{key}.wav"
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="audio/wav", max_age=86400)
    response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return response


def register(blueprint: Blueprint) -> None:
    """Add the webhook routes; all but the audio files require a valid Twilio signature."""
    blueprint.add_url_rule("/twilio/voice", "voice", voice, methods=["POST"])
    blueprint.add_url_rule("/twilio/status", "status", status, methods=["POST"])
    blueprint.add_url_rule("/twilio/stream-end", "stream_end", stream_end, methods=["POST"])
    blueprint.add_url_rule("/twilio/<kind>", "step", step, methods=["POST"])
    blueprint.add_url_rule("/audio/<voice>/<key>.wav", "audio", audio, methods=["GET"])
    blueprint.add_url_rule("/personal/<call_sid>/<token>.wav", "personal_audio", personal_audio.serve,
                           methods=["GET"])

    @blueprint.before_request
    def _check_signature() -> None:
        if request.path.startswith("/ivr/twilio/"):
            require_twilio_signature()
