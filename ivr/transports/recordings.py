"""Recordings of a call: kept aside until the request exists, then stored and transcribed.

A stream (or the terminal softphone) hands us the audio itself: it waits in
``recordings/pending/`` until the request is saved. A TwiML ``<Record>`` leaves the audio at
Twilio: it is fetched in the background, stored with the request and transcribed offline.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
import urllib.request
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import event
from sqlalchemy.orm import Session

from ivr.speech.audio import read_wav
from ivr.speech.recognition import Recognizer
from shared.clock import utcnow
from shared.db import Database
from shared.models import Request, VoiceMessage
from shared.services.recordings import store_voice_message, voice_message_path

log = logging.getLogger(__name__)

FETCH_ATTEMPTS = 5


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


@dataclass(frozen=True)
class TranscribeJob:
    """A stored recording to transcribe (after the request's transaction has committed)."""

    voice_message_id: int


def schedule_transcription(fetcher: RecordingFetcher, voice_message_id: int) -> None:
    """Transcribe a stored recording in the background (the one place to re-point to a durable job table)."""
    fetcher.submit(TranscribeJob(voice_message_id))


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
        if message is None:
            return
        message.transcript, message.transcribed_at = transcript, utcnow()
        request = session.get(Request, message.request_id)
        if request is not None and transcript:
            if purpose == "name" and not request.caller_name:
                request.caller_name = transcript[:160]
            if purpose in ("topic", "message") and not request.topic:
                request.topic = transcript
        session.commit()


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
            if transcript is None and self.fetcher is not None and self.recognizer.available:
                self._transcribe_after_commit(session, self.fetcher, message.id)
        elif ref.startswith("url:") and self.fetcher is not None:
            url, _, account = ref.removeprefix("url:").partition("|")
            self.fetcher.submit(FetchJob(request.id, item["purpose"], url, float(item.get("duration") or 0.0),
                                         account))
        item["attached"] = True

    @staticmethod
    def _transcribe_after_commit(session: Session, fetcher: RecordingFetcher, voice_message_id: int) -> None:
        """Never transcribe inside the request's transaction: the caller hears the reference first."""

        def committed(_session: Session) -> None:
            schedule_transcription(fetcher, voice_message_id)

        event.listen(session, "after_commit", committed, once=True)

    def discard(self, item: dict[str, Any]) -> None:
        """Delete a pending recording that must not be kept (no consent)."""
        ref = str(item["ref"])
        if ref.startswith("file:"):
            (pending_dir(self.data_dir) / Path(ref.removeprefix("file:")).name).unlink(missing_ok=True)


class RecordingFetcher:
    """Downloads Twilio recordings in a background thread and stores them with their request."""

    def __init__(self, db: Database, data_dir: Path, recognizer: Recognizer, auth_token: str) -> None:
        self.db = db
        self.data_dir = data_dir
        self.recognizer = recognizer
        self.auth_token = auth_token
        self.extra_trusted_origins: tuple[str, ...] = ()
        self.jobs: queue.Queue[FetchJob | TranscribeJob] = queue.Queue()
        self.done = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: FetchJob | TranscribeJob) -> None:
        """Queue a download (the thread starts on first use)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ivr-recording-fetch", daemon=True)
                self._thread.start()
        self.done.clear()
        self.jobs.put(job)

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if isinstance(job, TranscribeJob):
                    transcribe_stored(self.db, self.data_dir, self.recognizer, job.voice_message_id)
                else:
                    self._process(job)
            except Exception:  # one broken recording must not stop the others
                log.exception("recording job %s failed", type(job).__name__)
            finally:
                self.jobs.task_done()
                if self.jobs.unfinished_tasks == 0:
                    self.done.set()

    def is_trusted(self, url: str) -> bool:
        """Only Twilio's own https hosts get our account credentials."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        origin = f"{parts.scheme}://{host}"
        if origin in self.extra_trusted_origins:
            return True
        return parts.scheme == "https" and (host == "twilio.com" or host.endswith(".twilio.com"))

    def download(self, job: FetchJob) -> bytes:
        """The recording as WAV bytes (Twilio serves ``.wav`` with HTTP basic auth)."""
        url = job.url if job.url.endswith(".wav") else f"{job.url}.wav"
        if not self.is_trusted(url):
            raise ValueError("recording URL must be an https URL of twilio.com (our credentials go with it)")
        request = urllib.request.Request(url)  # noqa: S310 - scheme checked above
        if job.account_sid:
            credentials = b64encode(f"{job.account_sid}:{self.auth_token}".encode()).decode()
            request.add_header("Authorization", f"Basic {credentials}")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            data: bytes = response.read()
        return data

    def _process(self, job: FetchJob) -> None:
        wav = b""
        for attempt in range(1, FETCH_ATTEMPTS + 1):
            try:
                wav = self.download(job)
                break
            except OSError:
                log.warning("recording download for request %s failed (attempt %d)", job.request_id, attempt)
                time.sleep(attempt)
        if not wav:
            return
        transcript = transcribe_wav(self.recognizer, wav)
        for _attempt in range(FETCH_ATTEMPTS):
            with self.db.session() as session:
                request = session.get(Request, job.request_id)
                if request is not None:
                    store_voice_message(session, self.data_dir, request, job.purpose, wav, job.duration,
                                        transcript=transcript)
                    if job.purpose == "name" and transcript and not request.caller_name:
                        request.caller_name = transcript[:160]
                    if job.purpose in ("topic", "message") and transcript and not request.topic:
                        request.topic = transcript
                    session.commit()
                    return
            time.sleep(0.2)  # the webhook's transaction may not have committed yet
