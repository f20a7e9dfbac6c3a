"""Recordings of a call: kept aside until the request exists, then stored and transcribed.

A stream (or the terminal softphone) hands us the audio itself: it waits in
``recordings/pending/`` until the request is saved. A TwiML ``<Record>`` leaves the audio at
Twilio: a durable job (:mod:`shared.jobs`, kind ``voice_message``, queued in the transaction that
saves the request) downloads it, transcribes it offline and stores both with the request. Audio
we already hold is stored with the request at once and transcribed by a ``transcribe`` job, so
the caller hears the reference without waiting for the recogniser and no transaction stays open
while it runs. Jobs survive a restart and run once across app servers.
"""

from __future__ import annotations

import logging
import secrets
import urllib.error
import urllib.request
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ivr.speech.audio import read_wav
from ivr.speech.recognition import Recognizer
from shared.clock import utcnow
from shared.db import Database
from shared.jobs import JobWorker, enqueue
from shared.models import Request, VoiceMessage
from shared.services.recordings import store_voice_message, voice_message_path

log = logging.getLogger(__name__)

# Back-off doubles from 10 s: ten attempts keep trying for about 85 minutes (Twilio outages).
FETCH_ATTEMPTS = 10
VOICE_MESSAGE_JOB = "voice_message"
TRANSCRIBE_JOB = "transcribe"
DELETE_JOB = "recording_delete"
TWILIO_TIMEOUT_SECONDS = 30


def pending_dir(data_dir: Path) -> Path:
    """Where recordings wait until their request exists (private to the service user)."""
    path = data_dir / "recordings" / "pending"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def keep_pending(data_dir: Path, call_sid: str, purpose: str, wav: bytes) -> str:
    """Store a recording for later; returns the ``file:`` reference for the call state."""
    name = f"{call_sid[-12:]}-{purpose}-{secrets.token_hex(6)}.wav"
    target = pending_dir(data_dir) / name
    target.write_bytes(wav)
    target.chmod(0o600)
    return f"file:{name}"


def transcribe_wav(recognizer: Recognizer, wav: bytes) -> str | None:
    """Offline transcript of a WAV recording, or None without a speech model."""
    if not recognizer.available:
        return None
    samples, rate = read_wav(wav)
    return recognizer.transcribe(samples, rate)


@dataclass(frozen=True)
class FetchJob:
    """A Twilio recording to download for a request."""

    request_id: int
    purpose: str
    url: str
    duration: float
    account_sid: str


def schedule_transcription(session: Session, voice_message_id: int) -> None:
    """Queue the transcription of a stored recording in *session*'s transaction (runs after commit)."""
    enqueue(session, TRANSCRIBE_JOB, {"voice_message_id": voice_message_id})


def transcribe_stored(db: Database, data_dir: Path, recognizer: Recognizer, voice_message_id: int) -> None:
    """Transcribe one stored recording outside any transaction, then fill in the request's name or topic."""
    with db.session() as session:
        message = session.get(VoiceMessage, voice_message_id)
        if message is None or message.transcript is not None:
            return
        path = voice_message_path(data_dir, message)
        purpose = message.purpose
    if not path.exists():
        return
    transcript = transcribe_wav(recognizer, path.read_bytes())  # slow: no transaction is open
    if transcript is None:
        return
    with db.session() as session:
        message = session.get(VoiceMessage, voice_message_id)
        if message is None or message.transcript is not None:
            return
        message.transcript, message.transcribed_at = transcript, utcnow()
        request = session.get(Request, message.request_id)
        if request is not None:
            fill_in_from_transcript(request, purpose, transcript)
        session.commit()


def fill_in_from_transcript(request: Request, purpose: str, transcript: str) -> None:
    """A transcribed name or topic fills the request's empty field (staff see it marked as machine-made)."""
    if not transcript:
        return
    if purpose == "name" and not request.caller_name:
        request.caller_name = transcript[:160]
    if purpose in ("topic", "message") and not request.topic:
        request.topic = transcript


class RecordingAttacher:
    """Attaches a call's recordings to its request (only called when the caller consented)."""

    def __init__(self, data_dir: Path, recognizer: Recognizer, fetcher: RecordingFetcher | None = None) -> None:
        self.data_dir = data_dir
        self.recognizer = recognizer
        self.fetcher = fetcher

    def attach(self, session: Session, request: Request, item: dict[str, Any]) -> None:
        """Store one recording of the call state with *request*."""
        ref = str(item["ref"])
        if ref.startswith("file:"):
            path = pending_dir(self.data_dir) / Path(ref.removeprefix("file:")).name
            if not path.exists():
                log.warning("pending recording of request %s is gone", request.id)
                return
            wav = path.read_bytes()
            transcript = item.get("transcript")
            message = store_voice_message(session, self.data_dir, request, item["purpose"], wav,
                                          float(item.get("duration") or 0.0), transcript=transcript)
            path.unlink()
            if transcript is None and self.recognizer.available:
                schedule_transcription(session, message.id)
        elif ref.startswith("url:") and self.fetcher is not None:
            url, _, account = ref.removeprefix("url:").partition("|")
            self.fetcher.submit(session, FetchJob(request.id, item["purpose"], url,
                                                  float(item.get("duration") or 0.0), account))
        item["attached"] = True

    def discard(self, session: Session, item: dict[str, Any]) -> None:
        """Delete a recording that must not be kept (no consent): a pending file at once, one left at
        Twilio by a durable job that deletes it there without downloading it."""
        ref = str(item["ref"])
        if ref.startswith("file:"):
            (pending_dir(self.data_dir) / Path(ref.removeprefix("file:")).name).unlink(missing_ok=True)
        elif ref.startswith("url:") and self.fetcher is not None:
            url, _, account = ref.removeprefix("url:").partition("|")
            self.fetcher.submit_deletion(session, url, account)


