"""Offline speech synthesis with pyttsx3 (espeak-ng), one dedicated worker thread, disk cache.

pyttsx3 engines are not thread-safe, so exactly one thread owns the engine; callers get a
``Future``. Results are WAV files cached on disk under a key of text, voice and rate, so a cached
prompt is a file lookup. espeak-ng occasionally writes an empty file; that is detected and retried.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
import wave
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.speech.ear_text import for_the_ear

log = logging.getLogger(__name__)

VOICES = {"de": "de", "tr": "tr", "en": "en", "ru": "ru", "pl": "pl", "ar": "ar", "ko": "ko"}
MAX_ATTEMPTS = 3
MIN_WAV_BYTES = 44 + 160  # a header and at least 10 ms of 8 kHz audio


class SynthesisError(RuntimeError):
    """Speech could not be produced (engine missing, or empty output after retries)."""


@dataclass(frozen=True)
class SpeechRequest:
    """What to say, in which language and how fast (words per minute)."""

    text: str
    language: str = "de"
    rate: int = 140

    @property
    def voice(self) -> str:
        return VOICES.get(self.language, self.language)

    @property
    def spoken_text(self) -> str:
        """The text as the engine gets it: the pronunciation lexicon applied."""
        return for_the_ear(self.text, self.language)

    def cache_key(self) -> str:
        digest = hashlib.sha256(f"{self.voice}\x00{self.rate}\x00{self.spoken_text}".encode()).hexdigest()
        return digest[:40]


def wav_is_usable(path: Path) -> bool:
    """True if *path* is a WAV file with audio frames in it."""
    try:
        if path.stat().st_size < MIN_WAV_BYTES:
            return False
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() > 0
    except (OSError, wave.Error, EOFError):
        return False


class Synthesizer:
    """Turns text into cached WAV files on one engine thread."""

    def __init__(self, cache_dir: Path, default_rate: int = 140) -> None:
        self.cache_dir = cache_dir
        self.default_rate = default_rate
        self._queue: queue.Queue[tuple[SpeechRequest, Future[Path]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def path_for(self, request: SpeechRequest) -> Path:
        """Where the WAV for *request* is (or will be) cached."""
        return self.cache_dir / request.voice / f"{request.cache_key()}.wav"

    def cached(self, request: SpeechRequest) -> Path | None:
        """The cached WAV for *request*, without touching the engine."""
        path = self.path_for(request)
        return path if path.exists() else None

    def submit(self, text: str, language: str = "de", rate: int | None = None) -> Future[Path]:
        """Ask for speech; the future resolves to a WAV path (immediately when cached)."""
        request = SpeechRequest(text=text.strip(), language=language, rate=rate or self.default_rate)
        future: Future[Path] = Future()
        hit = self.cached(request)
        if hit is not None:
            future.set_result(hit)
            return future
        self._ensure_thread()
        self._queue.put((request, future))
        return future

    def synthesize(self, text: str, language: str = "de", rate: int | None = None,
                   timeout: float = 30.0) -> Path:
        """Speech for *text* as a WAV path, waiting up to *timeout* seconds."""
        return self.submit(text, language, rate).result(timeout)

    def warm(self, texts: list[str], language: str = "de") -> list[Future[Path]]:
        """Render fixed prompts ahead so the first caller already gets cached audio."""
        return [self.submit(text, language) for text in texts]

    def close(self) -> None:
        """Stop the engine thread after the queued work."""
        with self._lock:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join(10)
                self._thread = None

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="speech-synthesis", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        engine: Any = None
        while True:
            item = self._queue.get()
            if item is None:
                return
            request, future = item
            if future.done():
                continue
            try:
                engine = engine or _new_engine()
                future.set_result(self._render(engine, request))
            except Exception as exc:  # the engine raises assorted errors; the caller decides
                engine = None
                future.set_exception(exc if isinstance(exc, SynthesisError) else SynthesisError(str(exc)))

    def _render(self, engine: Any, request: SpeechRequest) -> Path:
        target = self.path_for(request)
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp.wav")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            engine.setProperty("voice", request.voice)
            engine.setProperty("rate", request.rate)
            engine.save_to_file(request.spoken_text, str(temporary))
            engine.runAndWait()
            if wav_is_usable(temporary):
                temporary.replace(target)
                return target
            log.warning("speech synthesis gave empty audio (attempt %d of %d)", attempt, MAX_ATTEMPTS)
            temporary.unlink(missing_ok=True)
            engine = _new_engine()
        raise SynthesisError("speech synthesis produced no audio")


def _new_engine() -> Any:
    try:
        import pyttsx3
        import pyttsx3.drivers.espeak

        # The espeak driver print()s "Audio saved to <file>" for every file it writes; a module
        # global named print shadows the builtin for that module only.
        setattr(pyttsx3.drivers.espeak, "print", _discard)  # noqa: B010
        return pyttsx3.init("espeak")
    except Exception as exc:  # missing libespeak-ng raises OSError, RuntimeError or KeyError
        raise SynthesisError(f"espeak-ng is not available: {exc}") from exc


def _discard(*_args: object, **_kwargs: object) -> None:
    """Swallow a third-party print()."""
