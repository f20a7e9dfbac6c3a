"""Offline speech synthesis on one dedicated worker thread, with a disk cache.

The engine per language (pyttsx3/espeak-ng, espeak-ng + MBROLA, SVOX Pico) comes from
:mod:`shared.speech.engines`, chosen once when the synthesiser is made; a missing better engine is
reported by exactly one warning then. pyttsx3 engines are not thread-safe, so exactly one thread
runs the engines; callers get a ``Future``. Results are WAV files cached on disk under a key of
engine, voice, rate and text, so a cached prompt is a file lookup; the silence around the words is
cut to a fixed length (:mod:`shared.speech.silence`) before caching. Engines occasionally write an
empty file; that is detected and retried.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
import wave
import weakref
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shared.speech.engines import Choice, Engine, EngineUnavailable, Pyttsx3Engine, choose
from shared.speech.silence import trim_silence

if TYPE_CHECKING:
    from shared.config import Config

from shared.speech.ear_text import for_the_ear

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
MIN_WAV_BYTES = 44 + 160  # a header and at least 10 ms of 8 kHz audio
AUDIO_VERSION = "trim1"  # part of the cache key: bump when the audio made from an engine's output changes


class SynthesisError(RuntimeError):
    """Speech could not be produced (engine missing, or empty output after retries)."""


@dataclass(frozen=True)
class SpeechRequest:
    """What to say, in which language and how fast (words per minute)."""

    text: str
    language: str = "de"
    rate: int = 140

    @property
    def spoken_text(self) -> str:
        """The text as the engine gets it: the pronunciation lexicon applied."""
        return for_the_ear(self.text, self.language)

    def cache_key(self, engine: str) -> str:
        """The file name of this request's audio from *engine* (an :attr:`Engine.ident`)."""
        key = f"{engine}\x00{AUDIO_VERSION}\x00{self.language}\x00{self.rate}\x00{self.spoken_text}"
        digest = hashlib.sha256(key.encode())
        return digest.hexdigest()[:40]


def wav_is_usable(path: Path) -> bool:
    """True if *path* is a WAV file with audio frames in it."""
    try:
        if path.stat().st_size < MIN_WAV_BYTES:
            return False
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() > 0
    except (OSError, wave.Error, EOFError):
        return False


_LIVE: weakref.WeakSet[Synthesizer] = weakref.WeakSet()


def _renew_after_fork() -> None:
    for synthesizer in list(_LIVE):
        synthesizer._renew_after_fork()


os.register_at_fork(after_in_child=_renew_after_fork)


class Synthesizer:
    """Turns text into cached WAV files on one engine thread."""

    def __init__(self, cache_dir: Path, default_rate: int = 140, engine: str = "auto", voice: str = "",
                 languages: tuple[str, ...] = ("de", "tr")) -> None:
        """*engine*/*voice*: the ``TTS_ENGINE``/``TTS_VOICE`` settings; *languages* are chosen now
        (so their warning comes at start), others on first use."""
        self.cache_dir = cache_dir
        self.default_rate = default_rate
        self.engine_setting = engine
        self.voice_setting = voice
        self._engines: dict[str, Engine] = {}
        self._unavailable: dict[str, str] = {}  # engine ident -> why it cannot speak (said once)
        self._choice_lock = threading.Lock()
        self._queue: queue.Queue[tuple[SpeechRequest, Future[Path]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        _LIVE.add(self)
        fallbacks = [reason for language in languages if (reason := self._choose(language))]
        if fallbacks:
            log.warning("speech output: %s", "; ".join(fallbacks))

    @classmethod
    def from_config(cls, config: Config) -> Synthesizer:
        """The application's synthesiser: cache under DATA_DIR, rate and engine from the settings."""
        return cls(config.data_dir / "speech-cache", config.ivr_speech_rate, config.tts_engine,
                   config.tts_voice)

    def engine_for(self, language: str) -> Engine:
        """The engine that speaks *language* (chosen on first use; one warning if it is a fallback)."""
        with self._choice_lock:
            engine = self._engines.get(language)
        if engine is None:
            reason = self._choose(language)
            if reason:
                log.warning("speech output: %s", reason)
        return self._engines[language]

    def _choose(self, language: str) -> str:
        """Choose the engine for *language* once; the fallback reason when it is one."""
        with self._choice_lock:
            if language in self._engines:
                return ""
            choice: Choice = choose(language, self.engine_setting, self.voice_setting)
            self._engines[language] = choice.engine
            return choice.fallback

    def path_for(self, request: SpeechRequest) -> Path:
        """Where the WAV for *request* is (or will be) cached."""
        ident = self.engine_for(request.language).ident
        return self.cache_dir / ident / f"{request.cache_key(ident)}.wav"

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

    def _renew_after_fork(self) -> None:
        """In a forked child (a gunicorn worker of an app built in the master): the engines, made on
        the parent's thread, hang there on their first use, so they are chosen afresh."""
        self._engines = {}
        self._choice_lock, self._lock = threading.Lock(), threading.Lock()
        self._queue = queue.Queue()
        self._thread = None

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="speech-synthesis", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            request, future = item
            if future.done():
                continue
            try:
                future.set_result(self._render(self.engine_for(request.language), request))
            except Exception as exc:  # the engines raise assorted errors; the caller decides
                future.set_exception(exc if isinstance(exc, SynthesisError) else SynthesisError(str(exc)))

    def _render(self, engine: Engine, request: SpeechRequest) -> Path:
        target = self.cache_dir / engine.ident / f"{request.cache_key(engine.ident)}.wav"
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp.wav")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if engine.ident in self._unavailable:
                raise SynthesisError(self._unavailable[engine.ident])
            try:
                engine.render(request.spoken_text, request.rate, temporary)
            except EngineUnavailable as exc:
                engine.reset()
                temporary.unlink(missing_ok=True)
                if isinstance(engine, Pyttsx3Engine) or "not installed" in str(exc):
                    # Missing for good: one warning, then every prompt fails at once, silently.
                    self._unavailable[engine.ident] = str(exc)
                    log.warning("speech output: %s; prompts cannot be synthesised", exc)
                raise SynthesisError(str(exc)) from exc
            if wav_is_usable(temporary):
                trim_silence(temporary)  # the engine's dead air before and after the words
                temporary.replace(target)
                return target
            log.warning("speech synthesis gave empty audio (attempt %d of %d)", attempt, MAX_ATTEMPTS)
            temporary.unlink(missing_ok=True)
            engine.reset()
        raise SynthesisError("speech synthesis produced no audio")


__all__ = ["Pyttsx3Engine", "SpeechRequest", "SynthesisError", "Synthesizer", "wav_is_usable"]
