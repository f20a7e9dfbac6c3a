"""Prompts that read out personal data (the caller's number, a reference) for Twilio's ``<Play>``.

A cached prompt's name is a hash of its text, so a number's read-back would be guessable by anyone
who can hash "0231 …" (a "is this number calling now?" oracle). A personal prompt therefore leaves
the cache at once: it moves to a private folder under a random name, is served only at a URL with
that call's SID and that random token, with ``no-store``, and is deleted when the call ends.
"""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path

from flask import Response, abort, send_file

from ivr.flow.call_record import CallRecord
from ivr.hotline import find_call, get_hotline
from shared.models import Call
from shared.web.request_session import db_session

FOLDER = "personal-audio"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
_CALL_SID = re.compile(r"^[A-Za-z0-9]{1,64}$")


def publish(data_dir: Path, call: Call, synthesised: Path) -> str:
    """Move *synthesised* out of the shared cache into *call*'s private audio; return its token."""
    folder = data_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(24)
    target = folder / f"{token}.wav"
    shutil.copyfile(synthesised, target)
    target.chmod(0o600)
    synthesised.unlink(missing_ok=True)
    record = CallRecord.of(call)
    record.personal_audio = [*record.personal_audio, str(target)]
    record.personal_tokens = [*record.personal_tokens, token]
    record.store(call)
    return token


def serve(call_sid: str, token: str) -> Response:
    """The personal prompt *token* of the live call *call_sid*, never cached; 404 for anything else."""
    if not _TOKEN.match(token) or not _CALL_SID.match(call_sid):
        abort(404)
    call = find_call(db_session(), call_sid)
    if call is None or token not in CallRecord.of(call).personal_tokens:
        abort(404)
    path = get_hotline().data_dir / FOLDER / f"{token}.wav"
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="audio/wav", max_age=0)
    response.headers["Cache-Control"] = "no-store, private"
    return response