class RecordingFetcher:
    """Downloads Twilio recordings in durable jobs and stores them, transcribed, with their request."""

    def __init__(self, db: Database, data_dir: Path, recognizer: Recognizer, auth_token: str,
                 api_base: str = "https://api.twilio.com") -> None:
        self.db = db
        self.data_dir = data_dir
        self.recognizer = recognizer
        self.auth_token = auth_token
        parts = urlsplit(api_base)
        self.extra_trusted_origins: tuple[str, ...] = (f"{parts.scheme}://{parts.netloc}",)
        self.worker = JobWorker(db, {VOICE_MESSAGE_JOB: self.process, TRANSCRIBE_JOB: self.transcribe,
                                     DELETE_JOB: self.delete_only})

    def submit(self, session: Session, job: FetchJob) -> None:
        """Queue the download in *session*'s transaction (the URL and ids only, no personal data)."""
        enqueue(session, VOICE_MESSAGE_JOB, {
            "request_id": job.request_id, "purpose": job.purpose, "url": job.url,
            "duration": job.duration, "account_sid": job.account_sid}, max_attempts=FETCH_ATTEMPTS)

    def process(self, payload: dict[str, Any]) -> None:
        """The ``voice_message`` job: download, transcribe, store once (a job run again stores nothing
        twice), then delete the recording at Twilio, so no copy stays outside our retention."""
        job = FetchJob(int(payload["request_id"]), str(payload["purpose"]), str(payload["url"]),
                       float(payload.get("duration") or 0.0), str(payload.get("account_sid") or ""))
        with self.db.session() as session:
            stored = self._stored(session, job) or session.get(Request, job.request_id) is None
        if not stored:
            self._store(job, self.download(job))  # OSError: the job is retried with back-off
        self.delete_at_twilio(job)  # failing: retried, and the next run skips straight here

    def _store(self, job: FetchJob, wav: bytes) -> None:
        transcript = transcribe_wav(self.recognizer, wav)
        with self.db.session() as session:
            request = session.get(Request, job.request_id)
            if request is None or self._stored(session, job):
                return  # the request was deleted meanwhile, or another run stored it
            store_voice_message(session, self.data_dir, request, job.purpose, wav, job.duration,
                                transcript=transcript)
            fill_in_from_transcript(request, job.purpose, transcript or "")
            session.commit()

    def delete_at_twilio(self, job: FetchJob) -> None:
        """DELETE the recording resource with Twilio's REST client, authenticated with the account
        (already gone: fine; any other failure raises, so the job is retried)."""
        if not self.is_trusted(job.url):
            raise ValueError("recording URL must be an https URL of twilio.com (our credentials go with it)")
        resource = job.url.removesuffix(".wav")
        if not resource.endswith(".json"):
            resource += ".json"
        client = Client(job.account_sid, self.auth_token, http_client=TwilioHttpClient(timeout=TWILIO_TIMEOUT_SECONDS))
        response = client.request("DELETE", resource)
        if response.status_code != 404 and not 200 <= response.status_code < 300:
            raise OSError(f"Twilio answered {response.status_code} to the deletion of a recording")

    def delete_only(self, payload: dict[str, Any]) -> None:
        """The ``recording_delete`` job: a recording we must not keep (no consent), deleted at Twilio unread."""
        self.delete_at_twilio(FetchJob(0, "", str(payload["url"]), 0.0, str(payload.get("account_sid") or "")))

    def submit_deletion(self, session: Session, url: str, account_sid: str) -> None:
        """Queue the deletion at Twilio of a recording that is not downloaded (in *session*'s transaction)."""
        enqueue(session, DELETE_JOB, {"url": url, "account_sid": account_sid}, max_attempts=FETCH_ATTEMPTS)

    def _authorised(self, url: str, job: FetchJob, method: str = "GET") -> urllib.request.Request:
        if not self.is_trusted(url):
            raise ValueError("recording URL must be an https URL of twilio.com (our credentials go with it)")
        request = urllib.request.Request(url, method=method)  # noqa: S310 - scheme checked above
        if job.account_sid:
            credentials = b64encode(f"{job.account_sid}:{self.auth_token}".encode()).decode()
            request.add_header("Authorization", f"Basic {credentials}")
        return request

    def transcribe(self, payload: dict[str, Any]) -> None:
        """The ``transcribe`` job: a recording stored with its request, transcribed once."""
        transcribe_stored(self.db, self.data_dir, self.recognizer, int(payload["voice_message_id"]))

    @staticmethod
    def _stored(session: Session, job: FetchJob) -> bool:
        return session.scalar(select(VoiceMessage.id).where(
            VoiceMessage.request_id == job.request_id, VoiceMessage.purpose == job.purpose).limit(1)) is not None

    def is_trusted(self, url: str) -> bool:
        """Only Twilio's own https hosts get our account credentials."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        origins = {f"{parts.scheme}://{host}", f"{parts.scheme}://{parts.netloc}"}
        if origins & set(self.extra_trusted_origins):
            return True
        return parts.scheme == "https" and (host == "twilio.com" or host.endswith(".twilio.com"))

    def download(self, job: FetchJob) -> bytes:
        """The recording as WAV bytes (Twilio serves ``.wav`` with HTTP basic auth)."""
        url = job.url if job.url.endswith(".wav") else f"{job.url}.wav"
        with urllib.request.urlopen(self._authorised(url, job), timeout=30) as response:  # noqa: S310
            data: bytes = response.read()
        return data
